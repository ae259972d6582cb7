/// A node's membership in a pipeline placed on several nodes: the leader (the coordinator
/// node) numbers generations, rolls every node back to its committed checkpoint when a node
/// fails or restarts, starts a generation once every node is ready for it, and ends the run
/// once every node is done. Followers report their status on every tick and do what it says.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "state/store.hpp"

namespace sluice::actors {

/// Member -> supervisor: stop every instance; answer `halted` once all are gone.
using halt_atom = caf::atom_constant<caf::atom("halt")>;
/// Supervisor -> member: every instance is gone.
using halted_atom = caf::atom_constant<caf::atom("halted")>;
/// The committed states a generation starts from, by instance key.
struct restored_states {
  std::map<std::string, state::instance_state> by_key;
};

/// Member -> supervisor: spawn generation (go, gen, restored_states).
using go_atom = caf::atom_constant<caf::atom("go")>;
/// Supervisor -> member: a local stage (or the coordinator) failed: (lost, why).
using lost_atom = caf::atom_constant<caf::atom("lost")>;
/// Supervisor -> member: every local instance has ended.
using ended_all_atom = caf::atom_constant<caf::atom("endedall")>;
/// Member -> supervisor: end the node with this exit code: (quit, code).
using quit_atom = caf::atom_constant<caf::atom("quit")>;

struct member_args {
  class node_links* links = nullptr;
  caf::actor supervisor;
  std::shared_ptr<state::store> store; ///< null: checkpoints are off (a rollback starts over)
  std::string self;                    ///< this node
  std::string leader;                  ///< the coordinator node
  std::vector<std::string> followers;  ///< every other node with instances (leader only)
  bool finished = false;               ///< the store says the pipeline already finished
  std::chrono::milliseconds tick{200};
  std::chrono::milliseconds peer_timeout{5000}; ///< leader: silence after which a node is lost
};

/// Detached: a rollback does synced store writes.
caf::actor spawn_member(caf::actor_system& sys, member_args args);

/// The "meta" key that records, on every node, that the pipeline finished.
inline constexpr const char* finished_meta = "finished";

} // namespace sluice::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::restored_states)
