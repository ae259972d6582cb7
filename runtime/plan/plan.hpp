/// The physical plan: stage instances, edges and the input channels of each
/// instance, derived from a checked pipeline. Pure data; no actors here.
#pragma once

#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "core/error.hpp"

namespace sluice::plan {

/// Data flowing from one stage's output port into another stage.
struct edge_desc {
  int from = -1;           ///< stage index
  uint32_t port = 0;       ///< 0 = main output, i = side_outputs[i-1]
  int to = -1;             ///< stage index
  config::partition_kind kind = config::partition_kind::forward;
  std::vector<std::string> key;

  /// Instances of `to` that instance `u` of `from` sends to.
  std::vector<uint32_t> destinations(uint32_t u, uint32_t to_parallelism) const;
};

/// One input channel of an instance: which upstream instance, on which edge.
struct channel_desc {
  size_t edge = 0;
  uint32_t from_instance = 0;
};

struct stage_plan {
  std::vector<std::string> ports{""}; ///< port names; [0] is the main output
  std::vector<size_t> out_edges;      ///< indices into plan::edges
  /// channels[i] lists the input channels of instance i, in a fixed order.
  std::vector<std::vector<channel_desc>> channels;
};

struct plan {
  const config::pipeline* p = nullptr;
  std::vector<stage_plan> stages; ///< indexed like p->stages
  std::vector<edge_desc> edges;

  /// Channel index at instance `d` of edge `e`'s target for sender `u`.
  size_t channel_of(size_t e, uint32_t u, uint32_t d) const;
};

/// Side outputs each stage's plugin declares, by stage index.
using port_names = std::vector<std::vector<std::string>>;

/// Builds the plan; errors name the place in the config file.
result<plan> build(const config::pipeline& p, const port_names& side_outputs);

} // namespace sluice::plan
