/// Runs the stage instances placed on this node under one supervisor actor.
#pragma once

#include <string>

#include "plan/prepare.hpp"

namespace sluice::actors {

struct run_options {
  std::string stats_file; ///< JSON counters written at exit, if set
  unsigned threads = 0;   ///< CAF scheduler threads; 0 = one per core
};

/// Blocks until the pipeline ends (bounded sources), SIGINT/SIGTERM, or a
/// failure. Returns the process exit code: 0 ok, 1 runtime failure.
int run_node(plan::prepared& prep, const run_options& opts);

} // namespace sluice::actors
