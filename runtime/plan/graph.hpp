/// Renders the pipeline as a lineage picture: DOT or Mermaid.
#pragma once

#include <string>

#include "plan/plan.hpp"

namespace sluice::plan {

/// Stages (plugin, parallelism, placement), grouped by node, and edges
/// labelled with their partitioning.
std::string to_dot(const plan& pl);
std::string to_mermaid(const plan& pl);

} // namespace sluice::plan
