/// quality: checks records against data-quality rules; a failing record is dead-lettered,
/// dropped or tagged, per rule.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/snapshot_reader.hpp"
#include "quality/checks.hpp"
#include "quality/rules.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::quality {

namespace {

constexpr std::string_view magic = "sluice-quality";

/// A keyed-state value: the time a unique value was last seen, 8 bytes big-endian.
std::string encode_time(int64_t t) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(7 - i)] = static_cast<char>((static_cast<uint64_t>(t) >> (8 * i)) & 0xff);
  return out;
}

int64_t decode_time(std::string_view v) {
  if (v.size() != 8)
    throw stage_error{"quality: a keyed-state value has " + std::to_string(v.size()) + " bytes, not 8"};
  uint64_t t = 0;
  for (char c : v)
    t = (t << 8) | static_cast<unsigned char>(c);
  return static_cast<int64_t>(t);
}

/// Keyed-state keys of unique rule `index` start with this.
std::string prefix_of(size_t index) { return std::to_string(index) + ":"; }

__int128 distance(int64_t a, int64_t b) {
  return a >= b ? static_cast<__int128>(a) - b : static_cast<__int128>(b) - a;
}

int64_t now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string blob(std::string_view s) { return std::to_string(s.size()) + ":" + std::string{s}; }

/// Counts for one process() call, reported when it ends (also when it throws).
struct tally {
  context& ctx;
  const std::vector<rule>& rules;
  std::vector<int64_t> failed = std::vector<int64_t>(rules.size(), 0);
  int64_t passed = 0, dead_lettered = 0, dropped = 0, tagged = 0;

  ~tally() {
    for (size_t i = 0; i < rules.size(); ++i)
      if (failed[i])
        ctx.count(rules[i].failed_counter.c_str(), failed[i]);
    const std::pair<const char*, int64_t> totals[] = {
      {"passed", passed}, {"dead_lettered", dead_lettered}, {"dropped", dropped}, {"tagged", tagged}};
    for (auto& [name, n] : totals)
      if (n)
        ctx.count(name, n);
  }
};

} // namespace

/// Checks every record against every rule, in order, then acts on what failed: any failed
/// dead-letter rule dead-letters it (the first one's reason), else any failed drop rule drops
/// it, else failed tag rules add their names to its `_quality` array.
///
/// Unique rules remember values in keyed state (key: rule index, ':', the value's JSON text;
/// value: the time it was last seen), so they survive checkpoints. The snapshot holds only the
/// expiry horizon and which field each unique rule read.
class quality_stage : public Transform {
public:
  explicit quality_stage(context& c) : Transform(c), rules_(parse_rules(opts().get_tables("rules"))) {
    for (auto& r : rules_)
      if (r.check == check_kind::unique)
        min_ttl_ = min_ttl_ ? std::min(min_ttl_, r.ttl) : r.ttl;
  }

  void process(const batch& records) override {
    tally n{ctx(), rules_};
    bool processing_time = false;
    for (record r : records) {
      processing_time = processing_time || !r.has_event_time();
      check(r, n);
    }
    // Without event time no watermark ever comes: expire by processing time.
    if (min_ttl_ && processing_time && !has_watermark_)
      advance(now());
  }

  void on_watermark(int64_t t) override {
    has_watermark_ = true;
    if (min_ttl_)
      advance(t);
  }

  std::string snapshot() override {
    std::string out{magic};
    out += " 1\nwatermark " + std::string{has_watermark_ ? "1" : "0"} + "\nhorizon " +
           (has_horizon_ ? "1 " : "0 ") + std::to_string(horizon_) + "\nunique ";
    std::string list;
    size_t count = 0;
    for (auto& r : rules_)
      if (r.check == check_kind::unique) {
        list += std::to_string(r.index) + " " + blob(r.field) + "\n";
        ++count;
      }
    return out + std::to_string(count) + "\n" + list + "end\n";
  }

  void restore(std::string_view bytes, uint32_t schema_version) override {
    if (schema_version != 1)
      throw stage_error{"quality: cannot restore state schema " + std::to_string(schema_version) +
                        " (this version reads schema 1)"};
    has_watermark_ = has_horizon_ = swept_ = false;
    horizon_ = 0;
    if (bytes.empty())
      return;
    snapshot_reader in{bytes, "quality"};
    in.expect(magic);
    in.expect("1");
    in.expect("watermark");
    has_watermark_ = in.i64() != 0;
    in.expect("horizon");
    has_horizon_ = in.i64() != 0;
    horizon_ = in.i64();
    in.expect("unique");
    int64_t n = in.i64();
    std::vector<std::pair<size_t, std::string>> before;
    for (int64_t i = 0; i < n; ++i) {
      auto index = static_cast<size_t>(in.u64());
      before.emplace_back(index, std::string{in.blob()});
    }
    in.expect("end");
    // A unique rule now at another index, or reading another field, starts with no memory.
    for (auto& [index, field] : before) {
      bool same = index < rules_.size() && rules_[index].check == check_kind::unique && rules_[index].field == field;
      if (!same)
        forget(index);
    }
  }

private:
  void check(const record& r, tally& n) {
    if (!reader_.open(r)) {
      ctx().dead_letter(r.raw(), "not a JSON object");
      ++n.dead_lettered;
      return;
    }
    failed_.clear();
    seen_.clear();
    tags_.clear();
    const rule* dead = nullptr;
    std::string dead_why;
    bool drop = false;
    std::optional<int64_t> t;
    for (auto& rule : rules_) {
      verdict v = rule.check == check_kind::unique ? check_unique(rule, r, t) : reader_.check(rule, why_);
      if (v == verdict::malformed) {
        ctx().dead_letter(r.raw(), "quality rule " + rule.name + " could not read field " + json_quote(rule.field) +
                                     ": not valid JSON (" + why_ + ")");
        ++n.dead_lettered;
        return;
      }
      if (v == verdict::pass)
        continue;
      failed_.push_back(rule.index);
      if (rule.act == action::dead_letter && !dead) {
        dead = &rule;
        dead_why = why_;
      }
      drop = drop || rule.act == action::drop;
      if (rule.act == action::tag)
        tags_.push_back(&rule.quoted_name);
    }
    for (auto i : failed_)
      ++n.failed[i];
    if (dead) {
      ctx().dead_letter(r.raw(), "quality rule " + dead->name + " failed: " + dead_why);
      ++n.dead_lettered;
    } else if (drop) {
      ++n.dropped;
    } else if (tags_.empty()) {
      ctx().emit(r);
      ++n.passed;
      remember(t);
    } else if (reader_.tagged(tags_, out_, why_)) {
      ctx().emit(out_, r);
      ++n.tagged;
      remember(t);
    } else {
      ctx().dead_letter(r.raw(), "quality: not valid JSON, so it cannot be tagged (" + why_ + ")");
      ++n.dead_lettered;
    }
  }

  /// Looks the rule's value up; a value seen less than ttl away from the record's time fails.
  /// Notes the value in seen_, to be remembered if the record goes on.
  verdict check_unique(const rule& rule, const record& r, std::optional<int64_t>& t) {
    if (!t)
      t = r.has_event_time() ? r.event_time() : now();
    verdict v = reader_.unique_key(rule, key_, why_);
    if (v != verdict::pass || key_.empty())
      return v;
    std::string k = prefix_of(rule.index) + key_;
    std::optional<int64_t> last;
    if (auto stored = ctx().state().get(k)) {
      int64_t seen = decode_time(*stored);
      if (!forgotten(seen, rule.ttl))
        last = seen;
    }
    seen_.emplace_back(std::move(k), last);
    if (!last || distance(*t, *last) >= rule.ttl)
      return verdict::pass;
    why_ = "field " + json_quote(rule.field) + " is " + shortened(key_) + ", already seen within " + rule.ttl_text;
    return verdict::fail;
  }

  /// The record went on: its unique values were last seen at `t` (unless seen later already).
  void remember(std::optional<int64_t> t) {
    for (auto& [k, last] : seen_)
      if (!last || *t > *last)
        ctx().state().put(k, encode_time(*t));
  }

  /// A value last seen at `seen` counts as gone once the horizon is more than ttl past it.
  bool forgotten(int64_t seen, int64_t ttl) const {
    return has_horizon_ && seen < static_cast<__int128>(horizon_) - ttl;
  }

  /// Moves the expiry horizon to `t`; deletes forgotten values each time it moved by a ttl.
  void advance(int64_t t) {
    horizon_ = has_horizon_ ? std::max(horizon_, t) : t;
    has_horizon_ = true;
    if (swept_ && static_cast<__int128>(horizon_) - swept_horizon_ < min_ttl_)
      return;
    auto& state = ctx().state();
    int64_t kept = 0;
    state.scan("", [&](std::string_view k, std::string_view v) {
      size_t index = 0, i = 0;
      for (; i < k.size() && k[i] >= '0' && k[i] <= '9'; ++i)
        index = index * 10 + static_cast<size_t>(k[i] - '0');
      bool known = i < k.size() && k[i] == ':' && index < rules_.size() && rules_[index].check == check_kind::unique;
      if (!known || forgotten(decode_time(v), rules_[index].ttl))
        state.erase(k);
      else
        ++kept;
      return true;
    });
    swept_ = true;
    swept_horizon_ = horizon_;
    ctx().gauge("keys", kept);
  }

  /// Deletes every value unique rule `index` remembered.
  void forget(size_t index) {
    auto& state = ctx().state();
    state.scan(prefix_of(index), [&](std::string_view k, std::string_view) {
      state.erase(k);
      return true;
    });
  }

  std::vector<rule> rules_;
  int64_t min_ttl_ = 0;          ///< the shortest unique ttl; 0: no unique rule
  bool has_watermark_ = false;
  bool has_horizon_ = false;     ///< values last seen before horizon_ - ttl are forgotten
  int64_t horizon_ = 0;
  bool swept_ = false;           ///< a sweep ran since the start or restore,
  int64_t swept_horizon_ = 0;    ///< at this horizon
  record_reader reader_;
  std::vector<size_t> failed_;   ///< per record: the rules it failed
  std::vector<std::pair<std::string, std::optional<int64_t>>> seen_; ///< per record: unique keys, last seen
  std::vector<const std::string*> tags_;
  std::string why_, key_, out_;
};

namespace {

const sluice_option_spec quality_options[] = {
  {"rules", SLUICE_OPT_TABLE_LIST, SLUICE_OPTION_REQUIRED, nullptr,
   "the checks, each a [[stage.rules]] table: field, check (not_null, unique, range, regex, type, one_of), "
   "its own keys (ttl; min, max; pattern; type; values), optional name and action (dead-letter, drop, tag)"},
};

} // namespace

} // namespace sluice::builtin::quality

SLUICE_PLUGIN("quality", sluice::stage<sluice::builtin::quality::quality_stage>(
                           "quality", "1.0.0", sluice::builtin::quality::quality_options,
                           sluice::stage_extra{"Checks records against data-quality rules (not_null, unique, range, "
                                               "regex, type, one_of); failing records are dead-lettered, dropped or "
                                               "tagged.", 1}));
