#define BOOST_TEST_MODULE sluice run
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <map>
#include <set>

#include "support/process.hpp"

using namespace sluice::test;

namespace {

std::string data(const std::string& name) {
  return source_root() + "/tests/integration/data/" + name;
}

std::string orders_pipeline(const std::string& out_dir, const std::string& input = data("orders.ndjson")) {
  return "[pipeline]\nname = \"orders\"\n\n"
         "[[stage]]\nname = \"read\"\nplugin = \"file-source\"\npath = \"" + input + "\"\n\n"
         "[[stage]]\nname = \"active\"\nplugin = \"filter\"\ninputs = [\"read\"]\nwhere = 'status == \"active\"'\n\n"
         "[[stage]]\nname = \"write\"\nplugin = \"file-sink\"\ninputs = [\"active\"]\npath = \"" + out_dir +
         "/part.ndjson\"\n";
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_bounded_pipeline_writes_exactly_the_expected_file_and_exits_zero) {
  temp_dir t;
  write_file(t / "p.toml", orders_pipeline(t / "out"));
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 0, o.err);
  BOOST_TEST(list_files(t / "out") == std::vector<std::string>{"part-0-0.ndjson"});
  BOOST_TEST(read_file(t / "out/part-0-0.ndjson") == read_file(data("orders.active.expected.ndjson")));
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_counted_and_reported_with_their_byte_offset_and_nothing_stops) {
  temp_dir t;
  write_file(t / "p.toml", orders_pipeline(t / "out"));
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST(o.exit_code == 0, o.err);
  BOOST_TEST(count(o.err, "dead letter") == 4u, o.err);
  BOOST_TEST(o.err.find("byte offset") != std::string::npos);
  auto stats = read_file(t / "stats.json");
  BOOST_TEST(stats.find("\"bad_records\":4") != std::string::npos, stats);
  BOOST_TEST(published_lines(t / "out").size() == 21u);
}

BOOST_AUTO_TEST_CASE(parallel_instances_deliver_every_record_exactly_once) {
  temp_dir t;
  write_file(t / "p.toml",
             "[[stage]]\nname = \"gen\"\nplugin = \"generator\"\ncount = 20000\nseed = 7\n\n"
             "[[stage]]\nname = \"keep\"\nplugin = \"filter\"\ninputs = [\"gen\"]\nparallelism = 2\n"
             "where = 'exists(id)'\n\n"
             "[[stage]]\nname = \"out\"\nplugin = \"file-sink\"\ninputs = [\"keep\"]\nparallelism = 2\n"
             "path = \"" + t / "out" + "/part.ndjson\"\n");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 0, o.err);
  auto files = list_files(t / "out");
  BOOST_TEST(files == (std::vector<std::string>{"part-0-0.ndjson", "part-1-0.ndjson"}));
  std::set<std::string> ids;
  auto lines = published_lines(t / "out");
  for (auto& l : lines)
    ids.insert(l.substr(0, l.find(',')));
  BOOST_TEST(lines.size() == 20000u);
  BOOST_TEST(ids.size() == 20000u);
}

BOOST_AUTO_TEST_CASE(key_partitioning_sends_each_key_to_one_instance) {
  temp_dir t;
  write_file(t / "p.toml",
             "[[stage]]\nname = \"gen\"\nplugin = \"generator\"\ncount = 5000\n\n"
             "[[stage]]\nname = \"out\"\nplugin = \"file-sink\"\ninputs = [\"gen\"]\nparallelism = 3\n"
             "partition = \"key\"\nkey = [\"category\"]\npath = \"" + t / "out" + "/part.ndjson\"\n");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 0, o.err);
  std::map<std::string, std::set<std::string>> instances_of_category;
  size_t total = 0;
  for (auto& f : list_files(t / "out")) {
    std::istringstream in{read_file(t / "out/" + f)};
    for (std::string l; std::getline(in, l); ++total) {
      auto c = l.find("\"category\":\"");
      instances_of_category[l.substr(c + 12, 5)].insert(f.substr(0, 6));
    }
  }
  BOOST_TEST(total == 5000u);
  BOOST_TEST(instances_of_category.size() == 10u);
  for (auto& [category, instances] : instances_of_category)
    BOOST_TEST(instances.size() == 1u, category);
}

BOOST_AUTO_TEST_CASE(a_plugin_failing_past_its_restart_limit_stops_the_node_with_exit_one_and_its_message) {
  temp_dir t;
  auto stages = test_plugins() + "/test-stages.so#";
  write_file(t / "p.toml",
             "[[stage]]\nname = \"src\"\nplugin = \"" + stages + "seq-source\"\ncount = 5000\n\n"
             "[[stage]]\nname = \"boom\"\nplugin = \"" + stages + "failing-transform\"\ninputs = [\"src\"]\n"
             "fail_at = 1234\non_error = { retries = 0, then = \"fail\" }\n"
             "restart = { max = 1, backoff = \"10ms..10ms\" }\n\n"
             "[[stage]]\nname = \"sink\"\nplugin = \"stdout-sink\"\ninputs = [\"boom\"]\n");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 1, o.err);
  BOOST_TEST(o.err.find("boom#0 (failing-transform) failed on a record after 1 attempt(s): refusing record 1234 "
                        "on purpose") != std::string::npos,
             o.err);
  BOOST_TEST(o.err.find("restarting the pipeline") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("node unhealthy: stage boom failed 2 time(s)") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("terminate called") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_a_following_source_cleanly_and_publishes_the_output) {
  temp_dir t;
  std::string input;
  for (int i = 0; i < 1000; ++i)
    input += "{\"id\":" + std::to_string(i) + "}\n";
  write_file(t / "in.ndjson", input);
  write_file(t / "p.toml",
             "[[stage]]\nname = \"tail\"\nplugin = \"file-source\"\npath = \"" + t / "in.ndjson" + "\"\nfollow = true\n\n"
             "[[stage]]\nname = \"echo\"\nplugin = \"stdout-sink\"\ninputs = [\"tail\"]\n\n"
             "[[stage]]\nname = \"keep\"\nplugin = \"file-sink\"\ninputs = [\"tail\"]\npath = \"" + t / "out" +
             "/part.ndjson\"\n");
  child c({sluice_bin(), "run", "--config", t / "p.toml"});
  std::string line;
  size_t seen = 0;
  while (seen < 1000 && c.read_line(line))
    ++seen;
  BOOST_REQUIRE(seen == 1000u); // every record went through: the source now waits for more
  c.signal(SIGTERM);
  BOOST_TEST(c.wait() == 0, c.err());
  BOOST_TEST(c.err().find("finishing cleanly") != std::string::npos);
  BOOST_TEST(list_files(t / "out") == std::vector<std::string>{"part-0-0.ndjson"});
  BOOST_TEST(read_file(t / "out/part-0-0.ndjson") == input);
}
