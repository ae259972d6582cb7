#define BOOST_TEST_MODULE text
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/text.hpp"

#include "support/print_optional.hpp"

using namespace sluice::text;

namespace {

constexpr int64_t ms = 1000000;
constexpr int64_t sec = 1000 * ms;

} // namespace

BOOST_AUTO_TEST_SUITE(durations)

BOOST_AUTO_TEST_CASE(every_unit_reads_as_nanoseconds) {
  BOOST_TEST(parse_duration("7ns") == std::optional<int64_t>{7});
  BOOST_TEST(parse_duration("10us") == std::optional<int64_t>{10000});
  BOOST_TEST(parse_duration("200ms") == std::optional<int64_t>{200 * ms});
  BOOST_TEST(parse_duration("1s") == std::optional<int64_t>{sec});
  BOOST_TEST(parse_duration("5m") == std::optional<int64_t>{300 * sec});
  BOOST_TEST(parse_duration("2h") == std::optional<int64_t>{7200 * sec});
  BOOST_TEST(parse_duration("1d") == std::optional<int64_t>{86400 * sec});
  BOOST_TEST(parse_duration("0s") == std::optional<int64_t>{0});
  BOOST_TEST(parse_duration("007ms") == std::optional<int64_t>{7 * ms});
}

BOOST_AUTO_TEST_CASE(a_missing_or_unknown_unit_is_refused) {
  for (const char* bad : {"", "5", "ms", "5x", "5 s", "5S", "5MS", "5sec", "5ms ", " 5ms", "1.5s", "-1s",
                          "+1s", "s1", "1s1", "5mm"})
    BOOST_TEST(!parse_duration(bad).has_value(), "\"" << bad << "\" parsed");
}

BOOST_AUTO_TEST_CASE(a_duration_that_does_not_fit_in_64_bits_is_refused) {
  BOOST_TEST(parse_duration("9223372036s") == std::optional<int64_t>{9223372036 * sec});
  BOOST_TEST(!parse_duration("9223372037s").has_value());
  BOOST_TEST(!parse_duration("106752d").has_value());
  BOOST_TEST(!parse_duration("9223372036854775808ns").has_value());
  BOOST_TEST(!parse_duration("99999999999999999999999999ns").has_value());
  BOOST_TEST(!parse_duration("18446744073709551616ms").has_value());
}

BOOST_AUTO_TEST_CASE(the_largest_representable_duration_is_accepted) {
  BOOST_TEST(parse_duration("9223372036854775807ns") == std::optional<int64_t>{INT64_MAX});
  BOOST_TEST(parse_duration("9223372036854775800ns") == std::optional<int64_t>{9223372036854775800LL});
}

BOOST_AUTO_TEST_CASE(format_uses_the_largest_exact_unit_and_parses_back) {
  BOOST_TEST(format_duration(0) == "0ns");
  BOOST_TEST(format_duration(7) == "7ns");
  BOOST_TEST(format_duration(10000) == "10us");
  BOOST_TEST(format_duration(200 * ms) == "200ms");
  BOOST_TEST(format_duration(1500 * ms) == "1500ms");
  BOOST_TEST(format_duration(90 * sec) == "90s");
  BOOST_TEST(format_duration(300 * sec) == "5m");
  BOOST_TEST(format_duration(7200 * sec) == "2h");
  BOOST_TEST(format_duration(86400 * sec) == "1d");
  for (int64_t ns : {int64_t{1}, int64_t{999}, 1001 * ms, 61 * sec, 25 * 3600 * sec, int64_t{123456789}})
    BOOST_TEST(parse_duration(format_duration(ns)) == std::optional<int64_t>{ns}, ns);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(suggestions)

BOOST_AUTO_TEST_CASE(edit_distance_counts_insertions_deletions_and_substitutions) {
  BOOST_TEST(edit_distance("", "") == 0u);
  BOOST_TEST(edit_distance("", "abc") == 3u);
  BOOST_TEST(edit_distance("abc", "") == 3u);
  BOOST_TEST(edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(edit_distance("filtr", "filter") == 1u);
  BOOST_TEST(edit_distance("flaw", "lawn") == 2u);
  BOOST_TEST(edit_distance("same", "same") == 0u);
}

BOOST_AUTO_TEST_CASE(closest_suggests_a_typo_of_a_candidate) {
  std::vector<std::string> keys = {"name", "state_dir", "guarantee", "checkpoint_interval", "coordinator",
                                   "batch_size", "credits"};
  BOOST_TEST(closest("filtr", {"project", "filter", "generator"}) == std::optional<std::string>{"filter"});
  BOOST_TEST(closest("batchsize", keys) == std::optional<std::string>{"batch_size"});
  BOOST_TEST(closest("gaurantee", keys) == std::optional<std::string>{"guarantee"});
  BOOST_TEST(closest("credits", keys) == std::optional<std::string>{"credits"});
}

BOOST_AUTO_TEST_CASE(closest_suggests_nothing_for_an_unrelated_word) {
  BOOST_TEST(!closest("completely_different", {"name", "plugin", "inputs"}).has_value());
  BOOST_TEST(!closest("zzzzz", {"abc"}).has_value());
  BOOST_TEST(!closest("anything", {}).has_value());
}

BOOST_AUTO_TEST_CASE(closest_picks_the_nearest_and_the_first_on_a_tie) {
  BOOST_TEST(closest("node", {"nodes", "node"}) == std::optional<std::string>{"node"});
  BOOST_TEST(closest("abcd", {"abxd", "abcx"}) == std::optional<std::string>{"abxd"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(printable_text)

BOOST_AUTO_TEST_CASE(printable_ascii_passes_unchanged) {
  BOOST_TEST(printable("") == "");
  BOOST_TEST(printable(R"({"a": 1, "b": [true]})") == R"({"a": 1, "b": [true]})");
  BOOST_TEST(printable("~ !") == "~ !");
}

BOOST_AUTO_TEST_CASE(control_bytes_high_bytes_and_backslashes_are_escaped) {
  BOOST_TEST(printable("a\nb") == "a\\x0ab");
  BOOST_TEST(printable("\t\r") == "\\x09\\x0d");
  BOOST_TEST(printable(std::string{"x\0y", 3}) == "x\\x00y");
  BOOST_TEST(printable("\x7f") == "\\x7f");
  BOOST_TEST(printable("\xc3\xa9") == "\\xc3\\xa9");
  BOOST_TEST(printable("\xff") == "\\xff");
  BOOST_TEST(printable("a\\x41") == "a\\\\x41");
}

BOOST_AUTO_TEST_CASE(long_input_is_cut_at_max_with_an_ellipsis) {
  BOOST_TEST(printable(std::string(80, 'a')) == std::string(80, 'a'));
  BOOST_TEST(printable(std::string(81, 'a')) == std::string(80, 'a') + "...");
  BOOST_TEST(printable(std::string(200, 'b'), 10) == std::string(10, 'b') + "...");
  BOOST_TEST(printable("abc", 0) == "...");
}

BOOST_AUTO_TEST_CASE(an_escape_is_never_cut_in_half) {
  auto out = printable(std::string(9, 'a') + "\x01\x02\x03", 10);
  BOOST_TEST(out == std::string(9, 'a') + "\\x01...");
}

BOOST_AUTO_TEST_SUITE_END()
