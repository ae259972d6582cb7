#include "plan/plan.hpp"

#include <algorithm>

namespace sluice::plan {

using config::partition_kind;

std::vector<uint32_t> edge_desc::destinations(uint32_t u, uint32_t to_parallelism) const {
  if (kind == partition_kind::forward)
    return {u};
  std::vector<uint32_t> all(to_parallelism);
  for (uint32_t d = 0; d < to_parallelism; ++d)
    all[d] = d;
  return all;
}

size_t plan::channel_of(size_t e, uint32_t u, uint32_t d) const {
  auto& chans = stages[static_cast<size_t>(edges[e].to)].channels[d];
  for (size_t c = 0; c < chans.size(); ++c)
    if (chans[c].edge == e && chans[c].from_instance == u)
      return c;
  return SIZE_MAX;
}

result<plan> build(const config::pipeline& p, const port_names& side_outputs) {
  plan out;
  out.p = &p;
  out.stages.resize(p.stages.size());
  for (size_t s = 0; s < p.stages.size(); ++s) {
    auto& sp = out.stages[s];
    if (s < side_outputs.size())
      sp.ports.insert(sp.ports.end(), side_outputs[s].begin(), side_outputs[s].end());
    sp.channels.resize(p.stages[s].parallelism);
  }
  for (size_t t = 0; t < p.stages.size(); ++t) {
    auto& to = p.stages[t];
    for (auto& in : to.inputs) {
      edge_desc e;
      e.from = p.index_of(in.stage);
      e.to = static_cast<int>(t);
      auto& from = p.stages[static_cast<size_t>(e.from)];
      auto& ports = out.stages[static_cast<size_t>(e.from)].ports;
      auto it = std::find(ports.begin(), ports.end(), in.port);
      if (it == ports.end()) {
        std::string known;
        for (size_t i = 1; i < ports.size(); ++i)
          known += (known.empty() ? "" : ", ") + from.name + "." + ports[i];
        return error{in.where.str() + ": stage " + from.name + " has no output named \"" + in.port +
                     "\" (" + (known.empty() ? "it has only its main output" : "it has " + known) + ")"};
      }
      e.port = static_cast<uint32_t>(it - ports.begin());
      e.key = to.key;
      if (to.partition)
        e.kind = *to.partition;
      else
        e.kind = from.parallelism == to.parallelism ? partition_kind::forward : partition_kind::round_robin;
      if (e.kind == partition_kind::forward && from.parallelism != to.parallelism)
        return error{to.where.str() + ": stage " + to.name + " has partition = \"forward\" but parallelism " +
                     std::to_string(to.parallelism) + " differs from " + from.name + "'s " +
                     std::to_string(from.parallelism) + " (use \"round_robin\" or \"key\")"};
      size_t ei = out.edges.size();
      out.edges.push_back(e);
      out.stages[static_cast<size_t>(e.from)].out_edges.push_back(ei);
      for (uint32_t u = 0; u < from.parallelism; ++u)
        for (uint32_t d : e.destinations(u, to.parallelism))
          out.stages[t].channels[d].push_back({ei, u});
    }
  }
  return out;
}

} // namespace sluice::plan
