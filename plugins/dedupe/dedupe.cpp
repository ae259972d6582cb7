/// dedupe: drops records whose key was seen within `ttl` before, keeping the first.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "common/json.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::dedupe {

namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view magic = "sluice-dedupe";

/// Raw JSON text of `v`: whole objects and arrays, scalars without trailing blanks.
bool raw_text(od::value v, std::string_view& out) {
  od::json_type t;
  if (v.type().get(t))
    return false;
  if (t == od::json_type::object || t == od::json_type::array)
    return !simdjson::to_json_string(v).get(out);
  out = v.raw_json_token();
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r' || out.back() == '\n'))
    out.remove_suffix(1);
  return true;
}

std::vector<std::string> key_fields(const options& o) {
  auto k = o.get_list("key");
  if (k.empty())
    throw stage_error{"key: expected at least one field, e.g. key = [\"id\"]"};
  for (auto& f : k)
    if (f.empty())
      throw stage_error{"key: field names must not be empty"};
  return k;
}

int64_t positive_ttl(const options& o) {
  int64_t ttl = o.get_duration("ttl").count();
  if (ttl <= 0)
    throw stage_error{"ttl: must be longer than 0"};
  return ttl;
}

/// Reads what snapshot() wrote: words, integers and length-prefixed strings.
class reader {
public:
  explicit reader(std::string_view s) : s_(s) {}
  std::string_view word() {
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\n')
      ++pos_;
    return s_.substr(start, pos_ - start);
  }
  void expect(std::string_view w) {
    if (word() != w)
      fail("\"" + std::string{w} + "\"");
  }
  int64_t i64() {
    auto w = word();
    int64_t v = 0;
    auto r = std::from_chars(w.data(), w.data() + w.size(), v);
    if (w.empty() || r.ec != std::errc{} || r.ptr != w.data() + w.size())
      fail("an integer");
    return v;
  }
  std::string_view blob() {
    skip();
    size_t n = 0, start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
      n = n * 10 + static_cast<size_t>(s_[pos_++] - '0');
    if (pos_ == start || pos_ >= s_.size() || s_[pos_] != ':' || n > s_.size() - pos_ - 1)
      fail("a length-prefixed string");
    ++pos_;
    auto b = s_.substr(pos_, n);
    pos_ += n;
    return b;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw stage_error{"dedupe: corrupt snapshot at byte " + std::to_string(pos_) + ": expected " + what};
  }

private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n'))
      ++pos_;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

} // namespace

/// Remembers each key's last seen time; a record whose key was seen less than
/// `ttl` away from its own time is a duplicate and is dropped.
class dedupe_stage : public Transform {
public:
  explicit dedupe_stage(context& c) : Transform(c), fields_(key_fields(opts())), ttl_(positive_ttl(opts())) {
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
      auto [it, fresh] = seen_.try_emplace(key_, t);
      bool duplicate = !fresh && distance(t, it->second) < ttl_;
      if (fresh)
        index_.emplace(t, &it->first);
      else if (t > it->second) {
        index_.erase({it->second, &it->first});
        it->second = t;
        index_.emplace(t, &it->first);
      }
      if (duplicate) {
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
    return out + "end\n";
  }

  void restore(std::string_view bytes, uint32_t schema_version) override {
    if (schema_version != 1)
      throw stage_error{"dedupe: cannot restore state schema " + std::to_string(schema_version) +
                        " (this version reads schema 1)"};
    seen_.clear();
    index_.clear();
    has_watermark_ = false;
    watermark_ = 0;
    if (bytes.empty())
      return;
    reader in{bytes};
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
    in.expect("end");
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

  /// Forgets keys last seen before `t - ttl`.
  void expire_older(int64_t t) {
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
