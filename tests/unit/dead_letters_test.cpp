#define BOOST_TEST_MODULE dead-letter store
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "state/store.hpp"
#include "support/state_helpers.hpp"

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

dead_letter letter(uint64_t offset, std::string bytes) {
  dead_letter d;
  d.plugin = "file-source";
  d.version = "1.0.0";
  d.error = "invalid JSON at byte offset " + std::to_string(offset);
  d.source = "read";
  d.partition = 2;
  d.offset = offset;
  d.time_ms = 1764000000123;
  d.bytes = std::move(bytes);
  return d;
}

std::vector<dead_letter> listed(const store& s, const std::string& stage = {}) {
  auto r = s.dead_letters(stage);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return *r;
}

} // namespace

BOOST_AUTO_TEST_CASE(staged_dead_letters_appear_only_when_their_epoch_commits_with_every_field) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(1, "read#0", {letter(7, std::string("a\0\xff", 3)), letter(9, "b")})));
  BOOST_TEST(listed(*s).empty());
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  auto all = listed(*s);
  BOOST_TEST_REQUIRE(all.size() == 2u);
  auto& d = all[0];
  BOOST_TEST(d.id == "read#0/1/0");
  BOOST_TEST(all[1].id == "read#0/1/1");
  BOOST_TEST(d.instance == "read#0");
  BOOST_TEST(d.plugin == "file-source");
  BOOST_TEST(d.version == "1.0.0");
  BOOST_TEST(d.error == "invalid JSON at byte offset 7");
  BOOST_TEST(d.attempts == 1u);
  BOOST_TEST(d.source == "read");
  BOOST_TEST(d.partition == 2u);
  BOOST_TEST(d.offset == 7u);
  BOOST_TEST(d.time_ms == 1764000000123);
  BOOST_TEST(d.bytes == std::string("a\0\xff", 3));
}

BOOST_AUTO_TEST_CASE(uncommitted_dead_letters_are_dropped_on_recovery_and_restaging_does_not_duplicate) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(1, "read#0", {letter(1, "x")})));
    BOOST_TEST_REQUIRE(ok(s->commit(1)));
    BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(2, "read#0", {letter(2, "y")}))); // the crash comes first
  }
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->drop_uncommitted()));
  BOOST_TEST(listed(*s).size() == 1u);
  BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(2, "read#0", {letter(2, "y")}))); // the replay
  BOOST_TEST_REQUIRE(ok(s->commit(2)));
  auto all = listed(*s);
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].offset == 1u);
  BOOST_TEST(all[1].offset == 2u);
  BOOST_TEST(s->epochs()->back().instances == 0u); // dead letters are not instance states
}

BOOST_AUTO_TEST_CASE(a_stage_filter_and_a_purge_touch_only_that_stage) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(1, "read#0", {letter(1, "x")})));
  BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(1, "read#1", {letter(2, "y")})));
  BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(1, "reader#0", {letter(3, "z")})));
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  BOOST_TEST(listed(*s, "read").size() == 2u);
  BOOST_TEST(listed(*s, "reader").size() == 1u);
  auto n = s->purge_dead_letters("read");
  BOOST_TEST_REQUIRE(bool(n), (n ? "" : n.message()));
  BOOST_TEST(*n == 2u);
  auto rest = listed(*s);
  BOOST_TEST_REQUIRE(rest.size() == 1u);
  BOOST_TEST(rest[0].instance == "reader#0");
  BOOST_TEST(*s->purge_dead_letters() == 1u);
  BOOST_TEST(listed(*s).empty());
}

BOOST_AUTO_TEST_CASE(dead_letters_survive_a_reopen_and_a_read_only_store_refuses_a_purge) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    BOOST_TEST_REQUIRE(ok(s->stage_dead_letters(3, "read#0", {letter(1, "x")})));
    BOOST_TEST_REQUIRE(ok(s->commit(3)));
  }
  store_options ro;
  ro.read_only = true;
  auto s = open_ok(tmp.dir(), ro);
  BOOST_TEST(listed(*s).size() == 1u);
  BOOST_TEST(listed(*s)[0].id == "read#0/3/0");
  auto n = s->purge_dead_letters();
  BOOST_TEST_REQUIRE(!n);
  BOOST_TEST(n.message().find("read-only") != std::string::npos);
  BOOST_TEST(!s->stage_dead_letters(4, "read#0", {letter(2, "y")}));
}
