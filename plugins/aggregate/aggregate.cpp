/// aggregate: tumbling and sliding event-time windows with count/sum/min/max/avg per group.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "aggregate/spec.hpp"
#include "aggregate/state.hpp"
#include "common/json.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::aggregate {

namespace {

namespace od = simdjson::ondemand;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

spec spec_of(const options& o) {
  return make_spec(o.get_list("group_by"), o.get_map("aggregations"), o.get_duration("window").count(),
                   o.get_duration("slide").count(), o.get_duration("watermark_delay").count(),
                   o.get_duration("allowed_lateness").count());
}

} // namespace

/// Keeps one window per [start, end) with a group per distinct group_by key;
/// emits a window's rows when the watermark (minus the delay) passes its end,
/// and updated rows for records that arrive within the allowed lateness.
class aggregate_stage : public Transform {
public:
  explicit aggregate_stage(context& c) : Transform(c), spec_(spec_of(opts())) {
    for (auto& g : spec_.group_by)
      group_ptrs_.push_back(pointer_of(g));
    for (auto& a : spec_.aggs)
      agg_ptrs_.push_back(a.field.empty() ? std::string{} : pointer_of(a.field));
    nums_.resize(spec_.aggs.size());
  }

  void process(const batch& records) override {
    int64_t skipped = 0, late = 0;
    for (record r : records) {
      switch (one(r)) {
        case outcome::added: break;
        case outcome::skipped: ++skipped; break;
        case outcome::late: ++late; break;
      }
    }
    if (skipped)
      ctx().count("skipped_records", skipped);
    if (late)
      ctx().count("late_records", late);
  }

  void on_watermark(int64_t t) override {
    if (st_.has_watermark && t <= st_.watermark)
      return;
    st_.has_watermark = true;
    st_.watermark = t;
    for (auto it = st_.windows.begin(); it != st_.windows.end();) {
      int64_t end = it->first + spec_.window;
      if (!closes(end))
        break; // windows are ordered by start, and so by end
      if (!it->second.fired)
        fire(it->first, it->second);
      it = expired(end) ? st_.windows.erase(it) : std::next(it);
    }
    ctx().gauge("open_windows", static_cast<int64_t>(st_.windows.size()));
  }

  void finish() override {
    for (auto& [start, w] : st_.windows)
      if (!w.fired)
        fire(start, w);
    st_.windows.clear();
  }

  std::string snapshot() override { return encode(st_, spec_); }

  void restore(std::string_view bytes, uint32_t schema_version) override {
    if (schema_version != 1)
      throw stage_error{"aggregate: cannot restore state schema " + std::to_string(schema_version) +
                        " (this version reads schema 1)"};
    st_ = bytes.empty() ? state{} : decode(bytes, spec_);
  }

private:
  enum class outcome { added, skipped, late };

  bool closes(int64_t end) const {
    return st_.has_watermark && static_cast<__int128>(st_.watermark) - spec_.delay >= end;
  }
  bool expired(int64_t end) const {
    return st_.has_watermark &&
           static_cast<__int128>(st_.watermark) - spec_.delay >= static_cast<__int128>(end) + spec_.lateness;
  }

  void emit_row(int64_t start, const group& g) {
    ctx().emit(format_row(spec_, start, g), start + spec_.window - 1, st_.emitted++, ctx().instance_index());
  }

  void fire(int64_t start, window& w) {
    w.fired = true;
    for (auto& [key, g] : w.groups)
      emit_row(start, g);
  }

  /// Reads the numeric inputs and group values of `r`; false when it has to be skipped.
  bool read(const record& r) {
    od::document doc;
    od::json_type t;
    if (parser_.iterate(padded_view(r, copy_)).get(doc) || doc.type().get(t) || t != od::json_type::object) {
      ctx().dead_letter(r.raw(), "aggregate: record at offset " + std::to_string(r.position().offset) +
                                   " is not a JSON object");
      return false;
    }
    for (size_t i = 0; i < agg_ptrs_.size(); ++i) {
      if (agg_ptrs_[i].empty())
        continue;
      doc.rewind();
      od::value v;
      if (doc.at_pointer(agg_ptrs_[i]).get(v) || v.get_double().get(nums_[i]))
        return false;
    }
    values_.resize(group_ptrs_.size());
    for (size_t i = 0; i < group_ptrs_.size(); ++i) {
      doc.rewind();
      od::value v;
      std::string_view raw;
      if (!doc.at_pointer(group_ptrs_[i]).get(v) && raw_text(v, raw))
        values_[i].assign(raw);
      else
        values_[i] = "null";
    }
    return true;
  }

  outcome one(const record& r) {
    if (!r.has_event_time() || !read(r))
      return outcome::skipped;
    const int64_t t = r.event_time();
    const std::string key = key_of(values_);
    // Starts of the windows holding t, newest first: k * slide in (t - window, t].
    starts_.clear();
    for (int64_t s = floor_div(t, spec_.slide) * spec_.slide; static_cast<__int128>(s) + spec_.window > t;
         s -= spec_.slide)
      starts_.push_back(s);
    bool taken = false;
    for (auto s = starts_.rbegin(); s != starts_.rend(); ++s) {
      int64_t end = *s + spec_.window;
      if (expired(end))
        continue;
      window& w = st_.windows[*s];
      auto [it, fresh] = w.groups.try_emplace(key);
      if (fresh)
        it->second.values = values_;
      it->second.add(spec_.aggs, nums_);
      taken = true;
      if (w.fired || closes(end)) { // closed but within the allowed lateness: emit the update
        w.fired = true;
        emit_row(*s, it->second);
      }
    }
    if (taken)
      return outcome::added;
    ctx().emit(r, 1);
    return outcome::late;
  }

  spec spec_;
  state st_;
  std::vector<std::string> group_ptrs_, agg_ptrs_;
  od::parser parser_;
  std::string copy_;
  std::vector<double> nums_;
  std::vector<std::string> values_;
  std::vector<int64_t> starts_;
};

namespace {

const sluice_option_spec aggregate_options[] = {
  {"group_by", SLUICE_OPT_STRING_LIST, 0, "[]",
   "dotted fields whose values form the group key; output with their original JSON values"},
  {"aggregations", SLUICE_OPT_STRING_MAP, SLUICE_OPTION_REQUIRED, nullptr,
   "output field = \"count()\" | \"sum(f)\" | \"min(f)\" | \"max(f)\" | \"avg(f)\" (f: dotted numeric field)"},
  {"window", SLUICE_OPT_DURATION, SLUICE_OPTION_REQUIRED, nullptr, "window size (tumbling unless slide is set)"},
  {"slide", SLUICE_OPT_DURATION, 0, nullptr, "distance between window starts; smaller than window: sliding (default: window)"},
  {"watermark_delay", SLUICE_OPT_DURATION, 0, "0s", "a window closes when watermark - delay >= its end"},
  {"allowed_lateness", SLUICE_OPT_DURATION, 0, "0s",
   "how long a closed window still takes records (each emits an updated row); later records go to port `late`"},
};

const char* const aggregate_side_outputs[] = {"late", nullptr};

} // namespace

} // namespace sluice::builtin::aggregate

SLUICE_PLUGIN("aggregate",
              sluice::stage<sluice::builtin::aggregate::aggregate_stage>(
                "aggregate", "1.0.0", sluice::builtin::aggregate::aggregate_options,
                {"Counts, sums, min/max/avg per group over tumbling or sliding event-time windows.", 1,
                 sluice::builtin::aggregate::aggregate_side_outputs}));
