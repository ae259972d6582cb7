#include "actors/node.hpp"

#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "actors/admin.hpp"
#include "actors/links.hpp"
#include "actors/messages.hpp"
#include "actors/supervisor.hpp"
#include "state/testing.hpp"

namespace sluice::actors {

namespace {

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
  bool multi = false;
  for (auto& s : p.stages)
    for (uint32_t i = 0; i < s.parallelism; ++i)
      multi = multi || p.node_of(s, i) != p.node;
  if (multi) {
    if (!p.state_dir.empty() && p.checkpoint_interval_ns) {
      spdlog::error("{}: stages are placed on several nodes, and distributed checkpoints are not built yet; set "
                    "[pipeline] checkpoint_interval = \"off\" (or no state_dir) to run it without them", p.file);
      return 2;
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
    std::unique_ptr<node_links> links;
    if (multi) {
      links = std::make_unique<node_links>(sys, p, &in_flight);
      if (auto st = links->start(); st.failed()) {
        spdlog::error("{}", st.message());
        return 1;
      }
      spdlog::info("node {} listens on {} for {} peer(s)", p.node, p.nodes.at(p.node).address, p.nodes.size() - 1);
    }
    auto sup = spawn_supervisor(sys, supervisor_args{&prep, &in_flight, waiter, opts.stats_file, checkpoints,
                                                     std::move(restored), links.get()});
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
        } else {
          spdlog::warn("received {} again; exiting without finishing", strsignal(sig));
          std::_Exit(130);
        }
      }
    });
    waiter->receive([&](exit_atom, int c) { code = c; });
    if (links)
      links->drain();
    done = true;
    signals.join();
  }
  return code;
}

} // namespace sluice::actors
