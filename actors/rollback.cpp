#include "actors/rollback.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace sluice::actors {

bool mark_store_finished(state::store* store) {
  if (!store)
    return true;
  if (auto s = store->set_meta(finished_meta, "1"); s.failed()) {
    spdlog::error("{}", s.message());
    return false;
  }
  return true;
}

bool roll_back_node_store(state::store* store, const std::string& node, int64_t epoch, restored_states& out) {
  out.by_key.clear();
  if (!store)
    return true; // no checkpoints: every generation starts over
  auto fail = [&](const std::string& m) {
    spdlog::error("node {}: cannot go back to checkpoint {}: {}", node, epoch, m);
    return false;
  };
  if (auto mine = store->committed_epoch(); mine > epoch)
    return fail("this node's store is at checkpoint " + std::to_string(mine) + ", after the coordinator's (was " +
                "the coordinator's store restored from an older copy? then restore this node's too)");
  else if (mine < epoch) {
    auto epochs = store->epochs();
    if (!epochs)
      return fail(epochs.message());
    bool staged = std::any_of(epochs->begin(), epochs->end(), [&](auto& e) { return e.epoch == epoch; });
    if (!staged)
      return fail("this node's store has no snapshot staged for it (its store was lost or replaced)");
    if (auto s = store->commit(epoch); s.failed())
      return fail(s.message());
  }
  if (auto s = store->drop_uncommitted(); s.failed())
    return fail(s.message());
  auto states = store->committed_states();
  if (!states)
    return fail(states.message());
  for (auto& [key, s] : *states)
    out.by_key.emplace(key, s);
  return true;
}

} // namespace sluice::actors
