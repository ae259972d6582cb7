#define BOOST_TEST_MODULE sluice multinode chaos
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "support/spread_pipeline.hpp"

// Three node processes with distributed checkpoints: the source and the sinks on a, a keyed
// filter and a keyed aggregate over b and c. SIGKILL hits a random node (the coordinator a
// included) at seeded moments and the node is started again at once, as systemd or Kubernetes
// would; the output must be that of one uninterrupted single-node run.
// SLUICE_TEST_SEED, SLUICE_CHAOS_KILLS and SLUICE_CHAOS_EVENTS change the run by hand.

using namespace sluice::test;

namespace {

const int events = env_int("SLUICE_CHAOS_EVENTS", 40000);

std::string nodes() {
  int base = loopback_ports();
  return spread_nodes([](int) { return std::string{"127.0.0.1"}; }, base);
}

/// `placed`: on three nodes with checkpoints; else on one node without.
std::string pipeline(const temp_dir& t, const std::string& out, bool placed, int rate) {
  return spread_pipeline(t, out, placed ? nodes() : std::string{}, events, rate);
}

struct fixture : spread_reference {
  fixture() : spread_reference(events) {}
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(multinode_chaos, fixture)

BOOST_AUTO_TEST_CASE(three_nodes_with_distributed_checkpoints_give_the_output_of_one_node) {
  write_file(t / "p.toml", pipeline(t, "calm", true, 0));
  auto ns = launch(t / "p.toml");
  for (auto& n : ns)
    BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
  check("calm");
  // Started again on the finished state, each node says so and exits 0 without waiting.
  for (auto n : {"b", "a", "c"}) {
    auto again = run_sluice({"run", "--config", t / "p.toml", "--node", n});
    BOOST_TEST(again.exit_code == 0, n << ": " << again.err);
    BOOST_TEST(again.err.find("already finished") != std::string::npos, again.err);
  }
}

BOOST_AUTO_TEST_CASE(sigkill_of_any_node_at_seeded_moments_keeps_ids_exactly_once_and_aggregates_exact) {
  auto s = env("SLUICE_TEST_SEED").empty() ? 1124u : static_cast<unsigned>(std::stoul(env("SLUICE_TEST_SEED")));
  int kills = env_int("SLUICE_CHAOS_KILLS", 10);
  BOOST_TEST_MESSAGE("multinode chaos: " << events << " events, " << kills << " kills, seed " << s
                                         << " (SLUICE_TEST_SEED / SLUICE_CHAOS_KILLS / SLUICE_CHAOS_EVENTS)");
  // About 8 s undisturbed, longer than any schedule of 10 kills (at most 7 s): every kill hits a running pipeline.
  write_file(t / "p.toml", pipeline(t, "out", true, events / 8));
  auto ns = launch(t / "p.toml");
  std::mt19937 rng{s};
  std::uniform_int_distribution<int> delay_ms{150, 700};
  std::uniform_int_distribution<size_t> which{0, 2};
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)}); // the fault schedule
    auto& n = ns[which(rng)];
    BOOST_TEST_MESSAGE("kill " << k + 1 << ": node " << n.name);
    n.proc->signal(SIGKILL);
    int code = n.proc->wait();
    // Killed while the pipeline still ran: the schedule fits well inside the run.
    BOOST_TEST(code == 128 + SIGKILL, n.name << " exited " << code << " before kill " << k + 1 << ": "
                                             << n.proc->err());
    n.start();
  }
  for (auto& n : ns)
    BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
  check("out");
}

BOOST_AUTO_TEST_CASE(a_node_that_stays_away_is_declared_lost_and_everyone_resumes_when_it_is_back) {
  auto text = pipeline(t, "away", true, events / 2);
  text.replace(text.find("checkpoint_interval"), 0, "peer_timeout = \"1s\"\n");
  write_file(t / "away.toml", text);
  auto ns = launch(t / "away.toml");
  BOOST_TEST_REQUIRE(wait_for_log(ns[0], "every node is ready"), ns[0].proc->err());
  ns[1].proc->signal(SIGKILL); // b, not restarted yet
  BOOST_TEST(ns[1].proc->wait() == 128 + SIGKILL);
  BOOST_TEST_REQUIRE(wait_for_log(ns[0], "node b is lost"), ns[0].proc->err());
  ns[1].start();
  for (auto& n : ns)
    BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
  check("away");
}

BOOST_AUTO_TEST_CASE(sigterm_to_one_node_stops_every_node_at_a_checkpoint_and_starting_them_again_completes_the_run) {
  write_file(t / "stop.toml", pipeline(t, "stop", true, events / 4)); // about 4 s of input
  auto ns = launch(t / "stop.toml");
  BOOST_TEST_REQUIRE(wait_for_log(ns[0], "every node is ready"), ns[0].proc->err());
  std::this_thread::sleep_for(std::chrono::seconds{1}); // the operator's moment: into the run
  ns[2].proc->signal(SIGTERM); // c, a follower: the leader stops everyone
  for (auto& n : ns)
    BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
  BOOST_TEST(ns[0].proc->err().find("stopped at the final checkpoint") != std::string::npos, ns[0].proc->err());
  auto so_far = published_lines(t / "stop/ids");
  BOOST_TEST(so_far.size() < ref_ids.size(), "stopped before the input ended");
  auto again = launch(t / "stop.toml"); // not "already finished": a stop is resumed
  for (auto& n : again)
    BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
  BOOST_TEST(again[0].proc->err().find("already finished") == std::string::npos);
  check("stop");
}

BOOST_AUTO_TEST_CASE(a_crash_in_every_commit_window_on_any_node_keeps_ids_exactly_once_and_aggregates_exact) {
  struct crash {
    const char* node;
    const char* point;
  };
  // The coordinator after its commit, before the others hear; a follower between the
  // coordinator's commit and its own, and after its own; the sink node after a pre-commit.
  int run = 0;
  for (auto c : {crash{"a", "after_state_commit:3"}, crash{"b", "before_node_commit:2"},
                 crash{"c", "after_state_commit:2"}, crash{"a", "after_precommit:4"}}) {
    auto out = "fp" + std::to_string(++run);
    write_file(t / (out + ".toml"), pipeline(t, out, true, events / 2));
    std::vector<node_process> ns;
    for (auto n : {"a", "b", "c"}) {
      ns.push_back({n, {sluice_bin(), "run", "--config", t / (out + ".toml"), "--node", n}, nullptr});
      if (std::string{n} == c.node)
        setenv("SLUICE_FAILPOINT", c.point, 1);
      ns.back().start();
      unsetenv("SLUICE_FAILPOINT");
    }
    for (auto& n : ns)
      if (n.name == c.node) {
        BOOST_TEST(n.proc->wait() == 128 + SIGABRT, c.node << " at " << c.point << ": " << n.proc->err());
        n.start(); // as systemd would
      }
    for (auto& n : ns)
      BOOST_TEST(n.proc->wait() == 0, c.point << ", node " << n.name << ": " << n.proc->err());
    check(out);
  }
}

BOOST_AUTO_TEST_SUITE_END()
