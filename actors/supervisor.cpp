#include "actors/supervisor.hpp"

#include <chrono>
#include <deque>
#include <set>

#include <spdlog/spdlog.h>

#include "actors/cluster.hpp"
#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "actors/stage_actor.hpp"
#include "actors/stats.hpp"
#include "core/text.hpp"

namespace sluice::actors {

namespace {

using clock = std::chrono::steady_clock;
/// Supervisor -> itself: start the next incarnation after the restart backoff.
using respawn_atom = caf::atom_constant<caf::atom("respawn")>;

struct supervisor_state {
  supervisor_args args;
  std::vector<caf::actor> stages;
  std::vector<caf::actor> sources;
  std::map<caf::actor_addr, int> stage_of; ///< current incarnation: actor -> stage index
  std::set<caf::actor_addr> alive;         ///< current incarnation, coordinator included
  std::vector<instance_report> reports;
  caf::actor coordinator;
  bool finished = false;
  bool restarting = false;
  bool stopping = false; ///< SIGINT/SIGTERM: sources stop, also after a restart
  caf::actor member;     ///< several nodes: the membership actor that says when to start and stop
  bool halt_requested = false;
  uint64_t gen = 0; ///< the generation running (several nodes)
  uint32_t restarts = 0;
  int64_t restart_delay_ns = 0;
  int exit_code = 0; ///< finished: what the node exits with, once its instances are gone
  std::map<int, std::deque<clock::time_point>> failures; ///< per stage, within its window
  static inline const char* name = "sluice.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;
/// Finished, the instances were told to exit 5 s ago: report the exit whether or not they are gone.
using gone_atom = caf::atom_constant<caf::atom("sgone")>;

/// Tells the node's main thread the exit code; the links may go now.
void report_exit(self_ptr self) {
  self->send(self->state.args.waiter, exit_atom::value, self->state.exit_code);
  self->quit();
}

void finish(self_ptr self, int code) {
  auto& st = self->state;
  if (st.finished)
    return;
  st.finished = true;
  auto& a = st.args;
  if (st.member)
    self->send_exit(st.member, caf::exit_reason::user_shutdown); // it uses the links: gone first
  for (auto& x : st.stages)
    self->send_exit(x, caf::exit_reason::user_shutdown);
  write_summary(*a.prep, st.reports, *a.in_flight, a.stats_file, code, st.restarts);
  if (st.coordinator)
    self->send_exit(st.coordinator, caf::exit_reason::user_shutdown);
  a.checkpoints->store.reset(); // the last instance to let go closes the store
  st.exit_code = code;
  if (a.links && !st.alive.empty()) { // they send on the links themselves: the links must outlive them
    self->delayed_send(self, std::chrono::seconds{5}, gone_atom::value);
    return;
  }
  report_exit(self);
}

/// Spawns the coordinator and every instance, consumers first, so every
/// instance starts knowing its destinations.
void spawn_all(self_ptr self) {
  auto& st = self->state;
  auto& a = st.args;
  auto& prep = *a.prep;
  auto& p = prep.pipeline;
  auto& pl = prep.physical;
  st.stages.clear();
  st.sources.clear();
  st.stage_of.clear();
  st.alive.clear();
  st.reports.clear();
  a.checkpoints->supervisor = caf::actor_cast<caf::actor>(self);
  a.checkpoints->gen = st.gen;
  st.coordinator = spawn_coordinator(self->system(), a.checkpoints);
  self->monitor(st.coordinator);
  st.alive.insert(st.coordinator.address());
  std::vector<std::vector<caf::actor>> spawned(p.stages.size());
  auto order = p.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    auto s = static_cast<size_t>(*it);
    auto& sc = p.stages[s];
    spawned[s].resize(sc.parallelism);
    for (uint32_t i = 0; i < sc.parallelism; ++i) {
      if (auto& node = p.node_of(sc, i); node != p.node) { // lives elsewhere: its proxy stands in
        spawned[s][i] = a.links->proxy(node, {sc.name, i}, st.gen);
        continue;
      }
      stage_setup setup;
      setup.prep = a.prep;
      setup.stage = static_cast<int>(s);
      setup.index = i;
      setup.plugin = prep.stages[s];
      setup.options = prep.options[s];
      setup.supervisor = caf::actor_cast<caf::actor>(self);
      setup.in_flight = a.in_flight;
      setup.links = a.links;
      setup.coordinator = st.coordinator;
      setup.checkpoints = a.checkpoints->store != nullptr;
      setup.store = a.checkpoints->store;
      if (auto r = a.restored.find(state_key(sc.name, i)); r != a.restored.end())
        setup.restored = r->second;
      for (auto e : pl.stages[s].out_edges) {
        auto& ed = pl.edges[e];
        auto& to = p.stages[static_cast<size_t>(ed.to)];
        edge_wiring w;
        w.plan_edge = e;
        for (auto d : ed.destinations(i, to.parallelism)) {
          w.dest.push_back(spawned[static_cast<size_t>(ed.to)][d]);
          w.remote.push_back(a.links ? a.links->remote_of(w.dest.back()) : nullptr);
          w.dest_channel.push_back(static_cast<uint32_t>(pl.channel_of(e, i, d)));
        }
        setup.outputs.push_back(std::move(w));
      }
      auto actor = spawn_stage(self->system(), std::move(setup));
      self->monitor(actor);
      spawned[s][i] = actor;
      st.stages.push_back(actor);
      st.stage_of[actor.address()] = static_cast<int>(s);
      st.alive.insert(actor.address());
      if (a.links)
        a.links->add_local({sc.name, i}, actor, st.gen);
      if (prep.stages[s].stage->kind == SLUICE_KIND_SOURCE)
        st.sources.push_back(actor);
    }
  }
  self->send(st.coordinator, wire_atom::value, st.sources, st.stages);
  if (a.links) // after the wiring: control frames find the coordinator knowing its instances
    a.links->add_local(coordinator_ref, st.coordinator, st.gen);
  if (a.links && st.stages.empty())
    self->send(st.member, ended_all_atom::value); // nothing of the pipeline runs here
  if (st.stopping)
    for (auto& s : st.sources)
      self->send(s, stop_atom::value);
}

/// The committed states again: what the next incarnation starts from.
bool reload_committed(self_ptr self) {
  auto& a = self->state.args;
  a.restored.clear();
  auto& store = a.checkpoints->store;
  if (!store)
    return true; // no checkpoints: a restart starts over
  if (auto s = store->drop_uncommitted(); s.failed()) {
    spdlog::error("{}", s.message());
    return false;
  }
  auto states = store->committed_states();
  if (!states) {
    spdlog::error("{}", states.message());
    return false;
  }
  for (auto& [key, st] : *states)
    a.restored.emplace(key, st);
  spdlog::info("restarting from checkpoint {} ({} instance states)", store->committed_epoch(), a.restored.size());
  return true;
}

/// Stops every instance of the current generation (the supervisor is told when they are gone).
void stop_all(self_ptr self) {
  auto& st = self->state;
  st.restarting = true;
  for (auto& x : st.stages)
    self->send_exit(x, caf::exit_reason::user_shutdown);
  if (st.coordinator)
    self->send_exit(st.coordinator, caf::exit_reason::user_shutdown);
}

/// Several nodes: a local failure; this node stops its part and the leader rolls all back.
void lose(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (!st.restarting)
    stop_all(self);
  self->send(st.member, lost_atom::value, why);
}

/// Several nodes: the member asked to halt; tell it once every instance is gone.
void maybe_halted(self_ptr self) {
  auto& st = self->state;
  if (st.halt_requested && st.alive.empty()) {
    st.halt_requested = false;
    self->send(st.member, halted_atom::value);
  }
}

/// An instance of stage `s` failed: restart everything from the committed
/// checkpoint, unless the stage failed more than `restart.max` times within
/// `restart.within`.
void on_stage_failure(self_ptr self, int s, const std::string& why) {
  auto& st = self->state;
  auto& sc = st.args.prep->pipeline.stages[static_cast<size_t>(s)];
  auto& policy = sc.restart;
  auto now = clock::now();
  auto& times = st.failures[s];
  while (!times.empty() && now - times.front() > std::chrono::nanoseconds{policy.within_ns})
    times.pop_front();
  times.push_back(now);
  if (times.size() > policy.max) {
    spdlog::error("node unhealthy: stage {} failed {} time(s) within {} (restart.max = {}); last: {}. Exiting so "
                  "that systemd or Kubernetes restarts the node; it resumes from the last checkpoint",
                  sc.name, times.size(), text::format_duration(policy.within_ns), policy.max, why);
    return finish(self, 1);
  }
  if (st.args.links) { // every node goes back to the committed checkpoint: the leader decides when
    spdlog::warn("stage {} failed ({}); the pipeline rolls back to the last checkpoint on every node (failure {} of "
                 "{} allowed within {})", sc.name, why, times.size(), policy.max,
                 text::format_duration(policy.within_ns));
    return lose(self, why);
  }
  st.restarting = true;
  st.restart_delay_ns = policy.wait.delay(static_cast<uint32_t>(times.size()));
  spdlog::warn("stage {} failed ({}); restarting the pipeline from the last checkpoint in {} (failure {} of {} "
               "allowed within {})", sc.name, why, text::format_duration(st.restart_delay_ns), times.size(),
               policy.max, text::format_duration(policy.within_ns));
  for (auto& x : st.stages)
    self->send_exit(x, caf::exit_reason::user_shutdown);
  self->send_exit(st.coordinator, caf::exit_reason::user_shutdown);
}

caf::behavior supervisor(self_ptr self, supervisor_args a) {
  auto& st = self->state;
  st.args = std::move(a);
  auto& p = st.args.prep->pipeline;
  if (!st.args.links) {
    spawn_all(self);
    spdlog::info("pipeline {} running on node {}: {} stages, {} instances", p.name, p.node, p.stages.size(),
                 st.stages.size());
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.finished) {
      if (st.alive.erase(dm.source) && st.alive.empty())
        report_exit(self);
      return;
    }
    if (!st.alive.erase(dm.source))
      return; // an earlier incarnation
    if (st.restarting) {
      if (st.args.links)
        return maybe_halted(self);
      if (st.alive.empty()) // every actor of the failed incarnation is gone: nothing touches the store now
        self->delayed_send(self, std::chrono::nanoseconds{st.restart_delay_ns}, respawn_atom::value);
      return;
    }
    if (!dm.reason)
      return;
    auto it = st.stage_of.find(dm.source);
    if (it == st.stage_of.end() && st.args.links) {
      spdlog::error("the checkpoint coordinator failed ({})", self->system().render(dm.reason));
      return lose(self, "the checkpoint coordinator failed");
    }
    if (it == st.stage_of.end()) {
      spdlog::error("the checkpoint coordinator failed ({}); stopping the node", self->system().render(dm.reason));
      return finish(self, 1);
    }
    on_stage_failure(self, it->second, self->system().render(dm.reason));
  });
  return {
    [=](done_atom, instance_report& r) {
      auto& st = self->state;
      if (st.restarting || st.finished)
        return;
      st.reports.push_back(std::move(r));
      if (st.reports.size() != st.stages.size())
        return;
      if (st.args.links)
        self->send(st.member, ended_all_atom::value); // the leader says when the node may exit
      else
        finish(self, 0);
    },
    [=](halt_atom) {
      auto& st = self->state;
      if (st.finished)
        return;
      st.member = caf::actor_cast<caf::actor>(self->current_sender());
      st.halt_requested = true;
      if (!st.restarting)
        stop_all(self);
      maybe_halted(self);
    },
    [=](go_atom, uint64_t gen, restored_states& states) {
      auto& st = self->state;
      if (st.finished || gen != st.args.links->generation())
        return; // a later generation began meanwhile: its halt and go follow
      if (st.gen != 0)
        ++st.restarts;
      st.gen = gen;
      st.restarting = false;
      st.args.in_flight->clear();
      st.args.restored = std::move(states.by_key);
      spawn_all(self);
      auto& p = st.args.prep->pipeline;
      spdlog::info("pipeline {} running on node {} (generation {}): {} stages, {} instances here", p.name, p.node,
                   gen, p.stages.size(), st.stages.size());
    },
    [=](quit_atom, int code) { finish(self, code); },
    [=](gone_atom) {
      spdlog::warn("{} instance(s) still running 5 s after the node finished; exiting anyway",
                   self->state.alive.size());
      report_exit(self);
    },
    [=](respawn_atom) {
      auto& st = self->state;
      if (st.finished)
        return;
      self->state.args.in_flight->clear();
      if (!reload_committed(self))
        return finish(self, 1);
      st.restarting = false;
      ++st.restarts;
      spawn_all(self);
    },
    [=](failed_atom, const std::string& why) { // checkpointing failed; the coordinator said why
      if (self->state.args.links)
        return lose(self, why);
      if (!self->state.restarting)
        finish(self, 1);
    },
    [=](instances_atom, const std::string& stage) -> caf::result<std::vector<caf::actor>> {
      auto& st = self->state;
      if (st.restarting || st.finished)
        return caf::make_error(caf::sec::runtime_error, "the pipeline is restarting or ending; try again");
      auto s = st.args.prep->pipeline.index_of(stage);
      std::vector<caf::actor> out;
      for (auto& x : st.stages)
        if (st.stage_of[x.address()] == s)
          out.push_back(x);
      return out;
    },
    [=](swapped_atom, const std::string& stage, swap_request& r) {
      // Every instance runs the new version now: a restart spawns it too.
      auto& prep = *self->state.args.prep;
      auto s = static_cast<size_t>(prep.pipeline.index_of(stage));
      prep.stages[s] = std::move(r.plugin);
      prep.options[s] = std::move(r.options);
    },
    [=](stop_atom) {
      auto& st = self->state;
      spdlog::info("stopping: sources end their streams, sinks finish");
      st.stopping = true;
      if (st.member) // several nodes: every node's sources stop
        self->send(st.member, stop_atom::value);
      for (auto& s : st.sources)
        self->send(s, stop_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_args args) {
  return sys.spawn(supervisor, std::move(args));
}

} // namespace sluice::actors
