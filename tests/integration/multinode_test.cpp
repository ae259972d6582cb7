#define BOOST_TEST_MODULE sluice multinode
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "support/process.hpp"
#include "support/spread_pipeline.hpp"

// Several node processes on loopback, one config file, stages placed with node/nodes.

using namespace sluice::test;

namespace {

/// Three nodes on loopback ports derived from the pid (so parallel test runs do not collide).
std::string nodes() {
  int base = loopback_ports();
  std::string out;
  for (int i = 0; i < 3; ++i)
    out += "[nodes." + std::string(1, static_cast<char>('a' + i)) + "]\naddress = \"tcp://127.0.0.1:" +
           std::to_string(base + i) + "\"\n";
  return out + "\n";
}

/// generator on a -> keyed aggregate over b and c -> file-sink on a; `placed` false: one node.
std::string pipeline(const temp_dir& t, const std::string& out, bool placed) {
  return "[pipeline]\nname = \"three\"\nbatch_size = 100\n\n" + (placed ? nodes() : std::string{}) +
         "[[stage]]\nname = \"orders\"\nplugin = \"generator\"\ncount = 20000\nseed = 3\n" +
         (placed ? "node = \"a\"\n" : "") +
         "\n[[stage]]\nname = \"agg\"\nplugin = \"aggregate\"\ninputs = [\"orders\"]\ngroup_by = [\"category\"]\n"
         "aggregations = { orders = \"count()\", total = \"sum(amount)\" }\nwindow = \"1h\"\nparallelism = 2\n"
         "partition = \"key\"\nkey = [\"category\"]\n" + (placed ? "nodes = [\"b\", \"c\"]\n" : "") +
         "\n[[stage]]\nname = \"sink\"\nplugin = \"file-sink\"\ninputs = [\"agg\"]\npath = \"" + t / out +
         "/part.ndjson\"\n" + (placed ? "node = \"a\"\n" : "");
}

/// From a node's log: "link: sent N frame(s) in M message(s)".
std::pair<long long, long long> sent_frames_and_messages(const std::string& log) {
  auto p = log.find("link: sent ");
  BOOST_TEST_REQUIRE(p != std::string::npos, log);
  auto frames = std::stoll(log.substr(p + 11));
  auto m = log.find(" in ", p);
  return {frames, std::stoll(log.substr(m + 4))};
}

long long stat(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":");
  BOOST_TEST_REQUIRE(p != std::string::npos, key << " not in " << json);
  return std::stoll(json.substr(p + key.size() + 3));
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(three_nodes_on_loopback_give_the_output_of_one_node_whatever_order_they_start_in) {
  temp_dir t;
  write_file(t / "one.toml", pipeline(t, "ref", false));
  BOOST_TEST_REQUIRE(run_sluice({"run", "--config", t / "one.toml"}).exit_code == 0);
  write_file(t / "p.toml", pipeline(t, "out", true));
  // The consumers last: a's source sends before b and c listen; the links wait for them.
  child a({sluice_bin(), "run", "--config", t / "p.toml", "--node", "a"});
  child b({sluice_bin(), "run", "--config", t / "p.toml", "--node", "b"});
  auto c = run_sluice({"run", "--config", t / "p.toml", "--node", "c"});
  BOOST_TEST(c.exit_code == 0, c.err);
  BOOST_TEST(b.wait() == 0, b.err());
  BOOST_TEST(a.wait() == 0, a.err());
  auto ref = sorted(published_lines(t / "ref"));
  BOOST_TEST(ref.size() > 1000u);
  BOOST_TEST((sorted(published_lines(t / "out")) == ref));
  // What a source polls in one go leaves as one link message per node, not a message a batch.
  auto [frames, messages] = sent_frames_and_messages(a.err());
  BOOST_TEST_MESSAGE("node a sent " << frames << " frames in " << messages << " messages");
  BOOST_TEST(frames >= 400); // 200 batches, each split between b and c
  BOOST_TEST(messages * 3 < frames * 2); // one message a frame when nothing is grouped
}

BOOST_AUTO_TEST_CASE(a_slow_sink_on_one_node_holds_the_source_on_another_within_the_credit_bounds) {
  temp_dir t;
  auto stages = test_plugins() + "/test-stages.so#";
  write_file(t / "p.toml", "[pipeline]\nname = \"slow\"\nbatch_size = 100\ncredits = 2\n\n" + nodes() +
                             "[[stage]]\nname = \"src\"\nplugin = \"" + stages +
                             "seq-source\"\ncount = 20000\nnode = \"a\"\n\n"
                             "[[stage]]\nname = \"sink\"\nplugin = \"" + stages +
                             "slow-sink\"\ninputs = [\"src\"]\ndelay = \"5ms\"\nnode = \"b\"\n");
  child b({sluice_bin(), "run", "--config", t / "p.toml", "--node", "b", "--stats", t / "b.json"});
  auto a = run_sluice({"run", "--config", t / "p.toml", "--node", "a", "--stats", t / "a.json"});
  BOOST_TEST_REQUIRE(a.exit_code == 0, a.err);
  BOOST_TEST_REQUIRE(b.wait() == 0, b.err());
  auto sa = read_file(t / "a.json"), sb = read_file(t / "b.json");
  BOOST_TEST(stat(sb, "records") == 20000); // every record arrived
  // The sink's queue never held more than its credits allow, and node a never held more than
  // its bound: the source waited for credit that came back over the link.
  BOOST_TEST(stat(sb, "max_queued_records") <= 2 * 100);
  BOOST_TEST(stat(sa, "in_flight_max") <= stat(sa, "in_flight_bound"));
  BOOST_TEST(stat(sb, "in_flight_max") <= stat(sb, "in_flight_bound"));
}

BOOST_AUTO_TEST_CASE(a_node_told_to_stop_while_its_peers_never_came_exits_0_at_once) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t, "out", true));
  for (std::string node : {"a", "b"}) { // the leader and a follower, each alone
    node_process n{node, {sluice_bin(), "run", "--config", t / "p.toml", "--node", node}, nullptr};
    n.start();
    BOOST_TEST_REQUIRE(wait_for_log(n, "listens on"), n.proc->err());
    n.proc->signal(SIGTERM);
    BOOST_TEST(n.proc->wait() == 0, n.proc->err()); // not waiting for b and c forever
    BOOST_TEST(n.proc->err().find("stopped while no generation ran here") != std::string::npos, n.proc->err());
  }
}
