#define BOOST_TEST_MODULE project_plugin
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "support/harness.hpp"

using sluice::test::harness;
using lines = std::vector<std::string>;

namespace {

/// Runs `input` through a project stage with `options`; returns port 0.
lines project(const std::string& options, const lines& input, harness** keep = nullptr) {
  static std::unique_ptr<harness> last;
  last = std::make_unique<harness>("project", options);
  BOOST_TEST_REQUIRE(last->setup_error() == "");
  BOOST_TEST(!last->process(input).failed());
  if (keep)
    *keep = last.get();
  return last->out_bytes();
}

} // namespace

BOOST_AUTO_TEST_CASE(keep_selects_fields_in_their_original_order) {
  BOOST_TEST(project(R"(keep = ["c", "a"])", {R"({"a":1,"b":2,"c":3})"}) == lines{R"({"a":1,"c":3})"});
}

BOOST_AUTO_TEST_CASE(drop_removes_fields_and_keeps_the_rest) {
  BOOST_TEST(project(R"(drop = ["b"])", {R"({"a":1, "b":2, "c":3})"}) == lines{R"({"a":1,"c":3})"});
}

BOOST_AUTO_TEST_CASE(drop_wins_over_keep) {
  BOOST_TEST(project("keep = [\"a\", \"b\"]\ndrop = [\"b\"]", {R"({"a":1,"b":2})"}) == lines{R"({"a":1})"});
}

BOOST_AUTO_TEST_CASE(rename_changes_keys_and_escapes_the_new_name) {
  BOOST_TEST(project(R"(rename = { a = "alpha", b = "q\"uote" })", {R"({"a":1,"b":2,"c":3})"}) ==
             lines{R"({"alpha":1,"q\"uote":2,"c":3})"});
}

BOOST_AUTO_TEST_CASE(nested_values_and_escaped_keys_are_copied_verbatim) {
  std::string in = R"({"obj": {"x": [1, 2, {"y": "z"}]}, "k\"ey\u00e9": "v\n\"w\"", "arr": [ ], "drop": 0})";
  BOOST_TEST(project(R"(drop = ["drop"])", {in}) ==
             lines{R"({"obj":{"x": [1, 2, {"y": "z"}]},"k\"ey\u00e9":"v\n\"w\"","arr":[ ]})"});
}

BOOST_AUTO_TEST_CASE(an_escaped_key_matches_its_unescaped_name) {
  BOOST_TEST(project(R"(keep = ["a\"b"])", {R"({"a\"b":1,"c":2})"}) == lines{R"({"a\"b":1})"});
  BOOST_TEST(project(R"(keep = ["é"])", {R"({"\u00e9":1,"c":2})"}) == lines{R"({"\u00e9":1})"});
}

BOOST_AUTO_TEST_CASE(a_record_that_would_not_change_is_emitted_with_identical_bytes) {
  std::string in = R"({ "a" : 1 ,  "b":{"c" :2} })";
  BOOST_TEST(project(R"(keep = ["a", "b", "z"])", {in}) == lines{in});
  BOOST_TEST(project(R"(drop = ["z"])", {in}) == lines{in});
  BOOST_TEST(project("", {in, "{}"}) == (lines{in, "{}"}));
}

BOOST_AUTO_TEST_CASE(a_rewritten_record_keeps_its_event_time_and_offset) {
  harness h("project", R"(drop = ["b"])");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({R"({"a":1})", R"({"a":2,"b":3})"}, 42).failed());
  BOOST_TEST_REQUIRE(h.out.size() == 2u);
  BOOST_TEST(h.out[1].bytes == R"({"a":2})");
  BOOST_TEST(h.out[1].event_time == 42);
  BOOST_TEST(h.out[1].offset == 8u);
}

BOOST_AUTO_TEST_CASE(a_record_that_is_not_an_object_is_dead_lettered_with_its_offset) {
  harness* h = nullptr;
  auto out = project(R"(keep = ["a"])", {R"({"a":1})", "[1,2]", "42", "not json", R"({"a":2})"}, &h);
  BOOST_TEST(out == (lines{R"({"a":1})", R"({"a":2})"}));
  BOOST_TEST_REQUIRE(h->dead.size() == 3u);
  BOOST_TEST(h->dead[0].first == "[1,2]");
  BOOST_TEST(h->dead[0].second == "project: record at offset 8 is not a JSON object");
  BOOST_TEST(h->dead[1].second.find("offset 14") != std::string::npos);
  BOOST_TEST(h->dead[2].first == "not json");
}

BOOST_AUTO_TEST_CASE(a_lone_string_is_a_keep_list_of_one) {
  BOOST_TEST(project(R"(keep = "b")", {R"({"a":1,"b":2})"}) == lines{R"({"b":2})"});
}
