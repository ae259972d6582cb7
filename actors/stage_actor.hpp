/// The actor hosting one stage instance: inputs with credit, the plugin,
/// output ports routed over edges.
#pragma once

#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "flow/gauge.hpp"
#include "plugin/instance.hpp"
#include "plan/prepare.hpp"
#include "state/store.hpp"

namespace sluice::actors {

/// Where one output edge's destinations live.
struct edge_wiring {
  size_t plan_edge = 0;
  std::vector<caf::actor> dest;        ///< one per destination instance
  std::vector<uint32_t> dest_channel;  ///< channel index at that destination
  std::vector<remote_ptr> remote;      ///< per destination: on another node, else null
};

struct stage_setup {
  plan::prepared* prep = nullptr;
  int stage = -1;
  uint32_t index = 0;
  /// The plugin and options this instance starts with (a reload swaps them later); the
  /// supervisor's copy of prep->stages / prep->options at spawn time.
  plugin::resolved plugin;
  std::shared_ptr<const plugin::option_set> options;
  std::vector<edge_wiring> outputs;
  caf::actor supervisor;
  caf::actor coordinator;
  node_links* links = nullptr; ///< several nodes: what goes to another node is sent through these
  flow::gauge* in_flight = nullptr;
  std::optional<state::instance_state> restored; ///< the last committed snapshot
  bool checkpoints = false;                      ///< the coordinator runs epochs
  /// The node's store, for keyed state's committed layer; null without checkpoints. Shared
  /// with the coordinator: a failing node stops instances and coordinator at once, so an
  /// instance may still read while the coordinator lets go of the store.
  std::shared_ptr<state::store> store;
};

/// The key of an instance's state: "stage#index".
std::string state_key(const std::string& stage, uint32_t index);

/// Spawns the actor for one stage instance (detached for sources and sinks,
/// which may block on I/O).
caf::actor spawn_stage(caf::actor_system& sys, stage_setup setup);

} // namespace sluice::actors
