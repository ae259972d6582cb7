/// The checkpoint coordinator: starts epochs at the sources, collects every
/// instance's snapshot, commits the epoch in the state store and tells every
/// instance; runs the final epoch when all sources have ended.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "state/store.hpp"

namespace sluice::actors {

struct coordinator_setup {
  /// null: checkpoints are off. Shared with the stage instances (keyed state) and kept across
  /// restarts; the supervisor drops this reference at the end, the last instance closes the store.
  std::shared_ptr<state::store> store;
  std::optional<int64_t> interval_ns;        ///< nullopt: checkpoints are off
  std::optional<int64_t> retain_interval_ns; ///< between retained copies; nullopt: none
  size_t retain = 2;                         ///< retained copies kept
  caf::actor supervisor;

  /// Several nodes (null on one): the leading coordinator starts epochs on every node and
  /// commits once every node acked; a following one snapshots its node's instances, acks to
  /// the leader and commits when told.
  class node_links* links = nullptr;
  std::string leader;                 ///< the leading node; empty on one node
  bool leading = true;
  std::vector<std::string> followers; ///< the other nodes with instances (leader)
  size_t sources_total = 0;           ///< source instances on every node (leader)
  uint64_t gen = 0;                   ///< the generation of the coordinator spawned next
};

/// Detached: the state store does blocking, synced writes. Send it
/// (wire, sources, instances) once every stage instance is spawned.
caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<coordinator_setup> setup);

} // namespace sluice::actors
