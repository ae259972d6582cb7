/// What a node's member actor does to its own store when the pipeline finishes or a generation
/// goes back to a checkpoint (actors/cluster.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "actors/cluster.hpp"

namespace sluice::actors {

/// Records in `store` that the pipeline finished (a node started later exits 0 at once); no
/// store: nothing to record. False (logged) when the write fails.
bool mark_store_finished(state::store* store);

/// Back to committed checkpoint `epoch`: a follower commits what it staged up to it (the leader
/// committed it; this node may not have heard) and drops what came after; `out` gets the
/// committed states. Refused (logged, false) when the store is ahead of `epoch` or lacks it.
bool roll_back_node_store(state::store* store, const std::string& node, int64_t epoch, restored_states& out);

} // namespace sluice::actors
