#define BOOST_TEST_MODULE exactly-once checkpoints
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "support/process.hpp"
#include "support/spread_pipeline.hpp"

using namespace sluice::test;

namespace {

constexpr int events = 60000;

/// generator -> filter active -> file-sink, checkpointed every 50 ms; `partitioned`
/// writes one directory per category with small files, so commits publish several.
std::string pipeline(const temp_dir& t, bool checkpoints, bool partitioned = false) {
  return "[pipeline]\nname = \"eo\"\n" +
         (checkpoints ? "state_dir = \"" + t / "state" + "\"\ncheckpoint_interval = \"50ms\"\n" : std::string{}) +
         "\n[[stage]]\nname = \"gen\"\nplugin = \"generator\"\ncount = " + std::to_string(events) +
         "\nrate = 40000\nseed = 11\n\n"
         "[[stage]]\nname = \"active\"\nplugin = \"filter\"\ninputs = [\"gen\"]\nwhere = 'status == \"active\"'\n\n"
         "[[stage]]\nname = \"lake\"\nplugin = \"file-sink\"\ninputs = [\"active\"]\nroll_size = " +
         (partitioned ? "20000" : "300000") + "\npath = \"" + t / (checkpoints ? "out" : "ref") +
         (partitioned ? "/{category}" : "") + "/part.ndjson\"\n";
}

/// ids of the uninterrupted run, each once.
std::map<std::string, int> reference() {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, false));
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_REQUIRE_MESSAGE(o.exit_code == 0, o.err);
  std::map<std::string, int> ids;
  for (auto& l : published_lines(t / "ref"))
    ids[id_of(l)] += 1;
  return ids;
}

/// Every reference id exactly once, nothing else.
void check_exactly_once(const std::string& out, const std::map<std::string, int>& ref) {
  std::map<std::string, int> seen;
  for (auto& l : published_lines(out))
    seen[id_of(l)] += 1;
  size_t missing = 0, doubled = 0, unexpected = 0;
  for (auto& [id, n] : ref)
    if (seen.count(id) == 0)
      ++missing;
  for (auto& [id, n] : seen) {
    if (n > 1)
      ++doubled;
    if (ref.count(id) == 0)
      ++unexpected;
  }
  BOOST_TEST(missing == 0u);
  BOOST_TEST(doubled == 0u);
  BOOST_TEST(unexpected == 0u);
  BOOST_TEST(seen.size() == ref.size());
}

int run_to_end(const temp_dir& t) {
  return run_sluice({"run", "--config", t / "p.toml"}).exit_code;
}

unsigned seed() {
  auto s = env("SLUICE_TEST_SEED");
  return s.empty() ? 20261124u : static_cast<unsigned>(std::stoul(s));
}

} // namespace

BOOST_AUTO_TEST_CASE(sigkill_at_seeded_moments_still_publishes_every_record_exactly_once) {
  auto ref = reference();
  BOOST_REQUIRE(ref.size() > 30000u);
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, true));
  auto s = seed();
  BOOST_TEST_MESSAGE("fault schedule seed " << s << " (set SLUICE_TEST_SEED to replay)");
  std::mt19937 rng{s};
  std::uniform_int_distribution<int> delay_ms{40, 500};
  for (int kill = 0; kill < 10; ++kill) {
    child c({sluice_bin(), "run", "--config", t / "p.toml"});
    // The fault schedule, not synchronisation: kill after a seeded delay.
    std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)});
    c.signal(SIGKILL);
    c.wait();
  }
  BOOST_TEST(run_to_end(t) == 0);
  check_exactly_once(t / "out", ref);
  // A finished pipeline run again on the same state exits 0 and emits nothing.
  auto before = list_files(t / "out");
  auto again = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST(again.exit_code == 0, again.err);
  BOOST_TEST(list_files(t / "out") == before);
  BOOST_TEST(read_file(t / "stats.json").find("\"records_written\":") == std::string::npos);
  check_exactly_once(t / "out", ref);
}

BOOST_AUTO_TEST_CASE(at_least_once_loses_nothing_across_sigkills) {
  auto ref = reference();
  temp_dir t;
  auto text = pipeline(t, true);
  text.replace(text.find("name = \"eo\"\n"), 12, "name = \"eo\"\nguarantee = \"at-least-once\"\n");
  write_file(t / "p.toml", text);
  std::mt19937 rng{seed() + 1};
  std::uniform_int_distribution<int> delay_ms{40, 500};
  for (int kill = 0; kill < 5; ++kill) {
    child c({sluice_bin(), "run", "--config", t / "p.toml"});
    std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)}); // the fault schedule
    c.signal(SIGKILL);
    c.wait();
  }
  BOOST_TEST(run_to_end(t) == 0);
  std::map<std::string, int> seen;
  for (auto& l : published_lines(t / "out"))
    seen[id_of(l)] += 1;
  size_t missing = 0;
  for (auto& [id, n] : ref)
    missing += seen.count(id) ? 0 : 1;
  BOOST_TEST(missing == 0u);
}

BOOST_AUTO_TEST_CASE(checkpoint_ls_and_inspect_read_a_stopped_nodes_store) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, true));
  BOOST_REQUIRE(run_to_end(t) == 0);
  auto ls = run_sluice({"checkpoint", "ls", "--config", t / "p.toml"});
  BOOST_TEST(ls.exit_code == 0, ls.err);
  BOOST_TEST(ls.out.find("committed") != std::string::npos, ls.out);
  BOOST_TEST(ls.out.find("3 instance states") != std::string::npos, ls.out);
  BOOST_TEST(ls.out.find("copy #") != std::string::npos, ls.out); // a retained copy after the final epoch
  auto inspect = run_sluice({"checkpoint", "inspect", "--config", t / "p.toml"});
  BOOST_TEST(inspect.exit_code == 0, inspect.err);
  for (auto key : {"gen#0  generator", "active#0  filter", "lake#0  file-sink"})
    BOOST_TEST(inspect.out.find(key) != std::string::npos, inspect.out);
  // the generator's state is its next id: every record was emitted
  BOOST_TEST(inspect.out.find("state \"" + std::to_string(events) + " ") != std::string::npos, inspect.out);
  write_file(t / "none.toml", pipeline(t, false));
  auto none = run_sluice({"checkpoint", "ls", "--config", t / "none.toml"});
  BOOST_TEST(none.exit_code == 2);
  BOOST_TEST(none.err.find("has no state_dir") != std::string::npos, none.err);
}

BOOST_AUTO_TEST_CASE(a_crash_between_the_publishes_of_one_commit_recovers_exactly_once) {
  auto ref = reference();
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, true, true));
  setenv("SLUICE_FAILPOINT", "between_publishes:5", 1);
  auto crashed = run_sluice({"run", "--config", t / "p.toml"});
  unsetenv("SLUICE_FAILPOINT");
  BOOST_TEST(crashed.exit_code == 128 + SIGABRT, crashed.err);
  BOOST_TEST(crashed.err.find("failpoint between_publishes") != std::string::npos);
  BOOST_TEST(run_to_end(t) == 0);
  check_exactly_once(t / "out", ref);
}

BOOST_AUTO_TEST_CASE(a_full_disk_while_checkpointing_fails_clearly_and_the_next_start_recovers) {
  auto ref = reference();
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, true));
  setenv("SLUICE_TEST_DISK_BUDGET", "40000", 1); // the store's writes fail past 40 kB
  auto full = run_sluice({"run", "--config", t / "p.toml"});
  unsetenv("SLUICE_TEST_DISK_BUDGET");
  BOOST_TEST(full.exit_code == 1, full.err);
  BOOST_TEST(full.err.find("free disk space under " + t / "state") != std::string::npos, full.err);
  BOOST_TEST(full.err.find("terminate called") == std::string::npos);
  auto ls = run_sluice({"checkpoint", "ls", "--config", t / "p.toml"});
  BOOST_TEST(ls.exit_code == 0, ls.err); // nothing corrupt: the store still opens
  BOOST_TEST(run_to_end(t) == 0);
  check_exactly_once(t / "out", ref);
}

BOOST_AUTO_TEST_CASE(a_crash_at_every_failpoint_recovers_exactly_once) {
  auto ref = reference();
  for (auto point : {"after_precommit:3", "after_state_commit:2", "during_restore:1"}) {
    BOOST_TEST_CONTEXT("failpoint " << point) {
      temp_dir t;
      write_file(t / "p.toml", pipeline(t, true));
      if (std::string{point}.rfind("during_restore", 0) == 0) { // needs something to restore
        setenv("SLUICE_FAILPOINT", "after_state_commit:3", 1);
        BOOST_TEST(run_to_end(t) == 128 + SIGABRT);
      }
      setenv("SLUICE_FAILPOINT", point, 1);
      auto crashed = run_sluice({"run", "--config", t / "p.toml"});
      unsetenv("SLUICE_FAILPOINT");
      BOOST_TEST(crashed.exit_code == 128 + SIGABRT, crashed.err);
      BOOST_TEST(crashed.err.find("failpoint") != std::string::npos);
      BOOST_TEST(run_to_end(t) == 0);
      check_exactly_once(t / "out", ref);
    }
  }
}

namespace {

struct spread_fixture : spread_reference {
  spread_fixture() : spread_reference(20000) {}
};

} // namespace

BOOST_FIXTURE_TEST_CASE(sigterm_keeps_open_windows_in_the_state_and_a_restart_resumes_with_exact_aggregates,
                        spread_fixture) {
  write_file(t / "p.toml", spread_pipeline(t, "out", "", event_count, event_count / 4, true)); // about 4 s
  std::vector<std::string> argv{sluice_bin(), "run", "--config", t / "p.toml"};
  child node(argv);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (node.err().find("running") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20}); // polled until the node says it runs
  std::this_thread::sleep_for(std::chrono::seconds{1}); // the operator's moment: into the run
  node.signal(SIGTERM);
  BOOST_TEST_REQUIRE(node.wait() == 0, node.err());
  BOOST_TEST(published_lines(t / "out/ids").size() < ref_ids.size(), "stopped before the input ended");
  auto again = run(argv); // resumes: open windows come back from the state, whole
  BOOST_TEST_REQUIRE(again.exit_code == 0, again.err);
  check("out");
}
