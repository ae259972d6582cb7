#define BOOST_TEST_MODULE credit bound
#include <boost/test/unit_test.hpp>

#include "support/process.hpp"

using namespace sluice::test;

namespace {

long long stat(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":");
  BOOST_REQUIRE(p != std::string::npos);
  return std::stoll(json.substr(p + key.size() + 3));
}

} // namespace

BOOST_AUTO_TEST_CASE(records_in_flight_never_exceed_the_credit_bound_behind_a_slow_sink) {
  temp_dir t;
  auto stages = test_plugins() + "/test-stages.so#";
  write_file(t / "p.toml",
             "[pipeline]\nbatch_size = 32\ncredits = 2\n\n"
             "[[stage]]\nname = \"src\"\nplugin = \"" + stages + "seq-source\"\ncount = 20000\n\n"
             "[[stage]]\nname = \"pass\"\nplugin = \"filter\"\ninputs = [\"src\"]\nparallelism = 2\n"
             "where = 'exists(id)'\n\n"
             "[[stage]]\nname = \"slow\"\nplugin = \"" + stages + "slow-sink\"\ninputs = [\"pass\"]\n"
             "delay = \"1ms\"\n");
  auto o = run_sluice({"run", "--config", t / "p.toml", "--stats", t / "stats.json"});
  BOOST_TEST(o.exit_code == 0, o.err);
  auto s = read_file(t / "stats.json");
  auto in_flight = stat(s, "in_flight_max"), bound = stat(s, "in_flight_bound");
  BOOST_TEST_MESSAGE("in flight at most " << in_flight << ", bound " << bound);
  // bound: 4 channels (src->pass#0, src->pass#1, pass#0->slow, pass#1->slow) * 2 credits * 32
  //        + 3 sending instances * 32 = 352, far below the 20,000 records
  BOOST_TEST(bound == 352);
  BOOST_TEST(in_flight <= bound);
  BOOST_TEST(in_flight > 0);
  BOOST_TEST(stat(s, "records") == 20000); // the slow sink's own count: nothing lost
  // every input queue stayed within its credit window
  for (auto p = s.find("\"max_queued_records\":"); p != std::string::npos;
       p = s.find("\"max_queued_records\":", p + 1))
    BOOST_TEST(std::stoll(s.substr(p + 21)) <= 2 * 2 * 32);
}
