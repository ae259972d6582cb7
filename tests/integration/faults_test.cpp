#define BOOST_TEST_MODULE sluice faults
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "support/process.hpp"

// Issue 5's "done when": a throwing plugin, a sink that is down for 20 s, a
// plugin that aborts, and stage restarts, all against the real binary.

using namespace sluice::test;

namespace {

std::string faults() { return test_plugins() + "/fault-stages.so#"; }
std::string stages() { return test_plugins() + "/test-stages.so#"; }

std::string checkpointed(const temp_dir& t, const std::string& name) {
  return "[pipeline]\nname = \"" + name + "\"\nstate_dir = \"" + t / "state" +
         "\"\ncheckpoint_interval = \"100ms\"\nbatch_size = 100\n\n";
}

std::string source(int64_t count) {
  return "[[stage]]\nname = \"src\"\nplugin = \"" + stages() + "seq-source\"\ncount = " + std::to_string(count) +
         "\n\n";
}

/// Rolls small files, so output is published at every checkpoint.
std::string lake(const temp_dir& t, const std::string& input) {
  return "[[stage]]\nname = \"lake\"\nplugin = \"file-sink\"\ninputs = [\"" + input + "\"]\npath = \"" +
         t / "out" + "/part.ndjson\"\nroll_size = 20000\n";
}

/// How many times each id was published.
std::map<int64_t, int> ids(const std::vector<std::string>& lines) {
  std::map<int64_t, int> out;
  for (auto& l : lines)
    ++out[std::stoll(l.substr(l.find("\"id\":") + 5))];
  return out;
}

long long stat(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":");
  BOOST_TEST_REQUIRE(p != std::string::npos, key << " not in " << json);
  return std::stoll(json.substr(p + key.size() + 3));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

/// Waits (polling the output, up to a minute) until `dir` holds published records.
bool wait_for_output(const std::string& dir) {
  for (int i = 0; i < 6000; ++i) {
    if (!published_lines(dir).empty())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(records_a_plugin_throws_on_are_dead_lettered_and_the_rest_delivered_exactly_once_across_a_sigkill) {
  temp_dir t;
  const int64_t n = 20000;
  write_file(t / "p.toml",
             checkpointed(t, "poison") + source(n) +
               "[[stage]]\nname = \"slow\"\nplugin = \"" + stages() + "throttle\"\ninputs = [\"src\"]\n"
               "delay = \"20ms\"\n\n"
               "[[stage]]\nname = \"flaky\"\nplugin = \"" + faults() + "flaky-transform\"\ninputs = [\"slow\"]\n"
               "every = 1000\nemit_first = true\non_error = { retries = 3, backoff = \"1ms..4ms\" }\n\n" +
               lake(t, "flaky"));
  {
    child c({sluice_bin(), "run", "--config", t / "p.toml"});
    BOOST_TEST_REQUIRE(wait_for_output(t / "out"), "no output was published within a minute");
    c.signal(SIGKILL);
    BOOST_TEST(c.wait() == 128 + SIGKILL);
  }
  BOOST_TEST(published_lines(t / "out").size() < static_cast<size_t>(n), "the kill came after the end");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);

  auto seen = ids(published_lines(t / "out"));
  BOOST_TEST(seen.size() == static_cast<size_t>(n - n / 1000));
  for (int64_t id = 0; id < n; ++id) {
    int expected = id % 1000 == 999 ? 0 : 1; // the poison record's early emit was taken back
    if (seen[id] != expected)
      BOOST_TEST_FAIL("id " << id << " published " << seen[id] << " times, expected " << expected);
  }
  auto listed = run_sluice({"dlq", "list", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(listed.exit_code == 0, listed.err);
  auto entries = lines_of(listed.out);
  BOOST_TEST(entries.size() == static_cast<size_t>(n / 1000), listed.out);
  for (auto& e : entries) {
    BOOST_TEST(e.find("flaky#0") != std::string::npos, e);
    BOOST_TEST(e.find("attempts=4") != std::string::npos, e);
    BOOST_TEST(e.find("is poison") != std::string::npos, e);
  }
}

BOOST_AUTO_TEST_CASE(records_that_keep_failing_are_dropped_and_counted_when_on_error_says_drop) {
  temp_dir t;
  write_file(t / "p.toml",
             source(5000) + "[[stage]]\nname = \"flaky\"\nplugin = \"" + faults() +
               "flaky-transform\"\ninputs = [\"src\"]\nevery = 500\n"
               "on_error = { retries = 1, backoff = \"1ms..1ms\", then = \"drop\" }\n\n"
               "[[stage]]\nname = \"out\"\nplugin = \"stdout-sink\"\ninputs = [\"flaky\"]\n");
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  BOOST_TEST(lines_of(o.out).size() == 4990u);
  auto s = read_file(t / "stats.json");
  BOOST_TEST(stat(s, "dropped_on_error") == 10);
  BOOST_TEST(stat(s, "errors") == 20); // two attempts each
}

BOOST_AUTO_TEST_CASE(a_sink_down_for_20_seconds_opens_its_breaker_without_a_retry_storm_and_loses_nothing) {
  temp_dir t;
  write_file(t / "p.toml",
             source(3000) + "[[stage]]\nname = \"deliver\"\nplugin = \"" + faults() +
               "outage-sink\"\ninputs = [\"src\"]\npath = \"" + t / "delivered.ndjson" +
               "\"\nfail_for = \"20s\"\nbreaker = { failures = 5, open_for = \"5s\" }\n"
               "on_error = { backoff = \"100ms..1s\" }\n");
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  auto delivered = ids(lines_of(read_file(t / "delivered.ndjson")));
  BOOST_TEST(delivered.size() == 3000u);
  BOOST_TEST(std::all_of(delivered.begin(), delivered.end(), [](auto& kv) { return kv.second == 1; }));
  auto s = read_file(t / "stats.json");
  // 5 failures close together open it (100+200+400+800 ms), then one probe per 5 s until the
  // destination is back after 20 s: about 4 probes. A retry storm would be hundreds.
  auto failures = stat(s, "delivery_failures");
  BOOST_TEST(failures >= 5);
  BOOST_TEST(failures <= 10);
  BOOST_TEST(stat(s, "breaker_opened") >= 1);
  BOOST_TEST(stat(s, "breaker_closed") == 1);
  BOOST_TEST(o.err.find("circuit breaker open after 5 failure(s) in a row") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("circuit breaker closed") != std::string::npos, o.err);
}

BOOST_AUTO_TEST_CASE(a_plugin_calling_abort_kills_the_node_and_the_restarted_node_keeps_the_output_exactly_once) {
  temp_dir t;
  const int64_t n = 20000;
  write_file(t / "p.toml",
             checkpointed(t, "abort") + source(n) +
               "[[stage]]\nname = \"crash\"\nplugin = \"" + faults() + "crash-transform\"\ninputs = [\"src\"]\n"
               "abort_at = 12345\nmarker = \"" + t / "aborted" + "\"\n\n" + lake(t, "crash"));
  auto died = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(died.exit_code == 128 + SIGABRT, died.err);
  auto o = run_sluice({"run", "--config", t / "p.toml"}); // what systemd or Kubernetes does
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  auto seen = ids(published_lines(t / "out"));
  BOOST_TEST(seen.size() == static_cast<size_t>(n));
  BOOST_TEST(std::all_of(seen.begin(), seen.end(), [](auto& kv) { return kv.second == 1; }));
}

BOOST_AUTO_TEST_CASE(a_failed_stage_restarts_the_pipeline_from_the_committed_checkpoint_exactly_once) {
  temp_dir t;
  const int64_t n = 20000;
  write_file(t / "p.toml",
             checkpointed(t, "restart") + source(n) +
               "[[stage]]\nname = \"crash\"\nplugin = \"" + faults() + "crash-transform\"\ninputs = [\"src\"]\n"
               "abort_at = 15000\nhow = \"throw\"\nmarker = \"" + t / "failed" + "\"\n"
               "on_error = { retries = 0, then = \"fail\" }\nrestart = { backoff = \"10ms..1s\" }\n\n" +
               lake(t, "crash"));
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  BOOST_TEST(stat(read_file(t / "stats.json"), "restarts") == 1);
  BOOST_TEST(o.err.find("restarting the pipeline from the last checkpoint") != std::string::npos, o.err);
  auto seen = ids(published_lines(t / "out"));
  BOOST_TEST(seen.size() == static_cast<size_t>(n));
  BOOST_TEST(std::all_of(seen.begin(), seen.end(), [](auto& kv) { return kv.second == 1; }));
}

BOOST_AUTO_TEST_CASE(dlq_replay_after_the_cause_is_fixed_delivers_the_dead_letters_exactly_once_even_across_a_crash) {
  temp_dir t;
  const int64_t n = 5000;
  auto config = [&](int64_t every) {
    return checkpointed(t, "replay") + source(n) + "[[stage]]\nname = \"flaky\"\nplugin = \"" + faults() +
           "flaky-transform\"\ninputs = [\"src\"]\nevery = " + std::to_string(every) +
           "\non_error = { retries = 1, backoff = \"1ms..1ms\" }\n\n" + lake(t, "flaky");
  };
  write_file(t / "p.toml", config(1000));
  auto first = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(first.exit_code == 0, first.err);
  BOOST_TEST(ids(published_lines(t / "out")).size() == static_cast<size_t>(n - 5));
  BOOST_TEST(lines_of(run_sluice({"dlq", "list", "--config", t / "p.toml"}).out).size() == 5u);

  write_file(t / "p.toml", config(1000000)); // the fix: nothing is poison any more
  auto queued = run_sluice({"dlq", "replay", "--config", t / "p.toml", "--stage", "flaky"});
  BOOST_TEST_REQUIRE(queued.exit_code == 0, queued.err);
  BOOST_TEST(queued.out.find("queued 5 dead letters for replay") != std::string::npos, queued.out);
  BOOST_TEST(lines_of(run_sluice({"dlq", "list", "--config", t / "p.toml"}).out).empty());

  setenv("SLUICE_FAILPOINT", "after_precommit:1", 1); // crash while the replay is being committed
  auto crashed = run_sluice({"run", "--config", t / "p.toml"});
  unsetenv("SLUICE_FAILPOINT");
  BOOST_TEST(crashed.exit_code == 128 + SIGABRT, crashed.err);
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  BOOST_TEST(stat(read_file(t / "stats.json"), "replayed") == 5);

  auto seen = ids(published_lines(t / "out"));
  BOOST_TEST(seen.size() == static_cast<size_t>(n));
  BOOST_TEST(std::all_of(seen.begin(), seen.end(), [](auto& kv) { return kv.second == 1; }));
  auto again = run_sluice({"run", "--config", t / "p.toml"}); // the queue is empty now
  BOOST_TEST(again.exit_code == 0, again.err);
  BOOST_TEST(ids(published_lines(t / "out")).size() == static_cast<size_t>(n));
  BOOST_TEST(published_lines(t / "out").size() == static_cast<size_t>(n));
}

BOOST_AUTO_TEST_CASE(dlq_replay_refuses_to_send_records_back_into_a_source_and_names_unknown_ids) {
  temp_dir t;
  write_file(t / "p.toml", checkpointed(t, "refuse") +
                             "[[stage]]\nname = \"read\"\nplugin = \"file-source\"\npath = \"" + source_root() +
                             "/tests/integration/data/orders.ndjson\"\n\n" + lake(t, "read"));
  BOOST_TEST_REQUIRE(run_sluice({"run", "--config", t / "p.toml"}).exit_code == 0);
  auto o = run_sluice({"dlq", "replay", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find("a source; name the stage that should read it with --into STAGE") != std::string::npos, o.err);
  auto unknown = run_sluice({"dlq", "replay", "--config", t / "p.toml", "--into", "lake", "read#0/9/9"});
  BOOST_TEST(unknown.exit_code == 2);
  BOOST_TEST(unknown.err.find("no dead letter read#0/9/9") != std::string::npos, unknown.err);
  BOOST_TEST(lines_of(run_sluice({"dlq", "list", "--config", t / "p.toml"}).out).size() == 4u); // untouched
}
