#define BOOST_TEST_MODULE sluice reload
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "support/process.hpp"

// Hot reload under load: a stateful counter swapped between v1 and v2 while records flow.

using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

std::string plugins() { return test_plugins(); }

/// seq-source (practically endless) -> throttle -> counter (t/counter.so) -> file-sink.
std::string pipeline(const temp_dir& t, bool watch = false, const std::string& delay = "1ms",
                     const std::string& tag = "") {
  auto stages = plugins() + "/test-stages.so#";
  return "[pipeline]\nname = \"reload\"\nstate_dir = \"" + t / "state" +
         "\"\ncheckpoint_interval = \"100ms\"\nbatch_size = 50\nwatch_plugins = " + (watch ? "true" : "false") +
         "\n\n"
         "[[stage]]\nname = \"src\"\nplugin = \"" + stages + "seq-source\"\ncount = 100000000\n\n"
         "[[stage]]\nname = \"slow\"\nplugin = \"" + stages + "throttle\"\ninputs = [\"src\"]\ndelay = \"" + delay + "\"\n\n"
         "[[stage]]\nname = \"counter\"\nplugin = \"" + t / "counter.so" + "\"\ninputs = [\"slow\"]\n"
         "parallelism = 2\npartition = \"key\"\nkey = [\"k\"]\n" +
         (tag.empty() ? "" : "tag = \"" + tag + "\"\n") + "\n"
         "[[stage]]\nname = \"lake\"\nplugin = \"file-sink\"\ninputs = [\"counter\"]\npath = \"" + t / "out" +
         "/part.ndjson\"\n";
}

/// Installs `file` as t/counter.so the way a build should: written aside, then renamed.
void install(const temp_dir& t, const std::string& file, size_t bytes = 0) {
  auto tmp = t / "counter.so.tmp";
  fs::copy_file(file, tmp, fs::copy_options::overwrite_existing);
  if (bytes)
    fs::resize_file(tmp, bytes); // a half-written file
  fs::rename(tmp, t / "counter.so");
}

std::string version(int v) { return plugins() + "/counter-v" + std::to_string(v) + ".so"; }

/// Starts the node and waits (polling, up to a minute) until its admin socket is up.
std::unique_ptr<child> start_node(const temp_dir& t) {
  fs::remove(t / "state/admin.sock"); // a crashed node's socket is stale
  auto c = std::make_unique<child>(std::vector<std::string>{sluice_bin(), "run", "--config", t / "p.toml"});
  struct stat st;
  for (int i = 0; i < 6000 && ::stat((t / "state/admin.sock").c_str(), &st) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  BOOST_TEST_REQUIRE(::stat((t / "state/admin.sock").c_str(), &st) == 0, "no admin socket: " << c->err());
  return c;
}

outcome reload(const temp_dir& t) { return run_sluice({"reload", "--config", t / "p.toml", "counter"}); }

std::string field(const std::string& line, const std::string& name) {
  auto key = "\"" + name + "\":";
  auto at = line.find(key);
  if (at == std::string::npos)
    return {};
  auto v = line.substr(at + key.size());
  if (v[0] == '"')
    return v.substr(1, v.find('"', 1) - 1);
  return v.substr(0, v.find_first_of(",}"));
}

struct checked {
  size_t records = 0;
  size_t switches = 0; ///< format changes in id order
  std::map<int, size_t> by_version;
};

/// Every id 0..n-1 exactly once, the count per key going 1, 2, 3, ... in id order across
/// versions, and each line in the format of one version.
checked check_output(const temp_dir& t) {
  std::map<long long, std::string> by_id;
  for (auto& l : published_lines(t / "out")) {
    auto id = std::stoll(field(l, "id"));
    BOOST_TEST_REQUIRE(by_id.emplace(id, l).second, "id " << id << " published twice");
  }
  checked out;
  out.records = by_id.size();
  BOOST_TEST_REQUIRE(!by_id.empty());
  BOOST_TEST(by_id.rbegin()->first == static_cast<long long>(by_id.size()) - 1, "ids are not 0..n-1");
  std::map<std::string, long long> last;
  int previous = 0;
  for (auto& [id, l] : by_id) {
    int v = std::stoi(field(l, "v"));
    auto key = field(l, v == 1 ? "k" : "key");
    auto n = std::stoll(field(l, v == 1 ? "count" : "n"));
    BOOST_TEST_REQUIRE((v == 1 || v == 2), l);
    BOOST_TEST_REQUIRE(n == last[key] + 1, "key " << key << " counted " << n << " after " << last[key] << ": " << l);
    last[key] = n;
    out.switches += previous && v != previous;
    previous = v;
    ++out.by_version[v];
  }
  return out;
}

long long percentile(std::vector<long long> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

} // namespace

BOOST_AUTO_TEST_CASE(fifty_swaps_under_load_keep_every_record_once_and_the_counts_going) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  auto node = start_node(t);
  std::vector<long long> stalls;
  for (int i = 0; i < 50; ++i) {
    install(t, version(i % 2 == 0 ? 2 : 1));
    auto o = reload(t);
    BOOST_TEST_REQUIRE(o.exit_code == 0, "swap " << i << ": " << o.err);
    BOOST_TEST_REQUIRE(o.out.find("stall_us=") != std::string::npos, o.out);
    stalls.push_back(std::stoll(o.out.substr(o.out.find("stall_us=") + 9)));
  }
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  auto c = check_output(t);
  BOOST_TEST_MESSAGE("50 swaps: stall p50 " << percentile(stalls, 0.5) << " us, p99 " << percentile(stalls, 0.99)
                                            << " us, max " << percentile(stalls, 1.0) << " us; " << c.records
                                            << " records, " << c.switches << " format switches");
  BOOST_TEST(c.by_version[1] > 0u);
  BOOST_TEST(c.by_version[2] > 0u);
  BOOST_TEST(c.switches >= 10u, "records flowed between only " << c.switches << " of the 50 swaps");
}

BOOST_AUTO_TEST_CASE(a_broken_new_version_is_refused_and_the_old_one_keeps_running) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  auto node = start_node(t);
  struct bad {
    std::string file;
    size_t bytes;
    std::string says;
  };
  for (auto& b : {bad{plugins() + "/wrong-major.so", 0, "ABI 2.0"},
                  bad{plugins() + "/no-entry.so", 0, "sluice_plugin_entry"},
                  bad{version(3), 0, "failed in restore: counter 3 cannot read any state"},
                  bad{version(2), 4096, "pre-check"}}) { // cut in its ELF headers
    install(t, b.file, b.bytes);
    auto o = reload(t);
    BOOST_TEST(o.exit_code == 1, b.file);
    BOOST_TEST(o.err.find(b.says) != std::string::npos, o.err);
  }
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  auto c = check_output(t);
  BOOST_TEST(c.by_version[2] == 0u); // never swapped
  BOOST_TEST(c.by_version[1] == c.records);
}

BOOST_AUTO_TEST_CASE(two_reloads_at_once_are_both_served_in_turn) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  auto node = start_node(t);
  install(t, version(2));
  outcome a, b;
  std::thread other([&] { b = reload(t); });
  a = reload(t);
  other.join();
  BOOST_TEST(a.exit_code == 0, a.err);
  BOOST_TEST(b.exit_code == 0, b.err);
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  check_output(t);
}

BOOST_AUTO_TEST_CASE(a_crash_in_the_middle_of_a_swap_recovers_exactly_once_with_the_new_file) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  setenv("SLUICE_FAILPOINT", "during_swap:1", 1);
  auto node = start_node(t);
  unsetenv("SLUICE_FAILPOINT");
  install(t, version(2));
  auto o = reload(t);
  BOOST_TEST(o.exit_code == 1); // the node died answering
  BOOST_TEST(node->wait() == 128 + SIGABRT);
  auto again = start_node(t); // restarted as systemd would, with the file the config names: v2
  BOOST_TEST(reload(t).exit_code == 0); // and reloading v2 over v2 is harmless
  again->signal(SIGTERM);
  BOOST_TEST_REQUIRE(again->wait() == 0, again->err());
  auto c = check_output(t);
  BOOST_TEST(c.by_version[2] > 0u);
}

/// Waits (polling the node's log, up to a minute) until it says `what`.
bool logged(const child& node, const std::string& what) {
  for (int i = 0; i < 6000; ++i) {
    if (node.err().find(what) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return false;
}

BOOST_AUTO_TEST_CASE(replacing_the_plugin_file_reloads_it_without_being_asked) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t, true));
  auto node = start_node(t);
  install(t, version(2)); // renamed into place: a complete file
  BOOST_TEST(logged(*node, "now runs counter 2.0.0"), node->err());
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  BOOST_TEST(check_output(t).by_version[2] > 0u);
}

BOOST_AUTO_TEST_CASE(sighup_applies_a_new_file_and_reloadable_options_and_refuses_the_rest) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  auto node = start_node(t);
  write_file(t / "p.toml", pipeline(t, false, "2ms")); // throttle's delay is not reloadable
  node->signal(SIGHUP);
  BOOST_TEST(logged(*node, "option `delay` changed but throttle does not mark it reloadable; restart the node"),
             node->err());
  write_file(t / "p.toml", pipeline(t, false, "1ms", "blue")); // counter's tag is
  install(t, version(2));
  node->signal(SIGHUP);
  BOOST_TEST(logged(*node, "now runs counter 2.0.0"), node->err());
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  auto lines = published_lines(t / "out");
  BOOST_TEST(std::any_of(lines.begin(), lines.end(),
                         [](auto& l) { return l.find("\"v\":2") != std::string::npos && l.find("\"tag\":\"blue\"") != std::string::npos; }));
  check_output(t);
}

BOOST_AUTO_TEST_CASE(reloading_the_two_phase_commit_sink_mid_epoch_keeps_every_record_once) {
  temp_dir t;
  install(t, version(1));
  write_file(t / "p.toml", pipeline(t));
  auto node = start_node(t);
  for (int i = 0; i < 10; ++i) {
    auto o = run_sluice({"reload", "--config", t / "p.toml", "lake"});
    BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  }
  node->signal(SIGTERM);
  BOOST_TEST_REQUIRE(node->wait() == 0, node->err());
  check_output(t);
}
