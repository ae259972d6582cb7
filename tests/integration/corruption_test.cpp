#define BOOST_TEST_MODULE corrupt state store
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace sluice::test;

namespace {

constexpr int events = 30000;

/// generator -> file-sink, checkpointed every 50 ms, a retained copy every 500 ms: the newest
/// copy is a few checkpoints behind the crash, and small files are published at each commit.
std::string pipeline(const temp_dir& t) {
  return "[pipeline]\nname = \"copies\"\nstate_dir = \"" + t / "state" +
         "\"\ncheckpoint_interval = \"50ms\"\nretain_interval = \"500ms\"\n\n"
         "[[stage]]\nname = \"gen\"\nplugin = \"generator\"\ncount = " + std::to_string(events) +
         "\nrate = 30000\nseed = 5\n\n"
         "[[stage]]\nname = \"lake\"\nplugin = \"file-sink\"\ninputs = [\"gen\"]\nroll_size = 50000\npath = \"" +
         t / "out" + "/part.ndjson\"\n";
}

std::string id_of(const std::string& line) {
  auto p = line.find("\"id\":");
  return p == std::string::npos ? line : line.substr(p + 5, line.find(',', p) - p - 5);
}

/// The live store's newest table file.
fs::path newest_sst(const std::string& dir) {
  fs::path best;
  fs::file_time_type best_time{};
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sst" && (best.empty() || e.last_write_time() > best_time))
      best = e.path(), best_time = e.last_write_time();
  return best;
}

/// Inverts 16 bytes in the middle of `file`.
void flip_bytes(const fs::path& file) {
  std::string data;
  {
    std::ifstream in(file, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  BOOST_TEST_REQUIRE(data.size() > 64u);
  for (size_t i = data.size() / 2 - 8; i < data.size() / 2 + 8; ++i)
    data[i] = static_cast<char>(~data[i]);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_CASE(a_corrupt_table_file_is_replaced_by_the_newest_copy_and_every_record_published_once) {
  temp_dir t;
  write_file(t / "p.toml", pipeline(t));
  setenv("SLUICE_FAILPOINT", "after_state_commit:15", 1);
  auto crashed = run_sluice({"run", "--config", t / "p.toml"});
  unsetenv("SLUICE_FAILPOINT");
  BOOST_TEST_REQUIRE(crashed.exit_code == 128 + SIGABRT, crashed.err);
  BOOST_TEST_REQUIRE(fs::is_directory(t / "state-copies"), "no retained copies after 15 checkpoints");

  auto sst = newest_sst(t / "state");
  BOOST_TEST_REQUIRE(!sst.empty(), "no table file in the live store");
  BOOST_TEST_MESSAGE("corrupting " << sst);
  flip_bytes(sst);

  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 0, o.err);
  BOOST_TEST(contains(o.err, "STATE STORE CORRUPT"), o.err);
  BOOST_TEST(contains(o.err, "restored retained copy #"), o.err);
  BOOST_TEST(contains(o.err, t / "state.corrupt-"), o.err); // kept, and the log says where
  // The copy is older than the last commits: the files they published are removed and replayed.
  BOOST_TEST(contains(o.err, "published after the restored checkpoint"), o.err);

  std::map<std::string, int> seen;
  for (auto& l : published_lines(t / "out"))
    seen[id_of(l)] += 1;
  size_t missing = 0, doubled = 0;
  for (int id = 0; id < events; ++id) {
    auto it = seen.find(std::to_string(id));
    if (it == seen.end())
      ++missing;
    else if (it->second > 1)
      ++doubled;
  }
  BOOST_TEST(missing == 0u);
  BOOST_TEST(doubled == 0u);
  BOOST_TEST(seen.size() == static_cast<size_t>(events));
}
