/// Everything `run`, `validate` and `graph` need before a node starts:
/// config loaded, plugins resolved, options bound, plan built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "plan/plan.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"

namespace sluice::plan {

struct prepared {
  config::pipeline pipeline;
  std::unique_ptr<plugin::registry> registry;
  std::vector<plugin::resolved> stages;         ///< by stage index
  std::vector<std::shared_ptr<const plugin::option_set>> options; ///< by stage index
  plan physical;
};

/// Loads `file` as node `node`; every problem is a diagnostic naming the place.
struct prepare_result {
  std::unique_ptr<prepared> value;
  std::vector<config::diagnostic> errors;
};
prepare_result prepare(const std::string& file, const std::string& node, const std::string& exe_dir);

} // namespace sluice::plan
