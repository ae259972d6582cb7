#define BOOST_TEST_MODULE chaos
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "support/process.hpp"

using namespace sluice::test;

// file-source -> filter -> dedupe -> file-sink, and filter -> aggregate -> file-sink, on
// 200,000 events, killed with SIGKILL at seeded moments and crashed at every failpoint.
// SLUICE_CHAOS_EVENTS and SLUICE_CHAOS_KILLS scale it up for the long run by hand.

namespace {

const int events = env_int("SLUICE_CHAOS_EVENTS", 200000);

std::string pipeline(const temp_dir& t, const std::string& out, bool checkpoints) {
  auto stages = test_plugins() + "/test-stages.so#";
  return "[pipeline]\nname = \"chaos\"\n" +
         (checkpoints ? "state_dir = \"" + t / (out + "-state") + "\"\ncheckpoint_interval = \"100ms\"\n"
                      : std::string{}) +
         "\n[[stage]]\nname = \"src\"\nplugin = \"file-source\"\npath = \"" + t / "in/part-0-0.ndjson" +
         "\"\nevent_time = \"ts\"\n\n"
         "[[stage]]\nname = \"slow\"\nplugin = \"" + stages + "throttle\"\ninputs = [\"src\"]\ndelay = \"" +
         std::to_string(std::max(1, 2000 * 512 / events)) + "ms\"\n\n"
         "[[stage]]\nname = \"active\"\nplugin = \"filter\"\ninputs = [\"slow\"]\nwhere = 'status == \"active\"'\n\n"
         "[[stage]]\nname = \"unique\"\nplugin = \"dedupe\"\ninputs = [\"active\"]\nkey = [\"id\"]\nttl = \"1h\"\n\n"
         "[[stage]]\nname = \"orders\"\nplugin = \"file-sink\"\ninputs = [\"unique\"]\nroll_size = 100000\npath = \"" +
         t / (out + "/orders/{category}/part.ndjson") + "\"\n\n"
         "[[stage]]\nname = \"agg\"\nplugin = \"aggregate\"\ninputs = [\"active\"]\ngroup_by = [\"category\"]\n"
         "aggregations = { orders = \"count()\", total = \"sum(amount)\", top = \"max(amount)\" }\nwindow = \"1h\"\n\n"
         "[[stage]]\nname = \"hourly\"\nplugin = \"file-sink\"\ninputs = [\"agg\"]\npath = \"" +
         t / (out + "/hourly/part.ndjson") + "\"\n";
}

std::string id_of(const std::string& line) {
  auto p = line.find("\"id\":");
  return line.substr(p + 5, line.find(',', p) - p - 5);
}

struct expected {
  std::map<std::string, int> ids;
  std::vector<std::string> hourly;
};

std::vector<std::string> sorted_lines(const std::string& dir) {
  auto v = published_lines(dir);
  std::sort(v.begin(), v.end());
  return v;
}

void check(const temp_dir& t, const std::string& out, const expected& ref) {
  std::map<std::string, int> seen;
  for (auto& l : published_lines(t / (out + "/orders")))
    seen[id_of(l)] += 1;
  size_t missing = 0, doubled = 0, unexpected = 0;
  for (auto& [id, n] : ref.ids)
    missing += seen.count(id) ? 0 : 1;
  for (auto& [id, n] : seen) {
    doubled += n > 1 ? 1 : 0;
    unexpected += ref.ids.count(id) ? 0 : 1;
  }
  BOOST_TEST(missing == 0u);
  BOOST_TEST(doubled == 0u);
  BOOST_TEST(unexpected == 0u);
  BOOST_TEST(sorted_lines(t / (out + "/hourly")) == ref.hourly, "aggregates differ from the uninterrupted run");
}

struct fixture {
  temp_dir t;
  expected ref;
  fixture() {
    write_file(t / "gen.toml", "[[stage]]\nname = \"g\"\nplugin = \"generator\"\ncount = " + std::to_string(events) +
                                 "\nseed = 9\n\n[[stage]]\nname = \"w\"\nplugin = \"file-sink\"\ninputs = [\"g\"]\n"
                                 "roll_size = 1000000000\npath = \"" + t / "in/part.ndjson" + "\"\n");
    BOOST_REQUIRE(run_sluice({"run", "--config", t / "gen.toml"}).exit_code == 0);
    write_file(t / "ref.toml", pipeline(t, "ref", false));
    auto o = run_sluice({"run", "--config", t / "ref.toml"});
    BOOST_REQUIRE_MESSAGE(o.exit_code == 0, o.err);
    for (auto& l : published_lines(t / "ref/orders"))
      ref.ids[id_of(l)] += 1;
    ref.hourly = sorted_lines(t / "ref/hourly");
    BOOST_REQUIRE(ref.ids.size() > static_cast<size_t>(events / 2));
    BOOST_REQUIRE(ref.hourly.size() > 10u);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(chaos, fixture)

BOOST_AUTO_TEST_CASE(sigkill_at_seeded_moments_keeps_ids_exactly_once_and_aggregates_exact) {
  auto s = env("SLUICE_TEST_SEED").empty() ? 4242u : static_cast<unsigned>(std::stoul(env("SLUICE_TEST_SEED")));
  int kills = env_int("SLUICE_CHAOS_KILLS", 10);
  BOOST_TEST_MESSAGE("chaos: " << events << " events, " << kills << " kills, seed " << s
                               << " (SLUICE_TEST_SEED / SLUICE_CHAOS_EVENTS / SLUICE_CHAOS_KILLS)");
  write_file(t / "p.toml", pipeline(t, "out", true));
  std::mt19937 rng{s};
  std::uniform_int_distribution<int> delay_ms{50, 900};
  for (int k = 0; k < kills; ++k) {
    child c({sluice_bin(), "run", "--config", t / "p.toml"});
    std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)}); // the fault schedule
    c.signal(SIGKILL);
    c.wait();
  }
  auto last = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(last.exit_code == 0, last.err);
  check(t, "out", ref);
}

BOOST_AUTO_TEST_CASE(a_crash_at_every_failpoint_keeps_ids_exactly_once_and_aggregates_exact) {
  write_file(t / "p.toml", pipeline(t, "fp", true));
  for (auto point : {"after_precommit:5", "between_publishes:2", "after_state_commit:4", "during_restore:1",
                     "after_state_commit:3"}) {
    setenv("SLUICE_FAILPOINT", point, 1);
    auto crashed = run_sluice({"run", "--config", t / "p.toml"});
    unsetenv("SLUICE_FAILPOINT");
    BOOST_TEST(crashed.exit_code == 128 + SIGABRT, point << ": " << crashed.err);
  }
  auto last = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(last.exit_code == 0, last.err);
  check(t, "fp", ref);
}

BOOST_AUTO_TEST_SUITE_END()
