#include "actors/node.hpp"

#include <sched.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "actors/admin.hpp"
#include "actors/cluster.hpp"
#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "actors/supervisor.hpp"
#include "state/testing.hpp"

namespace sluice::actors {

namespace {

/// One scheduler thread per core this process may run on (its affinity: taskset, a cgroup
/// cpuset, Kubernetes' static CPU manager), at least 2 so one transform that blocks does not
/// stop the others. CAF's own default is at least 4: idle workers woken on a 2-core machine
/// cost CPU that nodes sharing it need.
unsigned default_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  unsigned cores = ::sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<unsigned>(CPU_COUNT(&set))
                                                                  : std::thread::hardware_concurrency();
  return std::max(2u, cores);
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

/// One node: back to the last committed epoch, its states into `out`.
static status recover_committed(state::store& store, std::map<std::string, state::instance_state>& out) {
  if (auto s = store.drop_uncommitted(); s.failed())
    return s;
  auto states = store.committed_states();
  if (!states)
    return states.take_error();
  for (auto& [key, st] : *states)
    out.emplace(key, st);
  if (auto e = store.committed_epoch(); e > 0)
    spdlog::info("recovering checkpoint {} from {} ({} instance states)", e, store.path(), out.size());
  return status::ok();
}

int run_node(plan::prepared& prep, const run_options& opts) {
  auto& p = prep.pipeline;
  std::set<std::string> hosts; // nodes with at least one instance
  size_t sources = 0;
  for (size_t s = 0; s < p.stages.size(); ++s)
    for (uint32_t i = 0; i < p.stages[s].parallelism; ++i) {
      hosts.insert(p.node_of(p.stages[s], i));
      sources += prep.stages[s].stage->kind == SLUICE_KIND_SOURCE;
    }
  bool multi = hosts.size() > 1 || (hosts.size() == 1 && *hosts.begin() != p.node);
  if (multi) {
    if (!hosts.count(p.node) && p.node != p.coordinator) {
      spdlog::info("no stage instance is placed on node {}: nothing to run here", p.node);
      return 0;
    }
    for (auto& [name, n] : p.nodes)
      if (n.address.empty()) {
        spdlog::error("{}: [nodes.{}] needs an address like \"tcp://127.0.0.1:7001\"", p.file, name);
        return 2;
      }
    if (!p.nodes.count(p.node)) {
      spdlog::error("{}: this process is node {}, which [nodes] does not list", p.file, p.node);
      return 2;
    }
  }
  // Signals go to a dedicated thread: block them before CAF starts its threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2); // the node's own "done": wakes the signal thread at once
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  // Checkpoints: recover to the last committed epoch before anything starts.
  auto checkpoints = std::make_shared<coordinator_setup>();
  std::map<std::string, state::instance_state> restored;
  bool finished = false; // several nodes: the store says the pipeline finished
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
    if (multi) { // the coordinator node says which checkpoint: pending epochs may still commit
      auto done = (*store)->meta(finished_meta);
      if (!done) {
        spdlog::error("{}", done.message());
        return 1;
      }
      finished = *done == "1";
    } else if (auto st = recover_committed(**store, restored); st.failed()) {
      spdlog::error("{}", st.message());
      return 1;
    }
    checkpoints->store = std::move(*store);
    checkpoints->interval_ns = p.checkpoint_interval_ns;
    checkpoints->retain_interval_ns = p.retain_interval_ns;
    checkpoints->retain = p.retain;
  }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opts.threads ? opts.threads : default_threads());
  // One shared queue whose workers sleep when idle, not work stealing's polling: W1 as fast or
  // faster for 25-30 % less CPU, which counts when several nodes share a machine.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  int code = 1;
  {
    caf::actor_system sys{cfg};
    flow::gauge in_flight;
    caf::scoped_actor waiter{sys};
    std::unique_ptr<node_links> links;
    caf::actor member;
    if (multi) {
      links = std::make_unique<node_links>(sys, p, &in_flight);
      if (auto st = links->start(); st.failed()) {
        spdlog::error("{}", st.message());
        return 1;
      }
      spdlog::info("node {} listens on {} for {} peer(s)", p.node, p.nodes.at(p.node).address, p.nodes.size() - 1);
    }
    if (links) {
      checkpoints->links = links.get();
      checkpoints->leader = p.coordinator;
      checkpoints->leading = p.node == p.coordinator;
      for (auto& h : hosts)
        if (h != p.coordinator)
          checkpoints->followers.push_back(h);
      checkpoints->sources_total = sources;
    }
    auto sup = spawn_supervisor(sys, supervisor_args{&prep, &in_flight, waiter, opts.stats_file, checkpoints,
                                                     std::move(restored), links.get()});
    if (links) {
      member_args m;
      m.links = links.get();
      m.supervisor = sup;
      m.store = checkpoints->store;
      m.self = p.node;
      m.leader = p.coordinator;
      m.followers = checkpoints->followers;
      m.finished = finished;
      m.peer_timeout = std::chrono::milliseconds{p.peer_timeout_ns / 1000000};
      member = spawn_member(sys, std::move(m));
    }
    std::optional<admin_endpoint> admin;
    if (!p.state_dir.empty()) {
      admin.emplace(sys, sup, prep);
      admin->start();
    }
    std::atomic<bool> done{false};
    std::thread signals([&] {
      int stops = 0;
      timespec tick{0, 100 * 1000 * 1000};
      while (!done) {
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig == SIGHUP) {
          if (admin)
            admin->hangup();
          else
            spdlog::warn("received SIGHUP; nothing to reload without a state_dir (no admin endpoint)");
          continue;
        }
        if (sig != SIGINT && sig != SIGTERM)
          continue;
        if (++stops == 1) {
          spdlog::info("received {}; finishing cleanly (send it again to exit at once)", strsignal(sig));
          caf::anon_send(sup, stop_atom::value);
          if (member) // also before any generation reached this node (the supervisor knows it from then)
            caf::anon_send(member, stop_atom::value);
        } else {
          spdlog::warn("received {} again; exiting without finishing", strsignal(sig));
          std::_Exit(130);
        }
      }
    });
    waiter->receive([&](exit_atom, int c) { code = c; });
    if (member) { // it uses the links: wait until it is gone
      waiter->monitor(member);
      caf::anon_send_exit(member, caf::exit_reason::user_shutdown);
      waiter->receive([](caf::down_msg&) {});
    }
    if (links)
      links->drain();
    done = true;
    pthread_kill(signals.native_handle(), SIGUSR2); // else it would sleep out its tick
    signals.join();
  }
  return code;
}

} // namespace sluice::actors
