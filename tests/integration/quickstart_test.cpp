#define BOOST_TEST_MODULE quickstart example
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>
#include <set>

#include "support/process.hpp"

using namespace sluice::test;

namespace {

std::string field(const std::string& line, const std::string& name) {
  auto key = "\"" + name + "\":";
  auto p = line.find(key);
  if (p == std::string::npos)
    return {};
  p += key.size();
  if (line[p] == '"')
    return line.substr(p + 1, line.find('"', p + 1) - p - 1);
  return line.substr(p, line.find_first_of(",}", p) - p);
}

} // namespace

BOOST_AUTO_TEST_CASE(the_quickstart_writes_exactly_the_active_orders_once_each_in_their_partitions) {
  temp_dir t;
  auto pipeline = source_root() + "/examples/quickstart/pipeline.toml";
  // The reference: every generated order, unfiltered, from the same generator and seed.
  write_file(t / "all.toml", "[[stage]]\nname = \"orders\"\nplugin = \"generator\"\ncount = 10000\nseed = 42\n\n"
                             "[[stage]]\nname = \"all\"\nplugin = \"file-sink\"\ninputs = [\"orders\"]\npath = \"" +
                               t / "all/part.ndjson\"\n");
  auto ref = run_sluice({"run", "--config", t / "all.toml"});
  BOOST_REQUIRE(ref.exit_code == 0);
  std::map<std::string, std::string> active; // id -> line
  for (auto& l : published_lines(t / "all"))
    if (field(l, "status") == "active")
      active[field(l, "id")] = l;
  BOOST_REQUIRE(active.size() > 6000u);

  setenv("SLUICE_OUT", (t / "qs").c_str(), 1);
  auto o = run_sluice({"run", "--config", pipeline});
  unsetenv("SLUICE_OUT");
  BOOST_TEST(o.exit_code == 0, o.err);
  BOOST_TEST(o.err.find("wrote " + std::to_string(active.size()) + " records to " + t / "qs/lake") != std::string::npos,
             o.err);

  std::set<std::string> seen;
  size_t lines = 0;
  for (auto& rel : list_files(t / "qs/lake")) {
    BOOST_TEST(rel.find("/.") == std::string::npos, "unpublished file " << rel);
    std::istringstream in{read_file(t / "qs/lake/" + rel)};
    for (std::string l; std::getline(in, l); ++lines) {
      auto id = field(l, "id");
      BOOST_TEST(seen.insert(id).second, "id " << id << " twice");
      BOOST_TEST(active.count(id) == 1u, "id " << id << " is not an active order");
      BOOST_TEST(field(l, "status") == "active");
      BOOST_TEST(field(l, "user").empty(), "project drops user");
      auto ts = field(l, "ts"); // 2026-01-03T...
      auto dir = "category=" + field(l, "category") + "/year=" + ts.substr(0, 4) + "/month=" + ts.substr(5, 2) +
                 "/day=" + ts.substr(8, 2) + "/";
      BOOST_TEST(rel.rfind(dir, 0) == 0u, rel << " should be under " << dir);
    }
  }
  BOOST_TEST(lines == active.size());
  BOOST_TEST(seen.size() == active.size());
}
