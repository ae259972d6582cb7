#include "actors/coordinator.hpp"

#include <chrono>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "core/failpoint.hpp"

namespace sluice::actors {

namespace {

struct coordinator_state {
  std::shared_ptr<coordinator_setup> setup;
  /// Its own reference: the supervisor may drop setup->store while this actor still runs.
  std::shared_ptr<state::store> store;
  std::vector<caf::actor> sources;
  std::vector<caf::actor> instances; ///< every stage instance, sources included
  bool wired = false;
  int64_t next_epoch = 1;
  int64_t in_flight = 0;  ///< epoch being collected; 0 = none
  bool in_flight_final = false;
  size_t acks = 0;
  size_t ended = 0;
  bool finishing = false; ///< every source ended: the next epoch is the final one
  bool done = false;
  uint64_t gen = 0;                       ///< the pipeline generation it coordinates (several nodes)
  std::set<std::string> remote_acks;      ///< leader: followers that acked `in_flight`
  size_t remote_ended = 0;                ///< leader: sources ended on other nodes
  std::map<int64_t, size_t> local_acks;   ///< follower: acks per epoch (epochs may overlap here)
  std::chrono::steady_clock::time_point last_copy = std::chrono::steady_clock::now();
  static inline const char* name = "sluice.coordinator";
};

using self_ptr = caf::stateful_actor<coordinator_state>*;

void fail(self_ptr self, const std::string& msg) {
  auto& st = self->state;
  spdlog::error("checkpoint failed: {}", msg);
  st.done = true;
  self->send(st.setup->supervisor, failed_atom::value, msg);
}

/// To every follower (no-op on one node).
void tell_followers(self_ptr self, link::control_op op, int64_t epoch = 0, uint32_t n = 0) {
  auto& st = self->state;
  if (!st.setup->leading)
    return;
  for (auto& node : st.setup->followers)
    st.setup->links->send_control(node, op, st.gen, epoch, 0, n);
}

void finish_sources(self_ptr self) {
  auto& st = self->state;
  st.done = true;
  for (auto& s : st.sources)
    self->send(s, finish_atom::value);
  tell_followers(self, link::control_op::finish);
}

void start_epoch(self_ptr self, bool final) {
  auto& st = self->state;
  st.in_flight = st.next_epoch++;
  st.in_flight_final = final;
  st.acks = 0;
  spdlog::debug("checkpoint {}{} starts", st.in_flight, final ? " (final)" : "");
  st.remote_acks.clear();
  for (auto& s : st.sources)
    self->send(s, barrier_atom::value, st.in_flight);
  tell_followers(self, link::control_op::barrier, st.in_flight, final);
}

// A retained copy of the store once retain_interval has passed since the last one, and after
// the final epoch. A failed copy leaves the checkpoint intact: report it and go on.
void maybe_retain(self_ptr self, bool final) {
  auto& st = self->state;
  auto& every = st.setup->retain_interval_ns;
  auto now = std::chrono::steady_clock::now();
  if (!every || (!final && now - st.last_copy < std::chrono::nanoseconds{*every}))
    return;
  st.last_copy = now;
  if (auto s = st.store->retain_copy(st.setup->retain); s.failed())
    spdlog::error("no retained copy of checkpoint {} (a corrupt store could only go back to an older copy): {}",
                  st.store->committed_epoch(), s.message());
  else
    spdlog::debug("checkpoint {} copied", st.store->committed_epoch());
}

void on_complete(self_ptr self) {
  auto& st = self->state;
  auto epoch = st.in_flight;
  if (auto s = st.store->commit(epoch); s.failed())
    return fail(self, s.message());
  failpoint("after_state_commit");
  spdlog::debug("checkpoint {} committed", epoch);
  for (auto& i : st.instances)
    self->send(i, commit_atom::value, epoch);
  tell_followers(self, link::control_op::commit, epoch, st.in_flight_final);
  st.in_flight = 0;
  maybe_retain(self, st.in_flight_final);
  if (st.in_flight_final)
    return finish_sources(self);
  if (st.finishing)
    start_epoch(self, true);
}

// Once every source has ended: one final epoch, then the sources end their streams.
void maybe_finish(self_ptr self, bool enabled) {
  auto& st = self->state;
  if (!st.wired || st.finishing || st.ended + st.remote_ended < std::max(st.sources.size(), st.setup->sources_total))
    return;
  st.finishing = true;
  if (!enabled)
    return finish_sources(self);
  if (st.in_flight == 0)
    start_epoch(self, true); // otherwise the final epoch follows the one in flight
}

bool following(self_ptr self) { return !self->state.setup->leading; }

/// Follower: an instance's snapshot for `epoch` is staged; once all of them are, make them
/// durable (a synced write carries the staged ones with it) and tell the leader.
void follower_ack(self_ptr self, int64_t epoch) {
  auto& st = self->state;
  if (++st.local_acks[epoch] < st.instances.size())
    return;
  st.local_acks.erase(epoch);
  if (auto s = st.store->set_meta("staged_epoch", std::to_string(epoch)); s.failed())
    return fail(self, s.message());
  st.setup->links->send_control(st.setup->leader, link::control_op::acked, st.gen, epoch);
}

/// Follower: what the leading coordinator says.
void on_leader(self_ptr self, const control_msg& m) {
  auto& st = self->state;
  using op = link::control_op;
  if (st.done && m.op != op::commit)
    return;
  switch (m.op) {
    case op::barrier:
      for (auto& s : st.sources)
        self->send(s, barrier_atom::value, m.epoch);
      break;
    case op::commit:
      if (st.store && m.epoch > st.store->committed_epoch()) {
        failpoint("before_node_commit"); // the coordinator has committed; this node not yet
        if (auto s = st.store->commit(m.epoch); s.failed())
          return fail(self, s.message());
        failpoint("after_state_commit");
      }
      for (auto& i : st.instances)
        self->send(i, commit_atom::value, m.epoch);
      break;
    case op::finish:
      finish_sources(self);
      break;
    default:
      break;
  }
}

/// Leader: what a following coordinator says.
void on_follower(self_ptr self, const control_msg& m, bool enabled) {
  auto& st = self->state;
  if (m.op == link::control_op::ended) {
    ++st.remote_ended;
    return maybe_finish(self, enabled);
  }
  if (m.op != link::control_op::acked || st.done || m.epoch != st.in_flight)
    return;
  st.remote_acks.insert(m.peer);
  if (st.acks == st.instances.size() && st.remote_acks.size() == st.setup->followers.size())
    on_complete(self);
}

caf::behavior coordinator(self_ptr self, std::shared_ptr<coordinator_setup> setup) {
  auto& st = self->state;
  st.setup = setup;
  st.store = setup->store;
  st.gen = setup->gen;
  bool enabled = setup->store && setup->interval_ns;
  if (enabled)
    st.next_epoch = setup->store->committed_epoch() + 1;
  return {
    [=](wire_atom, std::vector<caf::actor>& sources, std::vector<caf::actor>& instances) {
      auto& st = self->state;
      st.sources = std::move(sources);
      st.instances = std::move(instances);
      st.wired = true;
      if (following(self))
        return; // the leader starts epochs and decides the end
      if (enabled)
        self->delayed_send(self, std::chrono::nanoseconds{*st.setup->interval_ns}, tick_atom::value);
      maybe_finish(self, enabled); // sources may have ended before the wiring arrived
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.done)
        return;
      if (st.in_flight == 0 && !st.finishing)
        start_epoch(self, false);
      self->delayed_send(self, std::chrono::nanoseconds{*st.setup->interval_ns}, tick_atom::value);
    },
    [=](ack_atom, int64_t epoch, snapshot_msg& snap) {
      auto& st = self->state;
      if (st.done || (!following(self) && epoch != st.in_flight))
        return;
      if (auto s = st.store->stage(epoch, snap.key, {std::move(snap.bytes), snap.schema_version},
                                          snap.is_source);
          s.failed())
        return fail(self, s.message());
      if (following(self))
        return follower_ack(self, epoch);
      if (++st.acks == st.instances.size() && st.remote_acks.size() == st.setup->followers.size())
        on_complete(self);
    },
    [=](ended_atom) {
      auto& st = self->state;
      if (following(self))
        return st.setup->links->send_control(st.setup->leader, link::control_op::ended, st.gen);
      ++st.ended;
      maybe_finish(self, enabled);
    },
    [=](ctl_atom, const control_msg& m) {
      if (following(self))
        on_leader(self, m);
      else
        on_follower(self, m, enabled);
    },
  };
}

} // namespace

caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<coordinator_setup> setup) {
  return sys.spawn<caf::detached>(coordinator, std::move(setup));
}

} // namespace sluice::actors
