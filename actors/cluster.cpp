#include "actors/cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "actors/links.hpp"
#include "actors/rollback.hpp"

namespace sluice::actors {

namespace {

using clock = std::chrono::steady_clock;
using op = link::control_op;
using tick_atom = caf::atom_constant<caf::atom("mtick")>;

/// What a follower is doing, as its status says (in the frame's `n`).
enum class phase : uint32_t {
  idle = 0,    ///< waiting to be told a generation, or stopping its instances
  ready = 1,   ///< rolled back to the generation's checkpoint; waiting for go
  running = 2, ///< its instances run
  done = 3,    ///< every local instance has ended; waiting for exit
};

/// The leader's view of a follower.
struct peer {
  uint64_t inc = 0; ///< its process incarnation; 0 = not heard yet
  bool ready = false, done = false, bye = false;
  clock::time_point last = clock::now();
};

struct member_state {
  member_args a;
  uint64_t inc = 0;
  uint64_t gen = 0;
  phase ph = phase::idle;
  bool halting = false;   ///< waiting for the supervisor's halted
  bool finishing = false; ///< leader: exit sent; waiting for every bye
  bool local_done = false;
  bool aborted = false;   ///< follower: a local stage failed; says so on every tick until rolled back
  uint64_t broken = 0;    ///< follower: frames of generations up to this were lost on a link
  bool again = false;     ///< leader: the generation being prepared is already damaged...
  uint64_t again_after = 0; ///< ...and the next must be later than this one
  int64_t epoch = 0;      ///< the checkpoint of the generation
  restored_states states;
  std::map<std::string, peer> peers;
  clock::time_point linger_until{}; ///< leader started finished: how long it answers exit
  static inline const char* name = "sluice.member";
};

using self_ptr = caf::stateful_actor<member_state>*;

bool leading(self_ptr self) { return self->state.a.self == self->state.a.leader; }

void send(self_ptr self, const std::string& node, op o, int64_t epoch = 0, uint32_t n = 0) {
  auto& st = self->state;
  st.a.links->send_control(node, o, st.gen, epoch, st.inc, n);
}

void quit(self_ptr self, int code) {
  self->send(self->state.a.supervisor, quit_atom::value, code);
  self->quit();
}

bool mark_finished(self_ptr self) { return mark_store_finished(self->state.a.store.get()); }

bool roll_back_store(self_ptr self, int64_t epoch) {
  auto& st = self->state;
  return roll_back_node_store(st.a.store.get(), st.a.self, epoch, st.states);
}

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
  if (!mark_finished(self))
    return quit(self, 1);
  spdlog::info("every node has ended: the pipeline is finished");
  st.finishing = true;
  st.ph = phase::done;
  for (auto& [name, _] : st.peers)
    send(self, name, op::exit);
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
    return send(self, m.peer, op::exit); // whatever it says: the pipeline is finished
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
      if (static_cast<phase>(m.n) == phase::ready) {
        if (st.ph == phase::running)
          return send(self, m.peer, op::go);
        p.ready = true;
        return maybe_go(self);
      }
      if (static_cast<phase>(m.n) == phase::done && st.ph == phase::running) { // its `done` may be lost
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
        send(self, name, op::exit);
    return;
  }
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

// ---- follower --------------------------------------------------------------------------

void status(self_ptr self) {
  auto& st = self->state;
  send(self, st.a.leader, op::status, st.epoch, static_cast<uint32_t>(st.halting ? phase::idle : st.ph));
  if (st.aborted) // until the leader answers with a new generation, after any damaged one
    st.a.links->send_control(st.a.leader, op::abort, std::max(st.gen, st.broken), 0, st.inc);
}

void follower_hears(self_ptr self, const control_msg& m) {
  auto& st = self->state;
  switch (m.op) {
    case op::rollback:
      if (m.gen <= st.gen)
        return (m.gen == st.gen && !st.halting) ? status(self) : void();
      st.gen = m.gen;
      st.epoch = m.epoch;
      st.ph = phase::idle;
      st.halting = true;
      st.aborted = st.aborted && m.gen <= st.broken;
      st.a.links->set_generation(st.gen);
      spdlog::info("node {}: generation {} from checkpoint {}", st.a.self, st.gen, st.epoch);
      self->send(st.a.supervisor, halt_atom::value);
      return;
    case op::go:
      if (m.gen == st.gen && st.ph == phase::ready && !st.halting && !st.aborted) {
        st.ph = phase::running;
        self->send(st.a.supervisor, go_atom::value, st.gen, st.states);
      }
      return;
    case op::exit:
      if (!mark_finished(self))
        return quit(self, 1);
      spdlog::info("node {}: the pipeline is finished", st.a.self);
      send(self, st.a.leader, op::bye);
      return quit(self, 0);
    default:
      return;
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
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (leading(self))
        leader_tick(self);
      else
        status(self);
      self->delayed_send(self, self->state.a.tick, tick_atom::value);
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
