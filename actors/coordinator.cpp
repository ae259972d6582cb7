#include "actors/coordinator.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

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

void finish_sources(self_ptr self) {
  auto& st = self->state;
  st.done = true;
  for (auto& s : st.sources)
    self->send(s, finish_atom::value);
}

void start_epoch(self_ptr self, bool final) {
  auto& st = self->state;
  st.in_flight = st.next_epoch++;
  st.in_flight_final = final;
  st.acks = 0;
  spdlog::debug("checkpoint {}{} starts", st.in_flight, final ? " (final)" : "");
  for (auto& s : st.sources)
    self->send(s, barrier_atom::value, st.in_flight);
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
  if (!st.wired || st.finishing || st.ended < st.sources.size())
    return;
  st.finishing = true;
  if (!enabled)
    return finish_sources(self);
  if (st.in_flight == 0)
    start_epoch(self, true); // otherwise the final epoch follows the one in flight
}

caf::behavior coordinator(self_ptr self, std::shared_ptr<coordinator_setup> setup) {
  auto& st = self->state;
  st.setup = setup;
  st.store = setup->store;
  bool enabled = setup->store && setup->interval_ns;
  if (enabled)
    st.next_epoch = setup->store->committed_epoch() + 1;
  return {
    [=](wire_atom, std::vector<caf::actor>& sources, std::vector<caf::actor>& instances) {
      auto& st = self->state;
      st.sources = std::move(sources);
      st.instances = std::move(instances);
      st.wired = true;
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
      if (st.done || epoch != st.in_flight)
        return;
      if (auto s = st.store->stage(epoch, snap.key, {std::move(snap.bytes), snap.schema_version},
                                          snap.is_source);
          s.failed())
        return fail(self, s.message());
      if (++st.acks == st.instances.size())
        on_complete(self);
    },
    [=](ended_atom) {
      ++self->state.ended;
      maybe_finish(self, enabled);
    },
  };
}

} // namespace

caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<coordinator_setup> setup) {
  return sys.spawn<caf::detached>(coordinator, std::move(setup));
}

} // namespace sluice::actors
