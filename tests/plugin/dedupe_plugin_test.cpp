#define BOOST_TEST_MODULE dedupe_plugin
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "state/store.hpp"
#include "support/harness.hpp"
#include "support/plugin_state_helpers.hpp"

using sluice::test::harness;
using sluice::test::checkpoint;
using sluice::test::open_store;
using sluice::test::scratch;
using sluice::test::at;
using sluice::test::feed;
using sluice::test::rec;
using lines = std::vector<std::string>;

namespace {


int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_first_occurrence_passes_unchanged_and_repeats_within_ttl_are_dropped) {
  harness h("dedupe", "key = [\"id\"]\nttl = \"10s\"");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, {{R"({"id":1, "n":"first"})", at(0)},
           {R"({"id":1,"n":"again"})", at(5)},
           {R"({"id":2})", at(6)},
           {R"({"id":1,"n":"later"})", at(15)}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"id":1, "n":"first"})", R"({"id":2})", R"({"id":1,"n":"later"})"}));
  BOOST_TEST(h.out[0].event_time == at(0));
  BOOST_TEST(counter(h, "passed") == 3);
  BOOST_TEST(counter(h, "duplicates_dropped") == 1);
}

BOOST_AUTO_TEST_CASE(a_dropped_duplicate_still_moves_the_last_seen_time) {
  harness h("dedupe", "key = \"id\"\nttl = \"10s\"");
  feed(h, {{R"({"id":1})", at(0)}, {R"({"id":1})", at(8)}, {R"({"id":1})", at(16)}, {R"({"id":1})", at(26)}});
  BOOST_TEST(h.out.size() == 2u);
  BOOST_TEST(h.out[1].event_time == at(26));
}

BOOST_AUTO_TEST_CASE(an_out_of_order_record_within_ttl_is_a_duplicate_too) {
  harness h("dedupe", "key = \"id\"\nttl = \"10s\"");
  feed(h, {{R"({"id":1})", at(20)}, {R"({"id":1})", at(12)}, {R"({"id":1})", at(5)}});
  BOOST_TEST(h.out.size() == 2u); // 12 is 8 s from 20; 5 is 15 s from the last seen 20
}

BOOST_AUTO_TEST_CASE(the_key_is_the_raw_json_of_its_fields) {
  harness h("dedupe", "key = [\"user.id\", \"kind\"]\nttl = \"1h\"");
  feed(h, {{R"({"user":{"id":1},"kind":"x"})", at(0)},
           {R"({"user":{"id":1},"kind":"y"})", at(0)},
           {R"({"user":{"id":"1"},"kind":"x"})", at(0)},
           {R"({"user":{"id":1}})", at(0)},
           {R"({"user":{"id":1},"kind":null})", at(0)},
           {R"({"user":{"id":[1, 2]},"kind":{"a":1}})", at(0)},
           {R"({"kind":"x","user":{"id":1}})", at(1)},
           {R"({"user":{"id":1},"kind":null})", at(1)},
           {R"({"user":{"id":[1, 2]},"kind":{"a":1}})", at(1)}});
  BOOST_TEST(h.out.size() == 6u);
  BOOST_TEST(counter(h, "duplicates_dropped") == 3);
}

BOOST_AUTO_TEST_CASE(the_watermark_forgets_keys_last_seen_more_than_ttl_before_it) {
  harness h("dedupe", "key = \"id\"\nttl = \"10s\"");
  feed(h, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(5)}});
  BOOST_TEST(!h.stage().watermark(at(12)).failed());
  BOOST_TEST(h.stage().gauges().at("keys") == 1);
  feed(h, {{R"({"id":1})", at(9)}, {R"({"id":2})", at(9)}});
  BOOST_TEST(h.out.size() == 3u); // id 1 was forgotten; id 2 is still known
}

BOOST_AUTO_TEST_CASE(records_without_event_time_use_processing_time) {
  harness h("dedupe", "key = \"id\"\nttl = \"1h\"");
  feed(h, {{R"({"id":1})", SLUICE_NO_TIME}, {R"({"id":1})", SLUICE_NO_TIME}, {R"({"id":2})", SLUICE_NO_TIME}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"id":1})", R"({"id":2})"}));
}

BOOST_AUTO_TEST_CASE(a_record_that_is_not_an_object_is_dead_lettered) {
  harness h("dedupe", "key = \"id\"\nttl = \"1h\"");
  feed(h, {{"[1]", at(0)}, {R"({"id":1})", at(0)}});
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(h.dead[0].second == "dedupe: record at offset 0 is not a JSON object");
}

BOOST_AUTO_TEST_CASE(a_restored_instance_remembers_keys_and_the_watermark) {
  harness a("dedupe", "key = \"id\"\nttl = \"10s\"");
  feed(a, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(20)}, {R"({"id":"a\"b"})", at(20)}});
  BOOST_TEST(!a.stage().watermark(at(20)).failed());
  BOOST_TEST(!a.stage().flush().failed());
  auto snap = a.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  BOOST_TEST(snap->find("entries 2") != std::string::npos); // id 1 expired at watermark 20

  harness b("dedupe", "key = \"id\"\nttl = \"10s\"");
  BOOST_TEST_REQUIRE(!b.stage().restore(*snap, 1).failed());
  feed(b, {{R"({"id":2})", at(25)}, {R"({"id":"a\"b"})", at(21)}, {R"({"id":1})", at(25)}});
  BOOST_TEST(b.out_bytes() == lines{R"({"id":1})"});
  auto again = b.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(again));
  BOOST_TEST(again->find("watermark 1 " + std::to_string(at(20))) != std::string::npos);

  harness other("dedupe", "key = \"user\"\nttl = \"10s\"");
  auto st = other.stage().restore(*snap, 1);
  BOOST_TEST_REQUIRE(st.failed());
  BOOST_TEST(st.message().find("key fields cannot change") != std::string::npos);
  BOOST_TEST(b.stage().restore(*snap, 2).failed());
  BOOST_TEST(b.stage().restore("sluice-dedupe 1\nfingerprint 7:key=[id]\nwatermark 0 0\nentries 1\n99:x", 1).failed());
}

BOOST_AUTO_TEST_CASE(key_and_ttl_are_required_and_checked) {
  BOOST_TEST(harness("dedupe", "ttl = \"1s\"").setup_error().find("key") != std::string::npos);
  BOOST_TEST(harness("dedupe", "key = \"id\"").setup_error().find("ttl") != std::string::npos);
  BOOST_TEST(harness("dedupe", "key = []\nttl = \"1s\"").setup_error().find("key: expected at least one") !=
             std::string::npos);
  BOOST_TEST(harness("dedupe", "key = \"id\"\nttl = \"0s\"").setup_error().find("ttl: must be longer") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE(keyed_state)

BOOST_AUTO_TEST_CASE(under_checkpoints_keys_live_in_keyed_state_and_the_snapshot_stays_small) {
  harness h("dedupe", "key = \"id\"\nttl = \"10s\"", 0, 1, SLUICE_HOST_CHECKPOINTS);
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, {{R"({"id":1})", at(0)}, {R"({"id":1})", at(5)}, {R"({"id":2})", at(6)}, {R"({"id":1})", at(15)}});
  BOOST_TEST(h.out.size() == 3u);
  BOOST_TEST(counter(h, "duplicates_dropped") == 1);
  auto v = h.stage().keyed().get("1");
  BOOST_TEST_REQUIRE(bool(v));
  BOOST_TEST(bool(*v));
  auto snap = h.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  BOOST_TEST(snap->find("entries 0\n") != std::string::npos, *snap);
  BOOST_TEST(snap->size() < 120u, *snap);
}

BOOST_AUTO_TEST_CASE(keyed_state_drops_exactly_what_the_in_memory_map_drops) {
  harness mem("dedupe", "key = \"id\"\nttl = \"10s\"");
  harness keyed("dedupe", "key = \"id\"\nttl = \"10s\"", 0, 1, SLUICE_HOST_CHECKPOINTS);
  std::mt19937 rng{7};
  double now = 0, watermark = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<rec> batch;
    for (int i = 0; i < 8; ++i) {
      now += std::uniform_real_distribution<double>{0, 1.5}(rng);
      double late = std::uniform_int_distribution<int>{0, 4}(rng) == 0 ? 25 : 0; // some behind the watermark
      batch.push_back({"{\"id\":" + std::to_string(rng() % 40) + "}", at(now - late)});
    }
    feed(mem, batch);
    feed(keyed, batch);
    if (rng() % 3 == 0) {
      watermark = now - 2;
      BOOST_TEST_REQUIRE(!mem.stage().watermark(at(watermark)).failed());
      BOOST_TEST_REQUIRE(!keyed.stage().watermark(at(watermark)).failed());
    }
  }
  BOOST_TEST(counter(mem, "duplicates_dropped") > 100);
  BOOST_TEST(counter(keyed, "duplicates_dropped") == counter(mem, "duplicates_dropped"));
  BOOST_TEST(keyed.out_bytes() == mem.out_bytes());
  BOOST_TEST(keyed.stage().gauges().at("keys") <= 40);
}

BOOST_AUTO_TEST_CASE(with_a_store_a_restart_sees_the_keys_of_the_checkpoint_it_resumes_from) {
  scratch tmp;
  std::string snap;
  {
    auto store = open_store(tmp.root / "state");
    harness a("dedupe", "key = \"id\"\nttl = \"1h\"", 0, 1, SLUICE_HOST_CHECKPOINTS, store);
    BOOST_TEST_REQUIRE(a.setup_error() == "");
    feed(a, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(1)}});
    snap = checkpoint(a, 1);
    BOOST_TEST_REQUIRE(!store->commit(1).failed());
    BOOST_TEST_REQUIRE(!a.stage().commit(1).failed());
    feed(a, {{R"({"id":3})", at(2)}, {R"({"id":1})", at(3)}}); // epoch 2: staged, never committed
    checkpoint(a, 2);
    BOOST_TEST(a.out.size() == 3u);
  }
  auto store = open_store(tmp.root / "state");
  BOOST_TEST_REQUIRE(!store->drop_uncommitted().failed());
  harness b("dedupe", "key = \"id\"\nttl = \"1h\"", 0, 1, SLUICE_HOST_CHECKPOINTS, store);
  BOOST_TEST_REQUIRE(!b.stage().restore(snap, 1).failed());
  feed(b, {{R"({"id":3})", at(2)}, {R"({"id":1})", at(3)}, {R"({"id":2})", at(4)}});
  BOOST_TEST(b.out_bytes() == lines{R"({"id":3})"}); // as if epoch 2 never happened
}

BOOST_AUTO_TEST_CASE(a_snapshot_from_before_keyed_state_moves_its_keys_there) {
  harness a("dedupe", "key = \"id\"\nttl = \"10s\"");
  feed(a, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(1)}});
  auto snap = a.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  harness b("dedupe", "key = \"id\"\nttl = \"10s\"", 0, 1, SLUICE_HOST_CHECKPOINTS);
  BOOST_TEST_REQUIRE(!b.stage().restore(*snap, 1).failed());
  feed(b, {{R"({"id":1})", at(2)}, {R"({"id":3})", at(2)}});
  BOOST_TEST(b.out_bytes() == lines{R"({"id":3})"});
  auto again = b.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(again));
  BOOST_TEST(again->find("entries 0\n") != std::string::npos, *again);
}

BOOST_AUTO_TEST_SUITE_END()
