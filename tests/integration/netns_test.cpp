#define BOOST_TEST_MODULE sluice across network namespaces
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "support/spread_pipeline.hpp"

// The three nodes of the spread pipeline in three Linux network namespaces joined by a bridge
// (each namespace has its own address on a veth), and node b's link cut (interface down) while
// the pipeline runs. Needs root (CAP_NET_ADMIN) and `ip`; without them the module is skipped
// (exit 77) and says why. The 5 s cut runs in the suite; the 30 s cut is opt-in:
//   build/tests/integration/netns_test --run_test=netns/a_link_cut_for_30_s_loses_nothing_and_resumes_by_itself

using namespace sluice::test;

namespace {

const std::string tag = "sl" + std::to_string(::getpid() % 100000);
const std::string subnet = "10.77." + std::to_string(::getpid() % 250) + ".";

std::string ns(const std::string& node) { return tag + node; }
std::string bridge_ns() { return tag + "br"; }

bool ip(const std::vector<std::string>& args, std::string* why = nullptr) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  outcome o;
  try {
    o = run(argv);
  } catch (const std::exception& e) { // no `ip` here
    o.err = e.what();
  }
  if (o.exit_code != 0 && why) {
    *why = "`ip";
    for (auto& a : args)
      *why += " " + a;
    *why += "` failed: " + o.err;
  }
  return o.exit_code == 0;
}

/// Three namespaces a, b, c, each with `vX` at subnet.N on a bridge in a fourth namespace.
struct network {
  bool up = false;
  std::string why;

  network() {
    if (!ip({"netns", "add", bridge_ns()}, &why))
      return;
    up = ip({"-n", bridge_ns(), "link", "add", "br0", "type", "bridge"}, &why) &&
         ip({"-n", bridge_ns(), "link", "set", "br0", "up"}, &why);
    for (int i = 0; up && i < 3; ++i) {
      auto n = std::string(1, static_cast<char>('a' + i));
      auto v = "v" + tag + n, p = "p" + tag + n;
      up = ip({"netns", "add", ns(n)}, &why) &&
           ip({"link", "add", v, "netns", ns(n), "type", "veth", "peer", "name", p, "netns", bridge_ns()}, &why) &&
           ip({"-n", ns(n), "addr", "add", subnet + std::to_string(i + 1) + "/24", "dev", v}, &why) &&
           ip({"-n", ns(n), "link", "set", v, "up"}, &why) && ip({"-n", ns(n), "link", "set", "lo", "up"}, &why) &&
           ip({"-n", bridge_ns(), "link", "set", p, "master", "br0"}, &why) &&
           ip({"-n", bridge_ns(), "link", "set", p, "up"}, &why);
    }
  }
  ~network() {
    for (auto n : {"a", "b", "c"})
      ip({"netns", "del", ns(n)});
    ip({"netns", "del", bridge_ns()});
  }
  /// Node `n`'s interface down or up: its links are cut, or back.
  void link(const std::string& n, bool on) {
    BOOST_REQUIRE(ip({"-n", ns(n), "link", "set", "v" + tag + n, on ? "up" : "down"}));
  }
};

std::vector<std::string> in_namespace(const std::string& node) { return {"ip", "netns", "exec", ns(node)}; }

constexpr int events = 20000;

struct fixture : spread_reference {
  network net;
  fixture() : spread_reference(events) {
    if (!net.up) { // not a failure of sluice: this machine cannot make namespaces
      std::cout << "netns_test skipped: " << net.why << std::endl;
      std::_Exit(77);
    }
  }

  /// Runs the pipeline (its source about 4 s long) and cuts b's link for `cut` a second into the run.
  void run_with_cut(const std::string& out, std::chrono::seconds cut) {
    auto nodes = spread_nodes([](int i) { return subnet + std::to_string(i + 1); }, 7100);
    write_file(t / (out + ".toml"), spread_pipeline(t, out, nodes, events, events / 4));
    auto ns = launch(t / (out + ".toml"), in_namespace);
    BOOST_TEST_REQUIRE(wait_for_log(ns[0], "every node is ready"), ns[0].proc->err());
    std::this_thread::sleep_for(std::chrono::seconds{1}); // the fault schedule: into the run
    BOOST_TEST_MESSAGE("cutting node b's link for " << cut.count() << " s");
    net.link("b", false);
    std::this_thread::sleep_for(cut);
    net.link("b", true);
    for (auto& n : ns)
      BOOST_TEST(n.proc->wait() == 0, n.name << ": " << n.proc->err());
    check(out);
    BOOST_TEST_MESSAGE("node a said:\n" << ns[0].proc->err());
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(netns, fixture)

BOOST_AUTO_TEST_CASE(a_link_cut_for_5_s_loses_nothing_and_resumes_by_itself) {
  run_with_cut("cut5", std::chrono::seconds{5});
}

BOOST_AUTO_TEST_CASE(a_link_cut_for_30_s_loses_nothing_and_resumes_by_itself, *boost::unit_test::disabled()) {
  run_with_cut("cut30", std::chrono::seconds{30});
}

BOOST_AUTO_TEST_SUITE_END()
