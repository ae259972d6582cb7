#define BOOST_TEST_MODULE filter_plugin
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "support/harness.hpp"

using sluice::test::harness;

namespace {

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

} // namespace

BOOST_AUTO_TEST_CASE(matching_records_pass_with_their_original_bytes_and_others_are_dropped) {
  harness h("filter", "where = \"status == \\\"active\\\"\"");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  std::vector<std::string> lines = {
    R"({ "status" : "active",  "n": 1.50 })",
    R"({"status":"idle"})",
    "not json at all",
    R"({"n":2})",
    R"({"status":"\u0061ctive","tags":[1, 2]})",
  };
  auto st = h.process(lines, 1234);
  BOOST_TEST_REQUIRE(!st.failed(), st.message());
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{lines[0], lines[4]}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.out.size() == 2u);
  BOOST_TEST(h.out[0].event_time == 1234);
  BOOST_TEST(h.out[0].offset == 0u);
  BOOST_TEST(h.out[1].offset == lines[0].size() + lines[1].size() + lines[2].size() + lines[3].size() + 4);
  BOOST_TEST(h.dead.empty());
}

BOOST_AUTO_TEST_CASE(passed_dropped_and_not_json_are_counted_per_batch) {
  harness h("filter", "where = 'level == \"error\" or code >= 500'");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  BOOST_TEST(!h.process({R"({"level":"error"})", R"({"code":404})", "oops"}).failed());
  BOOST_TEST(!h.process({R"({"code":503})", R"({"code":200})"}).failed());
  BOOST_TEST(!h.process({}).failed());
  BOOST_TEST(counter(h, "passed") == 2);
  BOOST_TEST(counter(h, "dropped") == 3);
  BOOST_TEST(counter(h, "not_json") == 1);
}

BOOST_AUTO_TEST_CASE(a_negated_predicate_passes_records_that_are_not_json) {
  harness h("filter", "where = 'not status == \"ok\"'");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  BOOST_TEST(!h.process({"plain text", R"({"status":"ok"})", R"({"status":"bad"})"}).failed());
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{"plain text", R"({"status":"bad"})"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_bad_where_fails_setup_with_the_column_and_what_was_expected) {
  harness h("filter", "where = \"status == \"");
  BOOST_TEST(h.setup_error().find(R"(where: column 11: expected a value after "==", found end of input)") !=
               std::string::npos,
             h.setup_error());
}

BOOST_AUTO_TEST_CASE(a_lexical_error_in_where_also_names_its_column) {
  harness h("filter", R"(where = 'msg == "bad \q escape"')");
  BOOST_TEST(h.setup_error().find("where: column 14: expected an escape") != std::string::npos, h.setup_error());
}

BOOST_AUTO_TEST_CASE(an_unknown_option_is_refused_with_a_suggestion_of_where) {
  harness h("filter", "wher = \"status == 1\"");
  BOOST_TEST(h.setup_error().find("wher") != std::string::npos, h.setup_error());
  BOOST_TEST(h.setup_error().find("did you mean `where`") != std::string::npos, h.setup_error());
}

BOOST_AUTO_TEST_CASE(where_is_required) {
  harness h("filter", "");
  BOOST_TEST(!h.setup_error().empty());
  BOOST_TEST(h.setup_error().find("where") != std::string::npos, h.setup_error());
}
