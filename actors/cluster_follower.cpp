#include <spdlog/spdlog.h>

#include "actors/member_state.hpp"

namespace sluice::actors::member_detail {

void status(self_ptr self) {
  auto& st = self->state;
  send(self, st.a.leader, op::status, st.epoch,
       static_cast<uint32_t>(st.halting ? phase::idle : st.ph) | (st.stopping ? stop_bit : 0));
  if (st.aborted) // until the leader answers with a new generation, after any damaged one
    st.a.links->send_control(st.a.leader, op::abort, std::max(st.gen, st.broken), 0, st.inc);
}

bool stop_if_idle(self_ptr self) {
  auto& st = self->state;
  if (!st.stopping || st.finishing || st.ph == phase::running || st.ph == phase::done)
    return false; // a running generation ends at its final checkpoint; a done one waits for exit
  spdlog::info("node {}: stopped while no generation ran here; started again, it resumes from checkpoint {}",
               st.a.self, st.epoch);
  quit(self, 0);
  return true;
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
    case op::stop:
      if (!st.stopping) {
        st.stopping = true;
        self->send(st.a.supervisor, stop_atom::value);
      }
      stop_if_idle(self);
      return;
    case op::exit:
      if (m.n == 0 && !mark_finished(self))
        return quit(self, 1);
      spdlog::info(m.n == 0 ? "node {}: the pipeline is finished" : "node {}: the pipeline stopped", st.a.self);
      send(self, st.a.leader, op::bye);
      return quit(self, 0);
    default:
      return;
  }
}

} // namespace sluice::actors::member_detail
