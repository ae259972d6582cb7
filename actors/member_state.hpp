/// The member actor's state and the helpers its leader and follower halves share
/// (actors/cluster.cpp, actors/cluster_follower.cpp). Internal to the member actor.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <caf/all.hpp>

#include "actors/cluster.hpp"
#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "actors/rollback.hpp"

namespace sluice::actors::member_detail {

using clock = std::chrono::steady_clock;
using op = link::control_op;
using member_tick_atom = caf::atom_constant<caf::atom("mtick")>;

/// In a follower's status `n`, next to its phase: it was told to stop.
constexpr uint32_t stop_bit = 0x100;

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
  bool stopping = false;  ///< a node was told to stop (SIGTERM): the sources stop everywhere
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

inline bool leading(self_ptr self) { return self->state.a.self == self->state.a.leader; }

inline void send(self_ptr self, const std::string& node, op o, int64_t epoch = 0, uint32_t n = 0) {
  auto& st = self->state;
  st.a.links->send_control(node, o, st.gen, epoch, st.inc, n);
}

inline void quit(self_ptr self, int code) {
  self->send(self->state.a.supervisor, quit_atom::value, code);
  self->quit();
}

/// Told to stop while no generation runs on this node (waiting for peers, rolling back, or
/// aborted): its state is the committed checkpoint already, so it exits 0 now instead of
/// waiting for nodes that may never come (true: it quit). Defined in cluster_follower.cpp.
bool stop_if_idle(self_ptr self);

inline bool mark_finished(self_ptr self) { return mark_store_finished(self->state.a.store.get()); }

inline bool roll_back_store(self_ptr self, int64_t epoch) {
  auto& st = self->state;
  return roll_back_node_store(st.a.store.get(), st.a.self, epoch, st.states);
}


// ---- follower (cluster_follower.cpp) ------------------------------------------------------

/// Its status to the leader (and its abort, while it has one to tell).
void status(self_ptr self);
/// What the leader said.
void follower_hears(self_ptr self, const control_msg& m);

} // namespace sluice::actors::member_detail
