#define BOOST_TEST_MODULE quality plugin checks and actions
#include <boost/test/unit_test.hpp>

#include "quality_helpers.hpp"


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
