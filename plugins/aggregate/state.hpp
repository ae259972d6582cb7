/// aggregate: open windows and their groups, and their snapshot format.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate/spec.hpp"

namespace sluice::builtin::aggregate {

/// The running aggregates of one group in one window.
struct group {
  std::vector<std::string> values; ///< raw JSON of each group_by field ("null" when missing)
  int64_t count = 0;
  std::vector<double> acc; ///< per aggregation: sum (sum, avg), min, max; unused for count

  /// Folds in one record whose numeric inputs are `nums` (one per aggregation).
  void add(const std::vector<aggregation>& aggs, const std::vector<double>& nums);
};

/// One window [start, start + spec.window): groups sorted by their key text.
struct window {
  bool fired = false; ///< its result was emitted; later rows are updates
  std::map<std::string, group> groups;
};

/// Everything a snapshot holds.
struct state {
  std::map<int64_t, window> windows; ///< by start
  bool has_watermark = false;
  int64_t watermark = 0;
  uint64_t emitted = 0; ///< rows emitted so far: the offset of the next row
};

/// The group key text: the raw values joined by ',' (unambiguous for valid JSON values).
std::string key_of(const std::vector<std::string>& values);

/// Versioned text encoding of `s` (schema 1); doubles as hex floats, so a
/// restore is bit-exact.
std::string encode(const state& s, const spec& sp);
/// Decodes what encode() wrote; throws stage_error on corrupt bytes or on a
/// snapshot written with a different window, slide, group_by or aggregations.
state decode(std::string_view bytes, const spec& sp);

/// One output row: {"window_start":..,"window_end":..,<group fields>,<aggregations>}.
std::string format_row(const spec& sp, int64_t start, const group& g);

} // namespace sluice::builtin::aggregate
