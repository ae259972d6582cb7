#define BOOST_TEST_MODULE quality_plugin
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "state/store.hpp"
#include "support/harness.hpp"

using sluice::test::harness;
using lines = std::vector<std::string>;

namespace {

int64_t at(double s) { return 1767225600000000000LL + static_cast<int64_t>(s * 1e9); }

struct rec {
  std::string line;
  int64_t t = SLUICE_NO_TIME;
};

void feed(harness& h, const std::vector<rec>& rs) {
  std::vector<sluice_record> raw;
  uint64_t offset = 0;
  for (auto& r : rs) {
    sluice_record x{};
    x.data = r.line.data();
    x.size = r.line.size();
    x.event_time_ns = r.t;
    x.position.offset = offset++;
    raw.push_back(x);
  }
  BOOST_TEST_REQUIRE(!h.stage().process(raw.data(), raw.size()).failed());
}

void feed_lines(harness& h, const lines& ls) {
  std::vector<rec> rs;
  for (auto& l : ls)
    rs.push_back({l, at(0)});
  feed(h, rs);
}

/// One [[stage.rules]] table from its body lines.
std::string rule(const std::string& body) { return "[[stage.rules]]\n" + body + "\n"; }

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

lines reasons(const harness& h) {
  lines out;
  for (auto& d : h.dead)
    out.push_back(d.second);
  return out;
}

/// The start error of a stage with these rules ("" when it started).
std::string start_error(const std::string& rules) { return harness("quality", rules).setup_error(); }

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A unique directory under /tmp, removed at the end of the test.
struct scratch {
  std::filesystem::path root;
  scratch() {
    std::string tmpl = "/tmp/sluice-quality-test-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root = tmpl;
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
};

std::shared_ptr<sluice::state::store> open_store(const std::filesystem::path& dir) {
  auto r = sluice::state::store::open(dir.string());
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return std::shared_ptr<sluice::state::store>(std::move(*r));
}

/// What a checkpoint does to one instance: flush, snapshot, stage keyed state.
std::string checkpoint(harness& h, int64_t epoch) {
  BOOST_TEST_REQUIRE(!h.stage().flush().failed());
  auto snap = h.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  auto st = h.stage().stage_state(epoch);
  BOOST_TEST_REQUIRE(!st.failed(), (st.failed() ? st.message() : ""));
  return *snap;
}

const std::string unique_id = rule("field = \"id\"\ncheck = \"unique\"\nttl = \"10s\"\naction = \"drop\"");

} // namespace

BOOST_AUTO_TEST_SUITE(checks)

BOOST_AUTO_TEST_CASE(a_record_missing_a_not_null_field_is_dead_lettered_with_the_rule_and_field) {
  harness h("quality", rule("field = \"customer\"\ncheck = \"not_null\""));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed_lines(h, lines{R"({"id":1})", R"({"id":2,"customer":null})", R"({"id":3,"customer":"ann"})"});
  BOOST_TEST(h.out_bytes() == lines{R"({"id":3,"customer":"ann"})"});
  BOOST_TEST_REQUIRE(h.dead.size() == 2u);
  BOOST_TEST(h.dead[0].first == R"({"id":1})");
  BOOST_TEST(reasons(h) == (lines{R"(quality rule not_null:customer failed: field "customer" is missing)",
                                  R"(quality rule not_null:customer failed: field "customer" is null)"}));
}

BOOST_AUTO_TEST_CASE(a_record_passing_every_rule_goes_on_unchanged_with_its_metadata) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"") + rule("field = \"b\"\ncheck = \"range\"\nmin = 0"));
  feed(h, std::vector<rec>{{R"({"a":"x", "b": 2 })", at(7)}});
  BOOST_TEST(h.out_bytes() == lines{R"({"a":"x", "b": 2 })"});
  BOOST_TEST(h.out[0].event_time == at(7));
  BOOST_TEST(counter(h, "passed") == 1);
}

BOOST_AUTO_TEST_CASE(range_takes_integer_and_float_bounds_inclusively_and_fails_missing_or_non_numbers) {
  harness h("quality", rule("name = \"amount\"\nfield = \"amount\"\ncheck = \"range\"\nmin = 0\nmax = 10.5"));
  feed_lines(h, lines{R"({"amount":0})", R"({"amount":10.5})", R"({"amount":3e0})", R"({"amount":-1})",
                R"({"amount":10.75})", R"({"amount":"5"})", R"({"n":1})", R"({"amount":{"v":1}})"});
  BOOST_TEST(h.out.size() == 3u);
  BOOST_TEST(reasons(h) == (lines{R"(quality rule amount failed: field "amount" is -1, below min 0)",
                                  R"(quality rule amount failed: field "amount" is 10.75, above max 10.5)",
                                  R"(quality rule amount failed: field "amount" is "5", not a number)",
                                  R"(quality rule amount failed: field "amount" is missing, expected a number)",
                                  R"(quality rule amount failed: field "amount" is an object, not a number)"}));
  BOOST_TEST(counter(h, "amount.failed") == 5);
}

BOOST_AUTO_TEST_CASE(range_with_only_max_has_no_lower_bound) {
  harness h("quality", rule("field = \"n\"\ncheck = \"range\"\nmax = 3"));
  feed_lines(h, lines{R"({"n":-1e9})", R"({"n":4})"});
  BOOST_TEST(h.out_bytes() == lines{R"({"n":-1e9})"});
}

BOOST_AUTO_TEST_CASE(regex_must_match_the_whole_unescaped_string) {
  harness h("quality", rule("field = \"code\"\ncheck = \"regex\"\npattern = '[A-Z]{2}\\d+'"));
  feed_lines(h, lines{R"({"code":"AB12"})", R"({"code":"\u0041B1"})", R"({"code":"xAB12"})", R"({"code":"AB12x"})",
                R"({"code":12})"});
  BOOST_TEST(h.out_bytes() == (lines{R"({"code":"AB12"})", R"({"code":"\u0041B1"})"}));
  BOOST_TEST(reasons(h) == (lines{R"(quality rule regex:code failed: field "code" is "xAB12", which does not match /[A-Z]{2}\d+/)",
                                  R"(quality rule regex:code failed: field "code" is "AB12x", which does not match /[A-Z]{2}\d+/)",
                                  R"(quality rule regex:code failed: field "code" is 12, not a string)"}));
}

BOOST_AUTO_TEST_CASE(one_of_accepts_only_the_listed_strings) {
  harness h("quality", rule("field = \"status\"\ncheck = \"one_of\"\nvalues = [\"active\", \"cancelled\"]"));
  feed_lines(h, lines{R"({"status":"active"})", R"({"status":"cancelled"})", R"({"status":"Active"})",
                R"({"status":true})", R"({})"});
  BOOST_TEST(h.out.size() == 2u);
  BOOST_TEST(reasons(h) == (lines{R"(quality rule one_of:status failed: field "status" is "Active", not one of "active", "cancelled")",
                                  R"(quality rule one_of:status failed: field "status" is true, not a string)",
                                  R"(quality rule one_of:status failed: field "status" is missing, expected a string)"}));
}

BOOST_AUTO_TEST_CASE(type_tells_json_types_apart_and_an_integer_is_a_number_without_fraction_or_exponent) {
  const lines values{R"("s")", "1", "-2.5", "1e2", "1.0", "true", R"({"a":1})", "[1]", "null"};
  const std::vector<std::pair<std::string, lines>> passing{
    {"string", {R"("s")"}},         {"number", {"1", "-2.5", "1e2", "1.0"}}, {"integer", {"1"}},
    {"boolean", {"true"}},          {"object", {R"({"a":1})"}},              {"array", {"[1]"}},
    {"null", {"null"}}};
  for (auto& [type, expected] : passing) {
    harness h("quality", rule("field = \"v\"\ncheck = \"type\"\ntype = \"" + type + "\"\naction = \"drop\""));
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    lines in, want;
    for (auto& v : values)
      in.push_back("{\"v\":" + v + "}");
    for (auto& v : expected)
      want.push_back("{\"v\":" + v + "}");
    feed_lines(h, in);
    BOOST_TEST(h.out_bytes() == want, "type " << type);
    BOOST_TEST(counter(h, "dropped") == static_cast<int64_t>(values.size() - expected.size()));
  }
  harness h("quality", rule("field = \"v\"\ncheck = \"type\"\ntype = \"integer\""));
  feed_lines(h, lines{R"({"v":1.5})", R"({"w":1})"});
  BOOST_TEST(reasons(h) == (lines{R"(quality rule type:v failed: field "v" is 1.5 (number), expected integer)",
                                  R"(quality rule type:v failed: field "v" is missing, expected integer)"}));
}

BOOST_AUTO_TEST_CASE(a_dotted_field_reads_a_nested_value) {
  harness h("quality", rule("field = \"user.email\"\ncheck = \"regex\"\npattern = \"[^@]+@[^@]+\""));
  feed_lines(h, lines{R"({"user":{"email":"a@b"}})", R"({"user":{"email":"ab"}})", R"({"user":"a@b"})"});
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST(reasons(h)[1] == R"(quality rule regex:user.email failed: field "user.email" is missing, expected a string)");
}

BOOST_AUTO_TEST_CASE(a_dotted_field_indexes_arrays_too) {
  harness h("quality", rule("field = \"items.0\"\ncheck = \"not_null\"\naction = \"drop\""));
  feed_lines(h, lines{R"({"items":[1]})", R"({"items":[]})", R"({"items":{"0":1}})", R"({"items":[null]})"});
  BOOST_TEST(h.out_bytes() == (lines{R"({"items":[1]})", R"({"items":{"0":1}})"}));
}

BOOST_AUTO_TEST_CASE(a_record_whose_checked_field_is_not_valid_json_is_dead_lettered_and_counts_no_rule) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"\naction = \"drop\"") +
                         rule("field = \"b\"\ncheck = \"range\"\nmin = 0"));
  feed_lines(h, lines{R"({"b":-1,"x":})", R"({"a":1,"b":1})"});
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(mentions(h.dead[0].second, R"(quality rule not_null:a could not read field "a": not valid JSON ()"),
             h.dead[0].second);
  BOOST_TEST(counter(h, "range:b.failed") == 0);
  BOOST_TEST(counter(h, "dead_lettered") == 1);
}

BOOST_AUTO_TEST_CASE(a_record_to_tag_that_is_not_valid_json_is_dead_lettered_instead) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"\naction = \"tag\""));
  feed_lines(h, lines{R"({"x":1,"y":tru})"});
  BOOST_TEST(h.out.empty());
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(mentions(h.dead[0].second, "quality: not valid JSON, so it cannot be tagged ("), h.dead[0].second);
  BOOST_TEST(counter(h, "not_null:a.failed") == 1);
  BOOST_TEST(counter(h, "tagged") == 0);
}

BOOST_AUTO_TEST_CASE(a_record_that_is_not_a_json_object_is_dead_lettered) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"\naction = \"tag\""));
  feed_lines(h, lines{"[1]", "not json", "7", R"({"a":1})"});
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST(reasons(h) == (lines{"not a JSON object", "not a JSON object", "not a JSON object"}));
  BOOST_TEST(counter(h, "dead_lettered") == 3);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(actions)

BOOST_AUTO_TEST_CASE(drop_leaves_out_the_record_and_counts_it) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"\naction = \"drop\""));
  feed_lines(h, lines{R"({"b":1})", R"({"a":1})"});
  BOOST_TEST(h.out_bytes() == lines{R"({"a":1})"});
  BOOST_TEST(h.dead.empty());
  BOOST_TEST(counter(h, "dropped") == 1);
  BOOST_TEST(counter(h, "not_null:a.failed") == 1);
}

BOOST_AUTO_TEST_CASE(tag_adds_a_quality_array_naming_every_failed_tag_rule) {
  harness h("quality", rule("name = \"has-a\"\nfield = \"a\"\ncheck = \"not_null\"\naction = \"tag\"") +
                         rule("name = \"say \\\"b\\\"\"\nfield = \"b\"\ncheck = \"not_null\"\naction = \"tag\""));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, std::vector<rec>{{R"({"x":1})", at(3)}, {R"({ "a":1 } )", at(4)}, {"{}", at(5)}, {R"({"a":1,"b":2})", at(6)}});
  BOOST_TEST(h.out_bytes() == (lines{R"({"x":1,"_quality":["has-a","say \"b\""]})", R"({ "a":1 ,"_quality":["say \"b\""]} )",
                                     R"({"_quality":["has-a","say \"b\""]})", R"({"a":1,"b":2})"}));
  BOOST_TEST(h.out[0].event_time == at(3));
  BOOST_TEST(counter(h, "tagged") == 3);
  BOOST_TEST(counter(h, "passed") == 1);
}

BOOST_AUTO_TEST_CASE(tag_appends_to_an_existing_quality_array_and_wraps_any_other_value) {
  harness h("quality", rule("name = \"r\"\nfield = \"a\"\ncheck = \"not_null\"\naction = \"tag\""));
  feed_lines(h, lines{R"({"_quality":["old"],"z":1})", R"({"_quality":[ ] })", R"({"_quality":"old"})",
                R"({"_quality":{"k":[1]}})", R"({"n":{"_quality":1}})"});
  BOOST_TEST(h.out_bytes() == (lines{R"({"_quality":["old","r"],"z":1})", R"({"_quality":[ "r"] })",
                                     R"({"_quality":["old","r"]})", R"({"_quality":[{"k":[1]},"r"]})",
                                     R"({"n":{"_quality":1},"_quality":["r"]})"}));
}

BOOST_AUTO_TEST_CASE(a_failed_dead_letter_rule_wins_with_the_first_reason_and_drop_beats_tag) {
  harness h("quality", rule("name = \"t\"\nfield = \"t\"\ncheck = \"not_null\"\naction = \"tag\"") +
                         rule("name = \"d\"\nfield = \"d\"\ncheck = \"not_null\"\naction = \"drop\"") +
                         rule("name = \"x1\"\nfield = \"x\"\ncheck = \"not_null\"") +
                         rule("name = \"x2\"\nfield = \"x\"\ncheck = \"type\"\ntype = \"string\""));
  feed_lines(h, lines{R"({})", R"({"x":"s"})", R"({"x":"s","d":1})", R"({"x":"s","d":1,"t":1})", R"({"x":1,"d":1,"t":1})"});
  BOOST_TEST(reasons(h) == (lines{R"(quality rule x1 failed: field "x" is missing)",
                                  R"(quality rule x2 failed: field "x" is 1 (integer), expected string)"}));
  BOOST_TEST(h.out_bytes() == (lines{R"({"x":"s","d":1,"_quality":["t"]})", R"({"x":"s","d":1,"t":1})"}));
  // every rule is checked, so each counter says how many records failed it
  BOOST_TEST(counter(h, "t.failed") == 3);
  BOOST_TEST(counter(h, "d.failed") == 2);
  BOOST_TEST(counter(h, "x1.failed") == 1);
  BOOST_TEST(counter(h, "x2.failed") == 2);
  BOOST_TEST(counter(h, "dead_lettered") == 2);
  BOOST_TEST(counter(h, "dropped") == 1);
  BOOST_TEST(counter(h, "tagged") == 1);
  BOOST_TEST(counter(h, "passed") == 1);
}

BOOST_AUTO_TEST_CASE(the_counters_are_exact_over_several_batches) {
  harness h("quality", rule("field = \"a\"\ncheck = \"not_null\"") +
                         rule("field = \"n\"\ncheck = \"range\"\nmin = 0\naction = \"tag\""));
  for (int b = 0; b < 5; ++b)
    feed_lines(h, lines{R"({"a":1,"n":1})", R"({"a":1,"n":-1})", R"({"n":1})", "[]", R"({"n":-1})"});
  BOOST_TEST(counter(h, "passed") == 5);
  BOOST_TEST(counter(h, "tagged") == 5);
  BOOST_TEST(counter(h, "dead_lettered") == 15);
  BOOST_TEST(counter(h, "dropped") == 0);
  BOOST_TEST(counter(h, "not_null:a.failed") == 10);
  BOOST_TEST(counter(h, "range:n.failed") == 10);
}

BOOST_AUTO_TEST_SUITE_END()

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
