/// The node's supervisor: spawns the coordinator and every stage instance,
/// collects their reports, and restarts the pipeline from the last committed
/// checkpoint when an instance fails (per the failed stage's `restart`
/// policy). Past the limit the node is unhealthy and exits 1.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/coordinator.hpp"
#include "flow/gauge.hpp"
#include "plan/prepare.hpp"
#include "state/store.hpp"

namespace sluice::actors {

/// The supervisor's answer to its waiter: (exitcode, code).
using exit_atom = caf::atom_constant<caf::atom("exitcode")>;

struct supervisor_args {
  plan::prepared* prep;
  flow::gauge* in_flight;
  caf::actor waiter;
  std::string stats_file;
  std::shared_ptr<coordinator_setup> checkpoints;
  std::map<std::string, state::instance_state> restored; ///< the committed states at start
  class node_links* links = nullptr; ///< the links to other nodes; null on a single node
};

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_args args);

} // namespace sluice::actors
