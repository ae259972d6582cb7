/// dedupe: drops records whose key was seen within `ttl` before, keeping the first.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "common/json.hpp"
#include "sluice/sluice.hpp"
#include "common/snapshot_reader.hpp"

namespace sluice::builtin::dedupe {

namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view magic = "sluice-dedupe";

std::vector<std::string> key_fields(const options& o) {
  auto k = o.get_list("key");
  if (k.empty())
    throw stage_error{"key: expected at least one field, e.g. key = [\"id\"]"};
  for (auto& f : k)
    if (f.empty())
      throw stage_error{"key: field names must not be empty"};
  return k;
}

/// A keyed-state value: last seen time and the expiry count when it was written, 8 bytes
/// big-endian each.
std::string encode_seen(int64_t t, int64_t expiries) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(7 - i)] = static_cast<char>((static_cast<uint64_t>(t) >> (8 * i)) & 0xff);
    out[static_cast<size_t>(15 - i)] = static_cast<char>((static_cast<uint64_t>(expiries) >> (8 * i)) & 0xff);
  }
  return out;
}

std::pair<int64_t, int64_t> decode_seen(std::string_view v) {
  if (v.size() != 16)
    throw stage_error{"dedupe: a keyed-state value has " + std::to_string(v.size()) + " bytes, not 16"};
  uint64_t t = 0, n = 0;
  for (size_t i = 0; i < 8; ++i) {
    t = (t << 8) | static_cast<unsigned char>(v[i]);
    n = (n << 8) | static_cast<unsigned char>(v[8 + i]);
  }
  return {static_cast<int64_t>(t), static_cast<int64_t>(n)};
}

int64_t positive_ttl(const options& o) {
  int64_t ttl = o.get_duration("ttl").count();
  if (ttl <= 0)
    throw stage_error{"ttl: must be longer than 0"};
  return ttl;
}

} // namespace

/// Remembers each key's last seen time; a record whose key was seen less than
/// `ttl` away from its own time is a duplicate and is dropped.
///
/// Under checkpoints the keys live in keyed state (key -> last seen time), so the snapshot
/// stays small; an expiry there only advances the horizon, and a key whose last sighting is
/// older than the horizon's limit counts as forgotten (exactly when the in-memory map would have
/// dropped it). Sweeps delete forgotten keys, once the limit has moved on by `ttl`.
class dedupe_stage : public Transform {
public:
  explicit dedupe_stage(context& c)
    : Transform(c), fields_(key_fields(opts())), ttl_(positive_ttl(opts())), keyed_(c.checkpoints()) {
    for (auto& f : fields_)
      pointers_.push_back(pointer_of(f));
  }

  void process(const batch& records) override {
    int64_t passed = 0, dropped = 0;
    bool processing_time = false;
    for (record r : records) {
      if (!key_of(r))
        continue;
      int64_t t = r.has_event_time() ? r.event_time() : now();
      processing_time = processing_time || !r.has_event_time();
      if (keyed_ ? see_keyed(t) : see(t)) {
        ++dropped;
      } else {
        ctx().emit(r);
        ++passed;
      }
    }
    // Without event time no watermark ever comes: expire by processing time.
    if (processing_time && !has_watermark_)
      expire_older(now());
    if (passed)
      ctx().count("passed", passed);
    if (dropped)
      ctx().count("duplicates_dropped", dropped);
  }

  void on_watermark(int64_t t) override {
    if (has_watermark_ && t <= watermark_)
      return;
    has_watermark_ = true;
    watermark_ = t;
    expire_older(t);
    if (!keyed_)
      ctx().gauge("keys", static_cast<int64_t>(seen_.size()));
  }

  std::string snapshot() override {
    std::vector<std::pair<std::string_view, int64_t>> entries(seen_.begin(), seen_.end());
    std::sort(entries.begin(), entries.end());
    std::string out{magic};
    out += " 1\nfingerprint " + blob(fingerprint()) + "\nwatermark " + (has_watermark_ ? "1 " : "0 ") +
           std::to_string(watermark_) + "\nentries " + std::to_string(entries.size()) + "\n";
    for (auto& [k, t] : entries)
      out += blob(k) + " " + std::to_string(t) + "\n";
    if (keyed_) // what forgotten() needs; the keys themselves are in keyed state
      out += "expiries " + std::to_string(expiries_) + " " + (has_horizon_ ? "1 " : "0 ") +
             std::to_string(horizon_) + "\n";
    return out + "end\n";
  }

  void restore(std::string_view bytes, uint32_t schema_version) override {
    if (schema_version != 1)
      throw stage_error{"dedupe: cannot restore state schema " + std::to_string(schema_version) +
                        " (this version reads schema 1)"};
    seen_.clear();
    index_.clear();
    has_watermark_ = has_horizon_ = swept_ = false;
    watermark_ = horizon_ = expiries_ = 0;
    if (bytes.empty())
      return;
    snapshot_reader in{bytes, "dedupe"};
    in.expect(magic);
    in.expect("1");
    in.expect("fingerprint");
    if (auto fp = in.blob(); fp != fingerprint())
      throw stage_error{"dedupe: the checkpoint was written for " + std::string{fp} + ", now " + fingerprint() +
                        "; the key fields cannot change on a restore"};
    in.expect("watermark");
    has_watermark_ = in.i64() != 0;
    watermark_ = in.i64();
    in.expect("entries");
    int64_t n = in.i64();
    for (int64_t i = 0; i < n; ++i) {
      std::string k{in.blob()};
      int64_t t = in.i64();
      auto [it, fresh] = seen_.try_emplace(std::move(k), t);
      if (!fresh)
        in.fail("distinct keys");
      index_.emplace(t, &it->first);
    }
    auto w = in.word();
    if (w == "expiries") {
      expiries_ = in.i64();
      has_horizon_ = in.i64() != 0;
      horizon_ = in.i64();
      w = in.word();
    }
    if (w != "end")
      in.fail("\"end\"");
    if (keyed_) { // a snapshot from before keyed state: its keys move there
      for (auto& [k, t] : seen_)
        ctx().state().put(k, encode_seen(t, expiries_));
      seen_.clear();
      index_.clear();
    }
  }

private:
  static int64_t now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
  }
  static std::string blob(std::string_view s) { return std::to_string(s.size()) + ":" + std::string{s}; }

  std::string fingerprint() const {
    std::string f = "key=[";
    for (size_t i = 0; i < fields_.size(); ++i)
      f += (i ? "," : "") + fields_[i];
    return f + "]";
  }

  /// Builds key_ from `r`: the raw JSON of each key field joined by ',', a
  /// missing field as nothing. False (dead-lettered) when r is no JSON object.
  bool key_of(const record& r) {
    od::document doc;
    od::json_type t;
    if (parser_.iterate(padded_view(r, copy_)).get(doc) || doc.type().get(t) || t != od::json_type::object) {
      ctx().dead_letter(r.raw(), "dedupe: record at offset " + std::to_string(r.position().offset) +
                                   " is not a JSON object");
      return false;
    }
    key_.clear();
    for (size_t i = 0; i < pointers_.size(); ++i) {
      if (i)
        key_ += ',';
      doc.rewind();
      od::value v;
      std::string_view raw;
      if (!doc.at_pointer(pointers_[i]).get(v) && raw_text(v, raw))
        key_ += raw;
    }
    return true;
  }

  static __int128 distance(int64_t a, int64_t b) {
    return a >= b ? static_cast<__int128>(a) - b : static_cast<__int128>(b) - a;
  }

  /// In memory: was the key seen within ttl of `t`? Moves its last seen time.
  bool see(int64_t t) {
    auto [it, fresh] = seen_.try_emplace(key_, t);
    bool duplicate = !fresh && distance(t, it->second) < ttl_;
    if (fresh)
      index_.emplace(t, &it->first);
    else if (t > it->second) {
      index_.erase({it->second, &it->first});
      it->second = t;
      index_.emplace(t, &it->first);
    }
    return duplicate;
  }

  /// The same in keyed state.
  bool see_keyed(int64_t t) {
    auto& state = ctx().state();
    std::optional<int64_t> last;
    if (auto v = state.get(key_)) {
      auto [seen, written] = decode_seen(*v);
      if (!forgotten(seen, written))
        last = seen;
    }
    bool duplicate = last && distance(t, *last) < ttl_;
    if (!last || t > *last)
      state.put(key_, encode_seen(t, expiries_));
    return duplicate;
  }

  /// Whether a key last seen at `seen`, written when `written` expiries had run, is gone: an
  /// expiry since then had a limit above `seen` (limits only grow, so the last one decides).
  bool forgotten(int64_t seen, int64_t written) const {
    return has_horizon_ && written < expiries_ && seen < static_cast<__int128>(horizon_) - ttl_;
  }

  /// Deletes the forgotten keys from keyed state; counts the others.
  void sweep() {
    auto& state = ctx().state();
    int64_t kept = 0;
    state.scan("", [&](std::string_view k, std::string_view v) {
      auto [seen, written] = decode_seen(v);
      if (forgotten(seen, written))
        state.erase(k);
      else
        ++kept;
      return true;
    });
    swept_ = true;
    swept_horizon_ = horizon_;
    ctx().gauge("keys", kept);
  }

  /// Forgets keys last seen before `t - ttl`.
  void expire_older(int64_t t) {
    if (keyed_) {
      ++expiries_;
      horizon_ = has_horizon_ ? std::max(horizon_, t) : t;
      has_horizon_ = true;
      if (!swept_ || static_cast<__int128>(horizon_) - swept_horizon_ >= ttl_)
        sweep();
      return;
    }
    const __int128 limit = static_cast<__int128>(t) - ttl_;
    while (!index_.empty() && index_.begin()->first < limit) {
      seen_.erase(*index_.begin()->second);
      index_.erase(index_.begin());
    }
  }

  std::vector<std::string> fields_, pointers_;
  int64_t ttl_;
  std::unordered_map<std::string, int64_t> seen_;               ///< key -> last seen time
  std::set<std::pair<int64_t, const std::string*>> index_;       ///< (last seen, key in seen_)
  bool has_watermark_ = false;
  int64_t watermark_ = 0;
  bool keyed_;                   ///< keys in keyed state (under checkpoints), not in seen_
  int64_t expiries_ = 0;         ///< keyed: expire_older calls so far
  bool has_horizon_ = false;     ///< keyed: the latest expiry's time, limits are horizon_ - ttl_
  int64_t horizon_ = 0;
  bool swept_ = false;           ///< keyed: a sweep ran since the start or restore,
  int64_t swept_horizon_ = 0;    ///< at this horizon
  od::parser parser_;
  std::string copy_, key_;
};

namespace {

const sluice_option_spec dedupe_options[] = {
  {"key", SLUICE_OPT_STRING_LIST, SLUICE_OPTION_REQUIRED, nullptr,
   "dotted fields whose raw JSON values form the key"},
  {"ttl", SLUICE_OPT_DURATION, SLUICE_OPTION_REQUIRED, nullptr,
   "a record is a duplicate when its key was last seen less than ttl away from its time"},
};

} // namespace

} // namespace sluice::builtin::dedupe

SLUICE_PLUGIN("dedupe", sluice::stage<sluice::builtin::dedupe::dedupe_stage>(
                          "dedupe", "1.0.0", sluice::builtin::dedupe::dedupe_options,
                          {"Drops records whose key was seen within ttl; the first passes unchanged.", 1}));
