/// The "spread" pipeline the multi-node tests run on three node processes, its single-node
/// reference output, and the check that a run gave exactly that: the source and the sinks on
/// a, a keyed filter and a keyed aggregate over b and c, checkpoints every 100 ms.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace sluice::test {

/// The pipeline; `nodes` is the [nodes.*] text (empty: one node). Checkpoints every 100 ms
/// when placed on nodes or asked for.
inline std::string spread_pipeline(const temp_dir& t, const std::string& out, const std::string& nodes, int events,
                                   int rate, bool checkpoints = false) {
  bool placed = !nodes.empty();
  auto at = [&](const char* where) { return placed ? std::string{where} + "\n" : std::string{}; };
  return "[pipeline]\nname = \"spread\"\nbatch_size = 100\n" +
         (placed || checkpoints
            ? "state_dir = \"" + t / (out + "-state/${SLUICE_NODE}") + "\"\ncheckpoint_interval = \"100ms\"\n\n"
            : std::string{}) +
         nodes + "\n" +
         "[[stage]]\nname = \"orders\"\nplugin = \"generator\"\ncount = " + std::to_string(events) +
         "\nseed = 5\nrate = " + std::to_string(rate) + "\n" + at("node = \"a\"") +
         "\n[[stage]]\nname = \"active\"\nplugin = \"filter\"\ninputs = [\"orders\"]\nwhere = 'status == \"active\"'\n"
         "parallelism = 2\npartition = \"key\"\nkey = [\"id\"]\n" + at("nodes = [\"b\", \"c\"]") +
         "\n[[stage]]\nname = \"ids\"\nplugin = \"file-sink\"\ninputs = [\"active\"]\nroll_size = 100000\npath = \"" +
         t / (out + "/ids/part.ndjson") + "\"\n" + at("node = \"a\"") +
         "\n[[stage]]\nname = \"agg\"\nplugin = \"aggregate\"\ninputs = [\"active\"]\ngroup_by = [\"category\"]\n"
         "aggregations = { orders = \"count()\", total = \"sum(amount)\" }\nwindow = \"1h\"\nparallelism = 2\n"
         "partition = \"key\"\nkey = [\"category\"]\n" + at("nodes = [\"b\", \"c\"]") +
         "\n[[stage]]\nname = \"hourly\"\nplugin = \"file-sink\"\ninputs = [\"agg\"]\npath = \"" +
         t / (out + "/hourly/part.ndjson") + "\"\n" + at("node = \"a\"");
}

/// [nodes.a], [nodes.b], [nodes.c] at `host(i)`:`port + i`.
template <class Host>
std::string spread_nodes(Host host, int port) {
  std::string out;
  for (int i = 0; i < 3; ++i)
    out += "[nodes." + std::string(1, static_cast<char>('a' + i)) + "]\naddress = \"tcp://" + host(i) + ":" +
           std::to_string(port + i) + "\"\n";
  return out + "\n";
}

/// The "id" field of an NDJSON line (the whole line when it has none).
inline std::string id_of(const std::string& line) {
  auto p = line.find("\"id\":");
  return p == std::string::npos ? line : line.substr(p + 5, line.find(',', p) - p - 5);
}

inline std::vector<std::string> sorted_lines(const std::string& dir) {
  auto v = published_lines(dir);
  std::sort(v.begin(), v.end());
  return v;
}

/// One node process, started again after every kill.
struct node_process {
  std::string name;
  std::vector<std::string> argv;
  std::unique_ptr<child> proc;
  void start() { proc = std::make_unique<child>(argv); }
};

/// Waits until `text` shows in the node's log (a condition, polled; false after 60 s).
inline bool wait_for_log(node_process& n, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (n.proc->err().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

/// The single-node reference run and the check of a run against it.
struct spread_reference {
  temp_dir t;
  int event_count;
  std::map<std::string, int> ref_ids;
  std::vector<std::string> ref_hourly;

  explicit spread_reference(int events) : event_count(events) {
    write_file(t / "one.toml", spread_pipeline(t, "ref", "", events, 0));
    auto o = run_sluice({"run", "--config", t / "one.toml"});
    BOOST_REQUIRE_MESSAGE(o.exit_code == 0, o.err);
    for (auto& l : published_lines(t / "ref/ids"))
      ref_ids[id_of(l)] += 1;
    ref_hourly = sorted_lines(t / "ref/hourly");
    BOOST_REQUIRE(ref_ids.size() > static_cast<size_t>(events / 4));
    BOOST_REQUIRE(ref_hourly.size() > 10u);
  }

  /// Nodes a, b, c of `config`, each started as `prefix` + sluice run ... (prefix: e.g. a netns).
  std::vector<node_process> launch(const std::string& config,
                                   std::vector<std::string> (*prefix)(const std::string&) = nullptr) {
    std::vector<node_process> ns;
    for (auto n : {"a", "b", "c"}) {
      auto argv = prefix ? prefix(n) : std::vector<std::string>{};
      for (auto& a : {sluice_bin(), std::string{"run"}, std::string{"--config"}, config, std::string{"--node"},
                      std::string{n}})
        argv.push_back(a);
      ns.push_back({n, argv, nullptr});
    }
    for (auto& n : ns)
      n.start();
    return ns;
  }

  /// Every id exactly once, the aggregates exact.
  void check(const std::string& out) {
    std::map<std::string, int> seen;
    for (auto& l : published_lines(t / (out + "/ids")))
      seen[id_of(l)] += 1;
    size_t missing = 0, doubled = 0, unexpected = 0;
    for (auto& [id, n] : ref_ids)
      missing += seen.count(id) ? 0 : 1;
    for (auto& [id, n] : seen) {
      doubled += n > 1 ? 1 : 0;
      unexpected += ref_ids.count(id) ? 0 : 1;
    }
    BOOST_TEST(missing == 0u);
    BOOST_TEST(doubled == 0u);
    BOOST_TEST(unexpected == 0u);
    BOOST_TEST(sorted_lines(t / (out + "/hourly")) == ref_hourly, "aggregates differ from the single-node run");
  }
};

} // namespace sluice::test
