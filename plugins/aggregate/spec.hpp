/// aggregate: the validated configuration of one stage (options parsed at create()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::builtin::aggregate {

enum class fn { count, sum, min, max, avg };

/// One `output = "fn(field)"` entry of `aggregations`.
struct aggregation {
  std::string output; ///< output field name
  fn f = fn::count;
  std::string field;  ///< dotted numeric field; empty for count()
};

/// Everything the window logic needs; durations in ns.
struct spec {
  std::vector<std::string> group_by;
  std::vector<aggregation> aggs;
  int64_t window = 0;
  int64_t slide = 0;
  int64_t delay = 0;
  int64_t lateness = 0;

  /// The options that shape the state: a snapshot written under another
  /// fingerprint cannot be restored (delay and lateness may change freely).
  std::string fingerprint() const;
};

/// Parses `sum(amount)` for output `name`; throws stage_error
/// ("aggregations.total: unknown function ...") on a bad expression.
aggregation parse_aggregation(const std::string& name, std::string_view expr);

/// Builds and checks the spec from raw option values; throws stage_error.
spec make_spec(std::vector<std::string> group_by,
               const std::vector<std::pair<std::string, std::string>>& aggregations, int64_t window,
               int64_t slide, int64_t delay, int64_t lateness);

} // namespace sluice::builtin::aggregate
