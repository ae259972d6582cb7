#define BOOST_TEST_MODULE quality plugin state and config
#include <boost/test/unit_test.hpp>

#include "quality_helpers.hpp"

BOOST_AUTO_TEST_SUITE(unique)

BOOST_AUTO_TEST_CASE(a_value_seen_within_ttl_of_the_event_time_is_a_duplicate) {
  harness h("quality", unique_id);
  feed(h, {{R"({"id":1,"n":"first"})", at(0)}, {R"({"id":1,"n":"again"})", at(5)}, {R"({"id":"1"})", at(6)},
           {R"({"id":1,"n":"late"})", at(-9)}, {R"({"id":1,"n":"later"})", at(10)}, {R"({"id":1,"n":"x"})", at(19.5)}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"id":1,"n":"first"})", R"({"id":"1"})", R"({"id":1,"n":"later"})"}));
  BOOST_TEST(counter(h, "dropped") == 3);
  BOOST_TEST(counter(h, "unique:id.failed") == 3);
}

BOOST_AUTO_TEST_CASE(a_duplicate_is_dead_lettered_with_its_value_and_ttl) {
  harness h("quality", rule("field = \"id\"\ncheck = \"unique\"\nttl = \"1h\""));
  feed(h, {{R"({"id":"a"})", at(0)}, {R"({"id":"a"})", at(1)}});
  BOOST_TEST(reasons(h) == lines{R"(quality rule unique:id failed: field "id" is "a", already seen within 1h)"});
}

BOOST_AUTO_TEST_CASE(missing_and_null_values_are_never_duplicates) {
  harness h("quality", unique_id);
  feed(h, {{R"({})", at(0)}, {R"({})", at(1)}, {R"({"id":null})", at(2)}, {R"({"id":null})", at(3)}});
  BOOST_TEST(h.out.size() == 4u);
}

BOOST_AUTO_TEST_CASE(only_records_that_go_on_are_remembered) {
  harness h("quality", rule("field = \"ok\"\ncheck = \"not_null\"") + unique_id);
  feed(h, {{R"({"id":1})", at(0)}, {R"({"id":1,"ok":1})", at(1)}, {R"({"id":1,"ok":1})", at(2)}});
  BOOST_TEST(h.out_bytes() == lines{R"({"id":1,"ok":1})"});
  BOOST_TEST(counter(h, "dead_lettered") == 1);
  BOOST_TEST(counter(h, "dropped") == 1);
}

BOOST_AUTO_TEST_CASE(records_without_event_time_use_processing_time) {
  harness h("quality", unique_id);
  feed(h, {{R"({"id":1})"}, {R"({"id":1})"}, {R"({"id":2})"}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"id":1})", R"({"id":2})"}));
}

BOOST_AUTO_TEST_CASE(the_watermark_forgets_values_last_seen_more_than_ttl_before_it) {
  harness h("quality", unique_id);
  feed(h, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(5)}});
  BOOST_TEST_REQUIRE(!h.stage().watermark(at(12)).failed());
  BOOST_TEST(h.stage().gauges().at("keys") == 1);
  feed(h, {{R"({"id":1})", at(9)}, {R"({"id":2})", at(9)}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"id":1})", R"({"id":2})", R"({"id":1})"}));
}

BOOST_AUTO_TEST_CASE(a_restart_sees_the_values_of_the_checkpoint_it_resumes_from) {
  scratch tmp;
  std::string snap;
  {
    auto store = open_store(tmp.root / "state");
    harness a("quality", unique_id, 0, 1, SLUICE_HOST_CHECKPOINTS, store);
    BOOST_TEST_REQUIRE(a.setup_error() == "");
    feed(a, {{R"({"id":1})", at(0)}, {R"({"id":2})", at(1)}});
    BOOST_TEST_REQUIRE(!a.stage().watermark(at(1)).failed());
    snap = checkpoint(a, 1);
    BOOST_TEST_REQUIRE(!store->commit(1).failed());
    BOOST_TEST_REQUIRE(!a.stage().commit(1).failed());
    feed(a, {{R"({"id":3})", at(2)}}); // epoch 2: staged, never committed
    checkpoint(a, 2);
  }
  auto store = open_store(tmp.root / "state");
  BOOST_TEST_REQUIRE(!store->drop_uncommitted().failed());
  harness b("quality", unique_id, 0, 1, SLUICE_HOST_CHECKPOINTS, store);
  BOOST_TEST_REQUIRE(!b.stage().restore(snap, 1).failed());
  feed(b, {{R"({"id":3})", at(2)}, {R"({"id":1})", at(3)}, {R"({"id":2})", at(4)}});
  BOOST_TEST(b.out_bytes() == lines{R"({"id":3})"}); // as if epoch 2 never happened
  auto again = b.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(again));
  BOOST_TEST(mentions(*again, "horizon 1 " + std::to_string(at(1))), *again);
}

BOOST_AUTO_TEST_CASE(a_unique_rule_that_now_reads_another_field_starts_with_no_memory) {
  scratch tmp;
  auto store = open_store(tmp.root / "state");
  harness a("quality", unique_id, 0, 1, SLUICE_HOST_CHECKPOINTS, store);
  feed(a, {{R"({"id":1,"k":1})", at(0)}});
  auto snap = checkpoint(a, 1);
  BOOST_TEST_REQUIRE(!store->commit(1).failed());
  harness b("quality", rule("field = \"k\"\ncheck = \"unique\"\nttl = \"10s\""), 0, 1, SLUICE_HOST_CHECKPOINTS, store);
  BOOST_TEST_REQUIRE(!b.stage().restore(snap, 1).failed());
  feed(b, {{R"({"id":1,"k":1})", at(1)}});
  BOOST_TEST(b.out.size() == 1u);
  BOOST_TEST(b.stage().restore(snap, 2).failed());
  BOOST_TEST(b.stage().restore("sluice-quality 1\nwatermark 0\nhorizon x", 1).failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(rules_arrive_as_tables_with_whitespace_and_float_bounds) {
  harness h("quality", "[[stage.rules]]\n  name = \"amount_range\"\n  field = \"amount\"\n  check = \"range\"\n"
                       "  min = -0.5 # comment\n  max = 1e4\n\n" + rule("field = \"id\"\ncheck = \"not_null\""));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed_lines(h, lines{R"({"id":1,"amount":-0.5})", R"({"id":1,"amount":10001})"});
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST(reasons(h) == lines{R"(quality rule amount_range failed: field "amount" is 10001, above max 10000)"});
}

BOOST_AUTO_TEST_CASE(rules_are_required) {
  BOOST_TEST(mentions(start_error(""), "rules"));
  BOOST_TEST(mentions(start_error("rules = 1"), "list of tables"));
}

BOOST_AUTO_TEST_CASE(a_config_error_names_the_rule_by_index_and_name) {
  const std::string ok = rule("field = \"a\"\ncheck = \"not_null\"");
  const std::vector<std::pair<std::string, std::string>> cases{
    {"field = \"a\"\ncheck = \"nonnull\"", R"(rules[1] "x": unknown check "nonnull" (expected not_null)"},
    {"check = \"not_null\"", R"(rules[1] "x": `field` is required)"},
    {"field = \"a..b\"\ncheck = \"not_null\"", R"(rules[1] "x": `field` "a..b" has an empty path segment)"},
    {"field = \"a\"\ncheck = \"range\"", R"(rules[1] "x": a range rule needs `min`, `max` or both)"},
    {"field = \"a\"\ncheck = \"range\"\nmin = 2\nmax = 1", R"(rules[1] "x": `min` is above `max`)"},
    {"field = \"a\"\ncheck = \"range\"\nmin = \"0\"", R"(rules[1] "x": `min` must be a number, found a string)"},
    {"field = \"a\"\ncheck = \"regex\"\npattern = \"([a-z\"", R"(rules[1] "x": `pattern` /([a-z/ is not a valid)"},
    {"field = \"a\"\ncheck = \"regex\"", R"(rules[1] "x": `pattern` is required)"},
    {"field = \"a\"\ncheck = \"unique\"\nttl = \"1 hour\"", R"(rules[1] "x": `ttl` is "1 hour"; expected a duration)"},
    {"field = \"a\"\ncheck = \"unique\"\nttl = \"0s\"", R"(rules[1] "x": `ttl` must be longer than 0)"},
    {"field = \"a\"\ncheck = \"unique\"", R"(rules[1] "x": `ttl` is required)"},
    {"field = \"a\"\ncheck = \"not_null\"\naction = \"reject\"", R"(rules[1] "x": unknown action "reject" (expected dead-letter, drop or tag))"},
    {"field = \"a\"\ncheck = \"not_null\"\nttl = \"1s\"", R"(rules[1] "x": unknown key `ttl` (a not_null rule takes name, field, check, action))"},
    {"field = \"a\"\ncheck = \"range\"\nmin = 0\nmaximum = 1", R"(rules[1] "x": unknown key `maximum` (a range rule takes name, field, check, action, min, max))"},
    {"field = \"a\"\ncheck = \"type\"\ntype = \"int\"", R"(rules[1] "x": unknown type "int")"},
    {"field = \"a\"\ncheck = \"one_of\"\nvalues = []", R"(rules[1] "x": `values` must not be empty)"},
    {"field = \"a\"\ncheck = \"one_of\"\nvalues = [1]", R"(rules[1] "x": `values` must hold strings only, found an integer)"},
  };
  for (auto& [body, expected] : cases) {
    auto err = start_error(ok + rule("name = \"x\"\n" + body));
    BOOST_TEST(mentions(err, expected), body << "\n  gave: " << err);
  }
}

BOOST_AUTO_TEST_CASE(an_unnamed_rule_is_named_after_its_check_and_field_in_errors) {
  auto err = start_error(rule("field = \"amount\"\ncheck = \"range\""));
  BOOST_TEST(mentions(err, R"(rules[0] "range:amount": a range rule needs)"), err);
  err = start_error(rule("field = \"a\"\ncheck = \"bogus\""));
  BOOST_TEST(mentions(err, R"(rules[0]: unknown check "bogus")"), err);
}

BOOST_AUTO_TEST_CASE(two_rules_may_not_share_a_name) {
  auto err = start_error(rule("field = \"a\"\ncheck = \"not_null\"") + rule("field = \"a\"\ncheck = \"not_null\""));
  BOOST_TEST(mentions(err, R"(rules[1] "not_null:a": the name is already used by rules[0])"), err);
}

BOOST_AUTO_TEST_SUITE_END()
