/// Binds a stage's config keys to its plugin's option table.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "sluice/abi.h"

namespace sluice::plugin {

/// Validated option values with their storage; what host->option returns.
class option_set {
public:
  option_set() = default;
  option_set(const option_set&) = delete;
  option_set& operator=(const option_set&) = delete;
  option_set(option_set&&) = default;
  option_set& operator=(option_set&&) = default;

  const sluice_option_value* find(const char* key) const noexcept;
  const std::vector<sluice_option_value>& values() const noexcept { return values_; }

  // Builders (used by bind_options and tests).
  void add_string(const std::string& key, uint32_t type, const std::string& s, int64_t i = 0);
  void add_number(const std::string& key, uint32_t type, int64_t i, double f);
  void add_items(const std::string& key, uint32_t type, const std::vector<std::string>& items);

private:
  const char* keep(const std::string& s);
  std::deque<std::string> strings_;
  std::deque<std::vector<const char*>> lists_;
  std::vector<sluice_option_value> values_;
};

/// Checks the stage's keys against `desc`'s table and converts them; each
/// error names file:line:column, the stage and, for a typo, the closest key.
struct bind_result {
  option_set options;
  std::vector<config::diagnostic> errors;
};
bind_result bind_options(const sluice_stage_desc& desc, const config::stage_config& stage,
                         const std::string& file);

/// "string", "duration", ... for `sluice inspect`.
const char* option_type_name(uint32_t type);

} // namespace sluice::plugin
