#define BOOST_TEST_MODULE state store recovery
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>

#include "state/store.hpp"
#include "support/state_helpers.hpp"

namespace fs = std::filesystem;
using namespace sluice;
using namespace sluice::state;

using sluice::test::ok;
using sluice::test::scratch;

namespace {



bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// Commits epoch `e`: 200 instance states of 1 KiB each, so a flush writes a real table file.
void commit_epoch(store& s, int64_t e) {
  for (int i = 0; i < 200; ++i) {
    std::string bytes(1024, '\0');
    for (size_t j = 0; j < bytes.size(); ++j) // varied, so compression leaves the size
      bytes[j] = static_cast<char>((j * 131 + static_cast<size_t>(i) * 7 + static_cast<size_t>(e) * 13) % 251);
    bytes.replace(0, std::to_string(e).size() + 1, "e" + std::to_string(e));
    BOOST_TEST_REQUIRE(ok(s.stage(e, "op#" + std::to_string(i), {bytes, 1}, false)));
  }
  BOOST_TEST_REQUIRE(ok(s.stage(e, "src#0", {"offset=" + std::to_string(e * 100), 2}, true)));
  BOOST_TEST_REQUIRE(ok(s.commit(e)));
}

std::unique_ptr<store> open_ok(const std::string& dir) {
  auto r = store::open(dir);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return std::move(*r);
}

/// A store committed up to `epochs`, with a retained copy after each epoch in `copied`.
void build(const std::string& dir, int64_t epochs, const std::set<int64_t>& copied) {
  auto s = open_ok(dir);
  for (int64_t e = 1; e <= epochs; ++e) {
    commit_epoch(*s, e);
    if (copied.count(e))
      BOOST_TEST_REQUIRE(ok(s->retain_copy(5)));
  }
}

/// The newest file over 4 KiB under `dir` whose name ends in `ext` (by modification time, then
/// name): a table file of operator state, not of the small "meta" family.
fs::path newest(const fs::path& dir, const std::string& ext) {
  fs::path best;
  fs::file_time_type best_time{};
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (!e.is_regular_file() || e.file_size() <= 4096 || name.size() < ext.size() ||
        name.compare(name.size() - ext.size(), ext.size(), ext))
      continue;
    auto t = e.last_write_time();
    if (best.empty() || t > best_time || (t == best_time && e.path() > best))
      best = e.path(), best_time = t;
  }
  BOOST_TEST_REQUIRE(!best.empty(), "no *" << ext << " under " << dir);
  return best;
}

/// Inverts 16 bytes in the middle of `file`: a data block's checksum no longer matches.
void flip_bytes(const fs::path& file) {
  std::string data;
  {
    std::ifstream in(file, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (size_t i = data.size() / 2; i < data.size() / 2 + 16; ++i)
    data[i] = static_cast<char>(~data[i]);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
}

void truncate_manifests(const std::string& dir) {
  int truncated = 0;
  for (auto& f : fs::directory_iterator(dir))
    if (f.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      fs::resize_file(f.path(), 0);
      ++truncated;
    }
  BOOST_TEST_REQUIRE(truncated > 0);
}

/// Name and size of every file under `dir` but RocksDB's info logs (each open attempt starts
/// one), to show nothing was deleted or changed.
std::set<std::pair<std::string, uintmax_t>> listing(const fs::path& dir) {
  std::set<std::pair<std::string, uintmax_t>> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().rfind("LOG", 0) != 0)
      out.emplace(fs::relative(e.path(), dir).string(), e.file_size());
  return out;
}

/// The store open_or_recover returns; fails the test with its message otherwise.
std::unique_ptr<store> recover_ok(const std::string& dir, recovery_report& r) {
  auto s = store::open_or_recover(dir, r);
  BOOST_TEST_REQUIRE(bool(s), (s ? "" : s.message()));
  return std::move(*s);
}

/// The store holds epoch `e`'s states as commit_epoch wrote them.
void check_epoch(const store& s, int64_t e) {
  BOOST_TEST(s.committed_epoch() == e);
  auto states = s.committed_states();
  BOOST_TEST_REQUIRE(bool(states), (states ? "" : states.message()));
  BOOST_TEST(states->size() == 201u);
  auto src = s.state_of("src#0");
  BOOST_TEST_REQUIRE(bool(src));
  BOOST_TEST_REQUIRE(src->has_value());
  BOOST_TEST((*src)->bytes == "offset=" + std::to_string(e * 100));
  auto op = s.state_of("op#7");
  BOOST_TEST_REQUIRE(bool(op));
  BOOST_TEST_REQUIRE(op->has_value());
  BOOST_TEST((*op)->bytes.rfind("e" + std::to_string(e), 0) == 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(copies)

BOOST_AUTO_TEST_CASE(copies_live_beside_the_state_dir_even_when_it_ends_in_a_slash) {
  BOOST_TEST(store::copies_dir("/var/lib/sluice/a") == "/var/lib/sluice/a-copies");
  BOOST_TEST(store::copies_dir("/var/lib/sluice/a/") == "/var/lib/sluice/a-copies");
  BOOST_TEST(store::copies_dir("state") == "state-copies");
}

BOOST_AUTO_TEST_CASE(each_copy_is_tagged_with_its_committed_epoch_and_only_the_newest_keep_remain) {
  scratch tmp;
  BOOST_TEST(store::list_copies(tmp.dir())->empty());
  auto s = open_ok(tmp.dir());
  for (int64_t e = 1; e <= 5; ++e) {
    commit_epoch(*s, e);
    BOOST_TEST_REQUIRE(ok(s->retain_copy(2)));
  }
  BOOST_TEST(fs::is_directory(store::copies_dir(tmp.dir())));
  auto c = store::list_copies(tmp.dir());
  BOOST_TEST_REQUIRE(bool(c), (c ? "" : c.message()));
  BOOST_TEST_REQUIRE(c->size() == 2u);
  BOOST_TEST((*c)[0].id == 4u);
  BOOST_TEST((*c)[0].epoch == 4);
  BOOST_TEST((*c)[1].id == 5u);
  BOOST_TEST((*c)[1].epoch == 5);
  BOOST_TEST((*c)[1].created_s > 0);
  BOOST_TEST((*c)[1].bytes > 0u);
  BOOST_TEST_REQUIRE(ok(s->retain_copy(1)));
  BOOST_TEST(store::list_copies(tmp.dir())->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_sound_store_opens_without_recovery) {
  scratch tmp;
  build(tmp.dir(), 2, {1});
  recovery_report r;
  auto s = recover_ok(tmp.dir(), r);
  BOOST_TEST(!r.recovered);
  check_epoch(*s, 2);
  BOOST_TEST(tmp.moved_aside().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recovery)

BOOST_AUTO_TEST_CASE(flipped_bytes_in_a_table_file_are_found_at_open_and_the_newest_copy_restored) {
  scratch tmp;
  build(tmp.dir(), 3, {1, 2}); // epoch 3 is committed after the last copy
  auto sst = newest(tmp.dir(), ".sst");
  flip_bytes(sst);
  auto corrupt = listing(tmp.dir());
  recovery_report r;
  auto s = recover_ok(tmp.dir(), r);
  BOOST_TEST(r.recovered);
  BOOST_TEST(contains(r.problem, "Corruption"), r.problem);
  BOOST_TEST(r.restored.id == 2u);
  BOOST_TEST(r.restored.epoch == 2);
  BOOST_TEST(r.skipped.empty());
  check_epoch(*s, 2);
  BOOST_TEST_REQUIRE(tmp.moved_aside().size() == 1u);
  BOOST_TEST(r.moved_to == tmp.moved_aside()[0].string());
  BOOST_TEST((listing(r.moved_to) == corrupt)); // moved whole, nothing deleted
  BOOST_TEST_REQUIRE(ok(s->stage(3, "op#0", {"again", 1}, false))); // and the pipeline goes on
  BOOST_TEST_REQUIRE(ok(s->commit(3)));
}

BOOST_AUTO_TEST_CASE(a_truncated_manifest_is_found_at_open_and_the_newest_copy_restored) {
  scratch tmp;
  build(tmp.dir(), 3, {1, 2});
  truncate_manifests(tmp.dir());
  recovery_report r;
  auto s = recover_ok(tmp.dir(), r);
  BOOST_TEST(r.recovered);
  BOOST_TEST(contains(r.problem, "Corruption"), r.problem);
  BOOST_TEST(r.restored.id == 2u);
  check_epoch(*s, 2);
  BOOST_TEST(tmp.moved_aside().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_copy_that_fails_verification_is_skipped_for_the_next_older_one) {
  scratch tmp;
  build(tmp.dir(), 3, {1, 2});
  flip_bytes(newest(fs::path(store::copies_dir(tmp.dir())) / "shared_checksum", ".sst")); // only copy 2 has it
  truncate_manifests(tmp.dir());
  recovery_report r;
  auto s = recover_ok(tmp.dir(), r);
  BOOST_TEST(r.recovered);
  BOOST_TEST(r.restored.id == 1u);
  BOOST_TEST_REQUIRE(r.skipped.size() == 1u);
  BOOST_TEST(contains(r.skipped[0], "copy #2 (epoch 2)"), r.skipped[0]);
  check_epoch(*s, 1);
}

BOOST_AUTO_TEST_CASE(a_lost_state_dir_is_restored_from_its_copies) {
  scratch tmp;
  build(tmp.dir(), 2, {2});
  fs::remove_all(tmp.dir());
  recovery_report r;
  auto s = recover_ok(tmp.dir(), r);
  BOOST_TEST(r.recovered);
  BOOST_TEST(contains(r.problem, "no CURRENT file"), r.problem);
  BOOST_TEST(r.moved_to.empty());
  check_epoch(*s, 2);
}

BOOST_AUTO_TEST_CASE(corruption_without_a_copy_is_refused_loudly_and_the_store_kept_aside) {
  scratch tmp;
  build(tmp.dir(), 2, {});
  truncate_manifests(tmp.dir());
  auto corrupt = listing(tmp.dir());
  recovery_report r;
  auto s = store::open_or_recover(tmp.dir(), r);
  BOOST_TEST_REQUIRE(!s);
  BOOST_TEST_REQUIRE(tmp.moved_aside().size() == 1u);
  auto aside = tmp.moved_aside()[0].string();
  BOOST_TEST(contains(s.message(), "CORRUPT"), s.message());
  BOOST_TEST(contains(s.message(), "refusing a silent fresh start"), s.message());
  BOOST_TEST(contains(s.message(), "move " + aside + " back to " + tmp.dir()), s.message());
  BOOST_TEST(contains(s.message(), "delete " + tmp.dir()), s.message());
  BOOST_TEST(!r.recovered);
  BOOST_TEST(r.moved_to == aside);
  BOOST_TEST((listing(aside) == corrupt)); // nothing deleted
  // A restart (systemd, Kubernetes) must not start afresh behind the operator's back.
  auto again = store::open_or_recover(tmp.dir(), r);
  BOOST_TEST_REQUIRE(!again);
  BOOST_TEST(contains(again.message(), "refusing a silent fresh start"), again.message());
  BOOST_TEST(contains(again.message(), aside), again.message());
  BOOST_TEST(!store::open(tmp.dir()));
  // Deleting the state_dir is how an operator chooses to start over.
  fs::remove_all(tmp.dir());
  auto fresh = recover_ok(tmp.dir(), r);
  BOOST_TEST(!r.recovered);
  BOOST_TEST(fresh->committed_epoch() == 0);
  BOOST_TEST(fs::exists(aside));
}

BOOST_AUTO_TEST_CASE(a_store_held_by_another_opener_is_never_taken_for_corrupt) {
  scratch tmp;
  build(tmp.dir(), 1, {1});
  auto held = open_ok(tmp.dir());
  recovery_report r;
  auto s = store::open_or_recover(tmp.dir(), r);
  BOOST_TEST_REQUIRE(!s);
  BOOST_TEST(contains(s.message(), "another sluice process uses this state_dir"), s.message());
  BOOST_TEST(!r.recovered);
  BOOST_TEST(tmp.moved_aside().empty());
  BOOST_TEST(held->committed_epoch() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
