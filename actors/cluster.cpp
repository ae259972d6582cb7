#include "actors/cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "actors/member_state.hpp"

namespace sluice::actors {

namespace {

using namespace member_detail;

// ---- leader ----------------------------------------------------------------------------

/// A new generation: every instance everywhere stops; all go back to the committed checkpoint.
void new_generation(self_ptr self, const std::string& why, uint64_t after = 0) {
  auto& st = self->state;
  auto now = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  st.gen = std::max({st.gen + 1, after + 1, now}); // later than any earlier leader process's, clocks permitting
  st.ph = phase::idle;
  st.halting = true;
  st.local_done = false;
  for (auto& [_, p] : st.peers)
    p.ready = p.done = false;
  spdlog::warn("{}: every node goes back to the last committed checkpoint (generation {})", why, st.gen);
  st.a.links->set_generation(st.gen);
  self->send(st.a.supervisor, halt_atom::value);
}

/// Generation `gen` is damaged (a stage failed, or frames were lost on a link): a new one,
/// unless the run is already past it.
void regenerate(self_ptr self, uint64_t gen, const std::string& why) {
  auto& st = self->state;
  if (st.finishing || gen < st.gen)
    return;
  if (st.halting) {
    st.again = true; // the one being prepared: once halted, start another
    st.again_after = std::max(st.again_after, gen);
    return;
  }
  new_generation(self, why, gen);
}

void maybe_go(self_ptr self) {
  auto& st = self->state;
  if (st.ph != phase::ready)
    return;
  for (auto& [_, p] : st.peers)
    if (!p.ready)
      return;
  st.ph = phase::running;
  spdlog::info("every node is ready: generation {} starts from checkpoint {}", st.gen, st.epoch);
  for (auto& [name, p] : st.peers) {
    p.last = clock::now();
    send(self, name, op::go);
  }
  self->send(st.a.supervisor, go_atom::value, st.gen, st.states);
}

void maybe_finish(self_ptr self) {
  auto& st = self->state;
  if (st.ph != phase::running || !st.local_done)
    return;
  for (auto& [_, p] : st.peers)
    if (!p.done)
      return;
  if (!st.stopping && !mark_finished(self)) // a stop is not a finish: started again, the nodes resume
    return quit(self, 1);
  spdlog::info(st.stopping ? "every node has stopped at the final checkpoint: starting the nodes again resumes from it"
                           : "every node has ended: the pipeline is finished");
  st.finishing = true;
  st.ph = phase::done;
  for (auto& [name, _] : st.peers)
    send(self, name, op::exit, 0, st.stopping);
}

/// Every node's sources stop; once the stream has ended everywhere, the nodes exit 0 without
/// recording the pipeline finished.
void begin_stop(self_ptr self, const std::string& node) {
  auto& st = self->state;
  if (st.stopping || st.finishing)
    return;
  st.stopping = true;
  spdlog::info("node {} was told to stop: the sources stop on every node", node);
  self->send(st.a.supervisor, stop_atom::value);
  for (auto& [name, _] : st.peers)
    send(self, name, op::stop);
  stop_if_idle(self);
}

void maybe_quit(self_ptr self) {
  auto& st = self->state;
  for (auto& [_, p] : st.peers)
    if (!p.bye)
      return;
  quit(self, 0);
}

void leader_hears(self_ptr self, const control_msg& m) {
  auto& st = self->state;
  auto it = st.peers.find(m.peer);
  if (it == st.peers.end())
    return; // a node without instances has no say
  auto& p = it->second;
  p.last = clock::now();
  if (st.finishing) {
    if (m.op == op::bye) {
      p.bye = true;
      return maybe_quit(self);
    }
    return send(self, m.peer, op::exit, 0, st.stopping); // whatever it says: the pipeline ended
  }
  if (m.inc != 0 && p.inc != 0 && m.inc != p.inc) {
    p.inc = m.inc;
    p.ready = false;
    if (st.ph == phase::running && !st.halting)
      return new_generation(self, "node " + m.peer + " restarted");
  }
  p.inc = m.inc;
  if (m.op == op::abort) // its generation (or a later one, if its links lost frames of that)
    return regenerate(self, m.gen, "a stage failed or frames were lost on node " + m.peer);
  if (m.op == op::status && (m.n & stop_bit))
    begin_stop(self, m.peer);
  if (st.halting)
    return;
  switch (m.op) {
    case op::status:
      if (m.gen > st.gen) { // this process's clock is behind an earlier leader's
        st.gen = m.gen;
        return new_generation(self, "node " + m.peer + " is in a later generation");
      }
      if (m.gen != st.gen)
        return send(self, m.peer, op::rollback, st.epoch);
      if (static_cast<phase>(m.n & ~stop_bit) == phase::ready) {
        if (st.ph == phase::running)
          return send(self, m.peer, op::go);
        p.ready = true;
        return maybe_go(self);
      }
      if (static_cast<phase>(m.n & ~stop_bit) == phase::done && st.ph == phase::running) { // `done` may be lost
        p.done = true;
        maybe_finish(self);
      }
      return;
    case op::done:
      if (m.gen == st.gen) {
        p.done = true;
        maybe_finish(self);
      }
      return;
    default:
      return;
  }
}

void leader_tick(self_ptr self) {
  auto& st = self->state;
  auto now = clock::now();
  if (st.finishing) {
    if (st.linger_until != clock::time_point{} && now > st.linger_until)
      return quit(self, 0); // started finished: the nodes still waiting had their chance
    for (auto& [name, p] : st.peers)
      if (!p.bye)
        send(self, name, op::exit, 0, st.stopping);
    return;
  }
  for (auto& [name, p] : st.peers) // it may have missed it, or restarted since
    if (st.stopping)
      send(self, name, op::stop);
  if (stop_if_idle(self)) // e.g. a node was lost during the stop: nothing runs to end now
    return;
  if (st.halting)
    return;
  for (auto& [name, p] : st.peers) {
    if (st.ph == phase::ready && !p.ready)
      send(self, name, op::rollback, st.epoch); // it may have missed it (not connected yet)
    if (st.ph == phase::running && now - p.last > st.a.peer_timeout)
      return new_generation(self, "node " + name + " is lost (no word for " +
                                    std::to_string(st.a.peer_timeout.count()) + " ms)");
  }
}

caf::behavior member(self_ptr self, member_args a) {
  auto& st = self->state;
  st.a = std::move(a);
  std::random_device rd;
  st.inc = (static_cast<uint64_t>(rd()) << 32 | rd()) | 1; // never 0
  st.a.links->set_member(caf::actor_cast<caf::actor>(self));
  if (leading(self)) {
    for (auto& f : st.a.followers)
      st.peers[f];
    if (st.a.finished) { // answer those still waiting, briefly, then go
      st.finishing = true;
      st.linger_until = clock::now() + 5 * st.a.tick;
      spdlog::info("the pipeline already finished (the store says so): nothing to do");
    } else {
      new_generation(self, "node " + st.a.self + " starts");
    }
  } else if (st.a.finished) {
    spdlog::info("the pipeline already finished (the store says so): nothing to do");
    send(self, st.a.leader, op::bye);
    quit(self, 0);
    return {};
  } else {
    status(self);
  }
  self->send(self, member_tick_atom::value);
  return {
    [=](member_tick_atom) {
      if (leading(self))
        leader_tick(self);
      else
        status(self);
      self->delayed_send(self, self->state.a.tick, member_tick_atom::value);
    },
    [=](ctl_atom, const control_msg& m) {
      if (leading(self))
        leader_hears(self, m);
      else if (m.peer == self->state.a.leader)
        follower_hears(self, m);
    },
    [=](halted_atom) {
      auto& st = self->state;
      if (!st.halting)
        return;
      st.halting = false;
      if (leading(self) && st.again) {
        st.again = false;
        return new_generation(self, "frames of the generation being prepared were lost", st.again_after);
      }
      if (leading(self))
        st.epoch = st.a.store ? st.a.store->committed_epoch() : 0;
      if (!roll_back_store(self, st.epoch))
        return quit(self, 1);
      // A follower that knows this generation is damaged waits for the next one.
      st.ph = st.aborted ? phase::idle : phase::ready;
      if (!leading(self))
        return status(self);
      for (auto& [name, p] : st.peers) // those that said so before the halt ended need it now
        if (!p.ready)
          send(self, name, op::rollback, st.epoch);
      maybe_go(self);
    },
    [=](lost_atom, const std::string& why) {
      auto& st = self->state;
      if (leading(self)) {
        if (st.ph == phase::running && !st.halting)
          new_generation(self, "a stage failed on node " + st.a.self + " (" + why + ")");
        return;
      }
      send(self, st.a.leader, op::abort);
      st.aborted = true;
      st.ph = phase::idle; // the leader answers with a new generation
    },
    [=](stop_atom) { // this node received SIGTERM or SIGINT
      auto& st = self->state;
      if (leading(self))
        return begin_stop(self, st.a.self);
      if (!st.stopping) {
        st.stopping = true;
        status(self); // the leader stops everyone
      }
      stop_if_idle(self);
    },
    [=](broken_atom, const std::string& peer, uint64_t gen) {
      auto& st = self->state;
      if (leading(self))
        return regenerate(self, gen, "frames from node " + peer + " were lost on the link");
      if (gen < st.gen)
        return; // an old generation's: the rollback already redid it
      st.broken = std::max(st.broken, gen);
      st.aborted = true;
      st.ph = phase::idle;
      status(self); // says abort at once
    },
    [=](ended_all_atom) {
      auto& st = self->state;
      if (st.ph != phase::running)
        return;
      if (leading(self)) {
        st.local_done = true;
        return maybe_finish(self);
      }
      st.ph = phase::done;
      send(self, st.a.leader, op::done);
    },
  };
}

} // namespace

caf::actor spawn_member(caf::actor_system& sys, member_args args) {
  return sys.spawn<caf::detached>(member, std::move(args));
}

} // namespace sluice::actors
