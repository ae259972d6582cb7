#define BOOST_TEST_MODULE sluice dlq
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

using namespace sluice::test;

namespace {

/// file-source over the 30 orders with 4 malformed lines -> filter -> file-sink, checkpointed.
std::string pipeline(const temp_dir& t) {
  return "[pipeline]\nname = \"dlq\"\nstate_dir = \"" + t / "state" + "\"\ncheckpoint_interval = \"50ms\"\n\n"
         "[[stage]]\nname = \"read\"\nplugin = \"file-source\"\npath = \"" + source_root() +
         "/tests/integration/data/orders.ndjson\"\n\n"
         "[[stage]]\nname = \"active\"\nplugin = \"filter\"\ninputs = [\"read\"]\nwhere = 'status == \"active\"'\n\n"
         "[[stage]]\nname = \"write\"\nplugin = \"file-sink\"\ninputs = [\"active\"]\npath = \"" + t / "out" +
         "/part.ndjson\"\n";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

std::vector<std::string> list(const temp_dir& t, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"dlq", "list", "--config", t / "p.toml"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto o = run_sluice(args);
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  return lines(o.out);
}

bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// The 4 malformed lines, by byte offset and a word of their reason.
void check_the_four(const std::vector<std::string>& listed) {
  BOOST_TEST_REQUIRE(listed.size() == 4u);
  const char* expected[][2] = {{"read:0:652 ", "invalid JSON"},
                               {"read:0:1222 ", "invalid JSON"},
                               {"read:0:1803 ", "not a JSON object"},
                               {"read:0:2900 ", "invalid UTF-8"}};
  for (size_t i = 0; i < 4; ++i) {
    BOOST_TEST_CONTEXT("line " << listed[i]) {
      BOOST_TEST(printable_ascii(listed[i]));
      BOOST_TEST(contains(listed[i], expected[i][0]));
      BOOST_TEST(contains(listed[i], expected[i][1]));
      BOOST_TEST(contains(listed[i], " read#0 file-source@"));
      BOOST_TEST(contains(listed[i], " attempts=1 "));
    }
  }
  BOOST_TEST(contains(listed[3], "| {\"id\":103,\"status\":\"act\\xffive\"}"));
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_checkpointed_run_keeps_each_malformed_line_once_and_a_rerun_adds_none) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t));
  auto run = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
  auto listed = list(t);
  check_the_four(listed);
  BOOST_TEST(list(t, {"--stage", "read"}) == listed);
  BOOST_TEST(list(t, {"--stage", "active"}).empty());

  auto id = listed[3].substr(0, listed[3].find(' '));
  auto show = run_sluice({"dlq", "show", "--config", t / "p.toml", id});
  BOOST_TEST_REQUIRE(show.exit_code == 0, show.err);
  BOOST_TEST(contains(show.out, "offset 2900"));
  BOOST_TEST(contains(show.out, "{\"id\":103,\"status\":\"act\\xffive\"}\n"));
  BOOST_TEST(printable_ascii(lines(show.out).back()));
  BOOST_TEST(run_sluice({"dlq", "show", "--config", t / "p.toml", "nope#0/1/0"}).exit_code == 2);

  auto again = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(again.exit_code == 0, again.err);
  BOOST_TEST(list(t) == listed);
}

BOOST_AUTO_TEST_CASE(a_crash_before_the_commit_then_a_rerun_still_keeps_exactly_four) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t));
  setenv("SLUICE_FAILPOINT", "after_precommit:1", 1);
  auto crashed = run_sluice({"run", "--config", t / "p.toml"});
  unsetenv("SLUICE_FAILPOINT");
  BOOST_TEST_REQUIRE(crashed.exit_code == 128 + SIGABRT, crashed.err);
  BOOST_TEST(list(t).empty());
  auto run = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
  check_the_four(list(t));
  BOOST_TEST(sorted(published_lines(t / "out")) ==
             sorted(lines(read_file(source_root() + "/tests/integration/data/orders.active.expected.ndjson"))));
}

BOOST_AUTO_TEST_CASE(purge_empties_the_store_and_list_needs_a_state_dir) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t));
  BOOST_TEST(run_sluice({"dlq", "list", "--config", t / "p.toml"}).exit_code == 1); // no store yet
  BOOST_TEST_REQUIRE(run_sluice({"run", "--config", t / "p.toml"}).exit_code == 0);
  auto purged = run_sluice({"dlq", "purge", "--config", t / "p.toml"});
  BOOST_TEST(purged.exit_code == 0, purged.err);
  BOOST_TEST(contains(purged.out, "purged 4 dead letters"));
  BOOST_TEST(list(t).empty());

  auto text = pipeline(t);
  text.erase(text.find("state_dir"), text.find('\n', text.find("state_dir")) - text.find("state_dir") + 1);
  write_file(t / "plain.toml", text);
  auto plain = run_sluice({"dlq", "list", "--config", t / "plain.toml"});
  BOOST_TEST(plain.exit_code == 2);
  BOOST_TEST(contains(plain.err, "no state_dir"));
}

BOOST_AUTO_TEST_CASE(purge_refuses_while_the_node_runs_and_says_so) {
  temp_dir t;
  auto text = pipeline(t);
  text.replace(text.find("orders.ndjson\"\n"), 15, "orders.ndjson\"\nfollow = true\n");
  write_file(t / "p.toml", text);
  child c({sluice_bin(), "run", "--config", t / "p.toml"});
  // Wait for the first commit through the CLI itself: list works while the node runs.
  std::vector<std::string> listed;
  for (int i = 0; i < 200 && listed.size() < 4; ++i) {
    auto o = run_sluice({"dlq", "list", "--config", t / "p.toml"});
    listed = o.exit_code == 0 ? lines(o.out) : std::vector<std::string>{};
    if (listed.size() < 4)
      usleep(50000); // polling for the commit, not ordering
  }
  check_the_four(listed);
  auto purge = run_sluice({"dlq", "purge", "--config", t / "p.toml"});
  c.signal(SIGTERM);
  c.wait();
  BOOST_TEST(purge.exit_code == 1);
  BOOST_TEST(contains(purge.err, "another sluice process uses this state_dir"), purge.err);
  BOOST_TEST(list(t).size() == 4u);
}
