#include "actors/node.hpp"

#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "actors/coordinator.hpp"
#include "actors/stage_actor.hpp"
#include "state/testing.hpp"
#include "actors/stats.hpp"

namespace sluice::actors {

namespace {

using exit_atom = caf::atom_constant<caf::atom("exitcode")>;

struct supervisor_state {
  std::vector<caf::actor> stages;
  std::vector<caf::actor> sources;
  std::vector<instance_report> reports;
  caf::actor coordinator;
  size_t expected = 0;
  bool failed = false;
  caf::actor waiter;
  static inline const char* name = "sluice.supervisor";
};

struct supervisor_args {
  plan::prepared* prep;
  flow::gauge* in_flight;
  caf::actor waiter;
  std::string stats_file;
  std::shared_ptr<coordinator_setup> checkpoints;
  std::map<std::string, state::instance_state>* restored;
};

void finish(caf::stateful_actor<supervisor_state>* self, const supervisor_args& a, int code) {
  auto& st = self->state;
  write_summary(*a.prep, st.reports, *a.in_flight, a.stats_file, code);
  self->send_exit(st.coordinator, caf::exit_reason::user_shutdown);
  self->send(st.waiter, exit_atom::value, code);
  self->quit();
}

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, supervisor_args a) {
  auto& st = self->state;
  st.waiter = a.waiter;
  auto& prep = *a.prep;
  auto& p = prep.pipeline;
  auto& pl = prep.physical;
  a.checkpoints->supervisor = caf::actor_cast<caf::actor>(self);
  st.coordinator = spawn_coordinator(self->system(), a.checkpoints);
  // Consumers first, so every instance is spawned knowing its destinations.
  std::vector<std::vector<caf::actor>> spawned(p.stages.size());
  auto order = p.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    auto s = static_cast<size_t>(*it);
    auto& sc = p.stages[s];
    spawned[s].resize(sc.parallelism);
    for (uint32_t i = 0; i < sc.parallelism; ++i) {
      stage_setup setup;
      setup.prep = a.prep;
      setup.stage = static_cast<int>(s);
      setup.index = i;
      setup.supervisor = caf::actor_cast<caf::actor>(self);
      setup.in_flight = a.in_flight;
      setup.coordinator = st.coordinator;
      setup.checkpoints = a.checkpoints->store != nullptr;
      setup.store = a.checkpoints->store; // set before any instance spawns; see stage_setup::store
      if (auto r = a.restored->find(state_key(sc.name, i)); r != a.restored->end())
        setup.restored = r->second;
      for (auto e : pl.stages[s].out_edges) {
        auto& ed = pl.edges[e];
        auto& to = p.stages[static_cast<size_t>(ed.to)];
        edge_wiring w;
        w.plan_edge = e;
        for (auto d : ed.destinations(i, to.parallelism)) {
          w.dest.push_back(spawned[static_cast<size_t>(ed.to)][d]);
          w.dest_channel.push_back(static_cast<uint32_t>(pl.channel_of(e, i, d)));
        }
        setup.outputs.push_back(std::move(w));
      }
      auto actor = spawn_stage(self->system(), std::move(setup));
      self->monitor(actor);
      spawned[s][i] = actor;
      st.stages.push_back(actor);
      if (prep.stages[s].stage->kind == SLUICE_KIND_SOURCE)
        st.sources.push_back(actor);
    }
  }
  st.expected = st.stages.size();
  self->send(st.coordinator, wire_atom::value, st.sources, st.stages);
  spdlog::info("pipeline {} running on node {}: {} stages, {} instances", p.name, p.node, p.stages.size(),
               st.expected);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!dm.reason || st.failed)
      return;
    st.failed = true;
    spdlog::error("a stage instance failed ({}); stopping the node", self->system().render(dm.reason));
    for (auto& x : st.stages)
      self->send_exit(x, caf::exit_reason::user_shutdown);
    finish(self, a, 1);
  });
  return {
    [=](done_atom, instance_report& r) {
      auto& st = self->state;
      st.reports.push_back(std::move(r));
      if (st.reports.size() == st.expected && !st.failed)
        finish(self, a, 0);
    },
    [=](failed_atom, const std::string&) {
      auto& st = self->state;
      if (st.failed)
        return;
      st.failed = true;
      for (auto& x : st.stages)
        self->send_exit(x, caf::exit_reason::user_shutdown);
      finish(self, a, 1);
    },
    [=](stop_atom) {
      spdlog::info("stopping: sources end their streams, sinks finish");
      for (auto& s : self->state.sources)
        self->send(s, stop_atom::value);
    },
  };
}

/// Loud on purpose: the node goes back to an older checkpoint and replays from there.
void report_recovery(const std::string& dir, const state::recovery_report& r) {
  spdlog::error("STATE STORE {} in {}: {}", r.moved_to.empty() ? "LOST" : "CORRUPT", dir, r.problem);
  for (auto& s : r.skipped)
    spdlog::error("retained copy skipped: {}", s);
  if (!r.moved_to.empty())
    spdlog::error("the corrupt store was moved to {} (kept for inspection; delete it when done)", r.moved_to);
  spdlog::warn("restored retained copy #{} (epoch {}) into {}: the pipeline goes back to checkpoint {} and "
               "replays what came after it", r.restored.id, r.restored.epoch, dir, r.restored.epoch);
}

} // namespace

/// The node's store, verified and recovered. For tests only,
/// SLUICE_TEST_DISK_BUDGET=bytes makes its writes fail with "no space left"
/// once they would take more than that many bytes (a disk-full simulation).
static result<std::unique_ptr<state::store>> open_store(const std::string& dir, state::recovery_report& recovery) {
  if (const char* budget = std::getenv("SLUICE_TEST_DISK_BUDGET"); budget && *budget) {
    spdlog::warn("SLUICE_TEST_DISK_BUDGET={}: the state store fails writes beyond that many bytes", budget);
    return state::testing::open_with_disk_budget(
      dir, std::make_shared<std::atomic<int64_t>>(std::strtoll(budget, nullptr, 10)));
  }
  return state::store::open_or_recover(dir, recovery);
}

int run_node(plan::prepared& prep, const run_options& opts) {
  auto& p = prep.pipeline;
  for (auto& s : p.stages)
    for (uint32_t i = 0; i < s.parallelism; ++i)
      if (p.node_of(s, i) != p.node) {
        spdlog::error("stage {} instance {} is placed on node {}, but this process is node {}; multi-node "
                      "pipelines need the ZeroMQ link layer, which this build does not have yet",
                      s.name, i, p.node_of(s, i), p.node);
        return 1;
      }
  // Signals go to a dedicated thread: block them before CAF starts its threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  // Checkpoints: recover to the last committed epoch before anything starts.
  auto checkpoints = std::make_shared<coordinator_setup>();
  std::map<std::string, state::instance_state> restored;
  if (p.state_dir.empty() || !p.checkpoint_interval_ns) {
    spdlog::info("checkpoints are off ({}): a restart starts over",
                 p.state_dir.empty() ? "no [pipeline] state_dir" : "checkpoint_interval = \"off\"");
  } else {
    state::recovery_report recovery;
    auto store = open_store(p.state_dir, recovery);
    if (!store) {
      spdlog::error("{}", store.message());
      return 1;
    }
    if (recovery.recovered)
      report_recovery(p.state_dir, recovery);
    if (auto s = (*store)->drop_uncommitted(); s.failed()) {
      spdlog::error("{}", s.message());
      return 1;
    }
    auto states = (*store)->committed_states();
    if (!states) {
      spdlog::error("{}", states.message());
      return 1;
    }
    for (auto& [key, st] : *states)
      restored.emplace(key, st);
    if (auto e = (*store)->committed_epoch(); e > 0)
      spdlog::info("recovering checkpoint {} from {} ({} instance states)", e, p.state_dir, restored.size());
    checkpoints->store = std::move(*store);
    checkpoints->interval_ns = p.checkpoint_interval_ns;
    checkpoints->retain_interval_ns = p.retain_interval_ns;
    checkpoints->retain = p.retain;
  }

  caf::actor_system_config cfg;
  if (opts.threads)
    cfg.set("scheduler.max-threads", opts.threads);
  int code = 1;
  {
    caf::actor_system sys{cfg};
    flow::gauge in_flight;
    caf::scoped_actor waiter{sys};
    auto sup = sys.spawn(supervisor, supervisor_args{&prep, &in_flight, waiter, opts.stats_file, checkpoints,
                                                     &restored});
    std::atomic<bool> done{false};
    std::thread signals([&] {
      int stops = 0;
      timespec tick{0, 100 * 1000 * 1000};
      while (!done) {
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig != SIGINT && sig != SIGTERM)
          continue;
        if (++stops == 1) {
          spdlog::info("received {}; finishing cleanly (send it again to exit at once)", strsignal(sig));
          caf::anon_send(sup, stop_atom::value);
        } else {
          spdlog::warn("received {} again; exiting without finishing", strsignal(sig));
          std::_Exit(130);
        }
      }
    });
    waiter->receive([&](exit_atom, int c) { code = c; });
    done = true;
    signals.join();
  }
  return code;
}

} // namespace sluice::actors
