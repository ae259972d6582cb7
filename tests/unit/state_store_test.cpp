#define BOOST_TEST_MODULE state store
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <memory>
#include <string>

#include "state/store.hpp"
#include "support/state_helpers.hpp"
#include "state/testing.hpp"

namespace fs = std::filesystem;
using namespace sluice;
using namespace sluice::state;

using sluice::test::ok;
using sluice::test::scratch;

namespace {



std::unique_ptr<store> open_ok(const std::string& dir, const store_options& opts = {}) {
  auto r = store::open(dir, opts);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return std::move(*r);
}

instance_state st(std::string bytes, uint32_t version = 1) { return {std::move(bytes), version}; }

/// The committed bytes of `key`, "<none>" if it has none.
std::string bytes_of(const store& s, const std::string& key) {
  auto r = s.state_of(key);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return *r ? (*r)->bytes : "<none>";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(commits)

BOOST_AUTO_TEST_CASE(staged_state_is_invisible_until_its_epoch_commits) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST(fs::is_directory(tmp.dir()));
  BOOST_TEST(s->committed_epoch() == 0);
  BOOST_TEST_REQUIRE(ok(s->stage(1, "map#0", st("one"), false)));
  BOOST_TEST(bytes_of(*s, "map#0") == "<none>");
  BOOST_TEST(s->committed_states()->empty());
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  BOOST_TEST(bytes_of(*s, "map#0") == "one");
  BOOST_TEST(s->state_of("map#0")->value().schema_version == 1u);
}

BOOST_AUTO_TEST_CASE(a_commit_applies_pending_epochs_up_to_its_own_and_records_it) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->stage(1, "src#0", st("offset=10", 2), true)));
  BOOST_TEST_REQUIRE(ok(s->stage(1, "agg#0", st("sum=1"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(2, "agg#0", st("sum=3"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(3, "agg#0", st("sum=6"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(3, "src#0", st("offset=30", 2), true)));
  BOOST_TEST_REQUIRE(ok(s->commit(2)));
  BOOST_TEST(s->committed_epoch() == 2);
  BOOST_TEST(bytes_of(*s, "agg#0") == "sum=3"); // the later epoch wins
  BOOST_TEST(bytes_of(*s, "src#0") == "offset=10");
  BOOST_TEST(s->state_of("src#0")->value().schema_version == 2u);
  auto e = s->epochs();
  BOOST_TEST_REQUIRE(e->size() == 2u);
  BOOST_TEST((*e)[1].epoch == 3);
  BOOST_TEST(!(*e)[1].committed);
  BOOST_TEST((*e)[1].instances == 2u);
  BOOST_TEST_REQUIRE(ok(s->commit(3)));
  BOOST_TEST(bytes_of(*s, "agg#0") == "sum=6");
  BOOST_TEST(bytes_of(*s, "src#0") == "offset=30");
  BOOST_TEST(s->epochs()->size() == 1u); // nothing pending is left
}

BOOST_AUTO_TEST_CASE(committing_an_epoch_again_or_an_older_one_changes_nothing) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->stage(5, "a#0", st("five"), false)));
  BOOST_TEST_REQUIRE(ok(s->commit(5)));
  auto at = s->meta("committed_at_ms");
  BOOST_TEST(std::stoll(*at) > 0);
  BOOST_TEST(ok(s->commit(5)));
  BOOST_TEST(ok(s->commit(3)));
  BOOST_TEST(ok(s->commit(0)));
  BOOST_TEST(s->committed_epoch() == 5);
  BOOST_TEST(*s->meta("committed_epoch") == "5");
  BOOST_TEST(*s->meta("committed_at_ms") == *at);
  BOOST_TEST(bytes_of(*s, "a#0") == "five");
}

BOOST_AUTO_TEST_CASE(staging_for_an_epoch_already_committed_is_refused) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->commit(4)));
  auto r = s->stage(4, "a#0", st("late"), false);
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), "epoch 4 is not after the committed epoch 4"), r.message());
  BOOST_TEST(ok(s->stage(5, "a#0", st("ok"), false))); // a refused stage does not fail the store
}

BOOST_AUTO_TEST_CASE(drop_uncommitted_removes_only_epochs_after_the_committed_one) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->stage(1, "a#0", st("1"), false)));
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  BOOST_TEST_REQUIRE(ok(s->stage(2, "a#0", st("2"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(3, "b#0", st("3"), false)));
  BOOST_TEST_REQUIRE(ok(s->drop_uncommitted()));
  auto e = s->epochs();
  BOOST_TEST_REQUIRE(e->size() == 1u);
  BOOST_TEST((*e)[0].epoch == 1);
  BOOST_TEST((*e)[0].committed);
  BOOST_TEST_REQUIRE(ok(s->commit(3))); // the dropped entries are gone for good
  BOOST_TEST(bytes_of(*s, "a#0") == "1");
  BOOST_TEST(bytes_of(*s, "b#0") == "<none>");
}

BOOST_AUTO_TEST_CASE(epochs_and_committed_states_describe_the_checkpoint) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST(s->epochs()->empty());
  BOOST_TEST_REQUIRE(ok(s->stage(1, "zeta#1", st("zz", 3), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(1, "alpha#0", st("aaaa", 1), true)));
  BOOST_TEST_REQUIRE(ok(s->stage(1, "mid#0", st("m", 2), false)));
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  BOOST_TEST_REQUIRE(ok(s->stage(3, "mid#0", st("mmm"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(2, "mid#0", st("mm"), false)));
  BOOST_TEST_REQUIRE(ok(s->stage(2, "zeta#1", st("z"), false)));

  auto e = s->epochs();
  BOOST_TEST_REQUIRE(bool(e));
  BOOST_TEST_REQUIRE(e->size() == 3u);
  BOOST_TEST((*e)[0].epoch == 1);
  BOOST_TEST((*e)[0].committed);
  BOOST_TEST((*e)[0].committed_at_ms > 0);
  BOOST_TEST((*e)[0].instances == 3u);
  BOOST_TEST((*e)[0].bytes == 7u);
  BOOST_TEST((*e)[1].epoch == 2);
  BOOST_TEST(!(*e)[1].committed);
  BOOST_TEST((*e)[1].committed_at_ms == 0);
  BOOST_TEST((*e)[1].instances == 2u);
  BOOST_TEST((*e)[1].bytes == 3u);
  BOOST_TEST((*e)[2].epoch == 3);
  BOOST_TEST((*e)[2].instances == 1u);

  auto c = s->committed_states();
  BOOST_TEST_REQUIRE(bool(c));
  BOOST_TEST_REQUIRE(c->size() == 3u);
  BOOST_TEST((*c)[0].first == "alpha#0");
  BOOST_TEST((*c)[0].second.bytes == "aaaa");
  BOOST_TEST((*c)[1].first == "mid#0");
  BOOST_TEST((*c)[1].second.schema_version == 2u);
  BOOST_TEST((*c)[2].first == "zeta#1");
  BOOST_TEST((*c)[2].second.schema_version == 3u);
}

BOOST_AUTO_TEST_CASE(meta_values_round_trip_and_commit_keys_are_reserved) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST(*s->meta("pipeline") == "");
  BOOST_TEST_REQUIRE(ok(s->set_meta("pipeline", "etl-v1")));
  BOOST_TEST(*s->meta("pipeline") == "etl-v1");
  BOOST_TEST(!s->set_meta("committed_epoch", "99"));
  BOOST_TEST(s->committed_epoch() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(durability)

BOOST_AUTO_TEST_CASE(reopening_the_store_keeps_committed_state_and_epoch) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    BOOST_TEST_REQUIRE(ok(s->stage(1, "a#0", st("one", 7), false)));
    BOOST_TEST_REQUIRE(ok(s->commit(1)));
    BOOST_TEST_REQUIRE(ok(s->stage(2, "a#0", st("two"), false)));
    BOOST_TEST_REQUIRE(ok(s->set_meta("pipeline", "p")));
  }
  auto s = open_ok(tmp.dir());
  BOOST_TEST(s->committed_epoch() == 1);
  BOOST_TEST(bytes_of(*s, "a#0") == "one");
  BOOST_TEST(s->state_of("a#0")->value().schema_version == 7u);
  BOOST_TEST(*s->meta("pipeline") == "p");
  BOOST_TEST(s->epochs()->size() == 2u); // the pending epoch survives a clean close
  BOOST_TEST_REQUIRE(ok(s->drop_uncommitted()));
  BOOST_TEST(s->epochs()->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_read_only_open_sees_committed_state_and_refuses_writes) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    BOOST_TEST_REQUIRE(ok(s->stage(1, "a#0", st("one"), false)));
    BOOST_TEST_REQUIRE(ok(s->commit(1)));
  }
  store_options ro;
  ro.read_only = true;
  auto s = open_ok(tmp.dir(), ro);
  BOOST_TEST(s->committed_epoch() == 1);
  BOOST_TEST(bytes_of(*s, "a#0") == "one");
  BOOST_TEST(s->committed_states()->size() == 1u);
  auto w = s->stage(2, "a#0", st("two"), false);
  BOOST_TEST_REQUIRE(!w);
  BOOST_TEST(contains(w.message(), "read-only"), w.message());
}

BOOST_AUTO_TEST_CASE(opening_a_directory_without_a_store_and_without_create_is_refused) {
  scratch tmp;
  store_options o;
  o.create_if_missing = false;
  auto r = store::open(tmp.dir(), o);
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), tmp.dir()), r.message());
  BOOST_TEST(contains(r.message(), "no state store here"), r.message());
  BOOST_TEST(!fs::exists(tmp.dir()));
}

BOOST_AUTO_TEST_CASE(a_second_open_of_the_same_directory_is_refused_while_the_first_is_open) {
  scratch tmp;
  auto first = open_ok(tmp.dir());
  auto second = store::open(tmp.dir());
  BOOST_TEST_REQUIRE(!second);
  BOOST_TEST(contains(second.message(), "state store " + tmp.dir() + ": open failed:"), second.message());
  BOOST_TEST(contains(second.message(), "another sluice process uses this state_dir"), second.message());
  first.reset();
  BOOST_TEST(bool(store::open(tmp.dir())));
}

BOOST_AUTO_TEST_CASE(a_store_locked_by_another_process_is_refused_with_advice) {
  scratch tmp;
  open_ok(tmp.dir()).reset();
  const std::string lock_file = tmp.dir() + "/LOCK";
  int ready[2], release[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  BOOST_TEST_REQUIRE(::pipe(release) == 0);
  pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) { // async-signal-safe calls only: the parent has threads
    int fd = ::open(lock_file.c_str(), O_RDWR);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char c = (fd >= 0 && ::fcntl(fd, F_SETLK, &fl) == 0) ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1 || ::read(release[0], &c, 1) < 0)
      ::_exit(1);
    ::_exit(0);
  }
  char c = 0;
  BOOST_TEST_REQUIRE(::read(ready[0], &c, 1) == 1);
  BOOST_TEST_REQUIRE(c == 'y');
  auto r = store::open(tmp.dir());
  BOOST_TEST(::write(release[1], &c, 1) == 1);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]})
    ::close(fd);
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), "While lock file"), r.message());
  BOOST_TEST(contains(r.message(), "another sluice process uses this state_dir"), r.message());
}

BOOST_AUTO_TEST_CASE(a_truncated_manifest_is_reported_as_corruption_naming_the_path) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    BOOST_TEST_REQUIRE(ok(s->stage(1, "a#0", st("one"), false)));
    BOOST_TEST_REQUIRE(ok(s->commit(1)));
  }
  int truncated = 0;
  for (auto& f : fs::directory_iterator(tmp.dir()))
    if (f.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      fs::resize_file(f.path(), 0);
      ++truncated;
    }
  BOOST_TEST_REQUIRE(truncated > 0);
  auto r = store::open(tmp.dir());
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), "state store " + tmp.dir()), r.message());
  BOOST_TEST(contains(r.message(), "Corruption"), r.message());
  BOOST_TEST(contains(r.message(), "the store is corrupt"), r.message());
}

BOOST_AUTO_TEST_CASE(a_full_disk_fails_the_commit_and_every_later_write_but_keeps_the_last_checkpoint) {
  scratch tmp;
  auto budget = std::make_shared<std::atomic<int64_t>>(int64_t{1} << 30);
  {
    auto r = testing::open_with_disk_budget(tmp.dir(), budget);
    BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
    auto& s = *r;
    BOOST_TEST_REQUIRE(ok(s->stage(1, "a#0", st("one"), false)));
    BOOST_TEST_REQUIRE(ok(s->commit(1)));
    BOOST_TEST_REQUIRE(ok(s->stage(2, "a#0", st("two"), false)));
    budget->store(0);
    auto c = s->commit(2);
    BOOST_TEST_REQUIRE(!c);
    BOOST_TEST(contains(c.message(), "state store " + tmp.dir() + ": commit failed:"), c.message());
    BOOST_TEST(contains(c.message(), "free disk space under " + tmp.dir()), c.message());
    BOOST_TEST(s->committed_epoch() == 1);
    budget->store(int64_t{1} << 30); // space is back, but the store stays failed
    auto later = s->stage(3, "a#0", st("three"), false);
    BOOST_TEST_REQUIRE(!later);
    BOOST_TEST(later.message() == c.message());
    BOOST_TEST(s->set_meta("k", "v").message() == c.message());
  }
  auto s = open_ok(tmp.dir());
  BOOST_TEST(s->committed_epoch() == 1);
  BOOST_TEST(bytes_of(*s, "a#0") == "one");
}

BOOST_AUTO_TEST_SUITE_END()
