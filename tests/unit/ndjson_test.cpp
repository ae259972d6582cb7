#define BOOST_TEST_MODULE ndjson
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "file-source/ndjson.hpp"

namespace ndjson = sluice::builtin::ndjson;

namespace {

/// Why `line` is rejected, or "" when it is accepted.
std::string problem(const std::string& line, size_t max_bytes = 1 << 20, uint64_t offset = 0) {
  ndjson::validator v(max_bytes);
  auto why = v.check(line, offset);
  return why ? *why : "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// An object whose value `a` holds arrays nested so the whole line is `depth` deep.
std::string nested(size_t depth) {
  return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

} // namespace

BOOST_AUTO_TEST_CASE(a_json_object_line_is_accepted) {
  BOOST_TEST(problem(R"({"id":1,"ts":"2026-01-01T00:00:00.000Z","tags":["a","b"],"n":{"x":null}})") == "");
  BOOST_TEST(problem("  {\"a\":1}\t\r") == "");
  BOOST_TEST(problem(R"({"name":"Zoë 日本"})") == "");
}

BOOST_AUTO_TEST_CASE(truncated_json_is_invalid_and_names_its_offset) {
  auto why = problem(R"({"id":1,"ts":"2026-01)", 1 << 20, 1234);
  BOOST_TEST(starts_with(why, "invalid JSON at byte offset 1234: "), why);
  BOOST_TEST(starts_with(problem(R"({"id":1,)"), "invalid JSON at byte offset 0: "));
  BOOST_TEST(starts_with(problem(R"({"id":tru})"), "invalid JSON"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_reported_as_such) {
  BOOST_TEST(problem("{\"a\":\"\xff\xfe\"}", 1 << 20, 7) == "invalid UTF-8 at byte offset 7");
  BOOST_TEST(problem("{\"a\":\"\xc3\"}") == "invalid UTF-8 at byte offset 0"); // cut sequence
  BOOST_TEST(problem("{\"a\":\"\xed\xa0\x80\"}") == "invalid UTF-8 at byte offset 0"); // surrogate
}

BOOST_AUTO_TEST_CASE(nesting_of_512_passes_and_513_is_too_deep) {
  BOOST_TEST(problem(nested(512)) == "");
  BOOST_TEST(problem(nested(513), 1 << 20, 42) == "nesting deeper than 512 at byte offset 42");
  BOOST_TEST(problem(nested(5000)) == "nesting deeper than 512 at byte offset 0");
}

BOOST_AUTO_TEST_CASE(two_objects_on_one_line_are_invalid) {
  BOOST_TEST(starts_with(problem(R"({"a":1}{"b":2})"), "invalid JSON at byte offset 0: TAPE_ERROR"));
  BOOST_TEST(starts_with(problem(R"({"a":1} {"b":2})"), "invalid JSON"));
  BOOST_TEST(starts_with(problem(R"({"a":1} 3)"), "invalid JSON"));
}

BOOST_AUTO_TEST_CASE(arrays_and_scalars_are_not_objects) {
  BOOST_TEST(problem(R"([{"a":1}])", 1 << 20, 5) == "not a JSON object at byte offset 5: the line is an array");
  BOOST_TEST(problem("3") == "not a JSON object at byte offset 0: the line is a number");
  BOOST_TEST(problem(R"("text")") == "not a JSON object at byte offset 0: the line is a string");
  BOOST_TEST(problem("true") == "not a JSON object at byte offset 0: the line is a boolean");
  BOOST_TEST(problem("null") == "not a JSON object at byte offset 0: the line is null");
}

BOOST_AUTO_TEST_CASE(binary_bytes_are_invalid) {
  BOOST_TEST(starts_with(problem(std::string("\x00\x01\x02{\"a\":1}", 10)), "invalid JSON"));
  BOOST_TEST(starts_with(problem(std::string("{\"a\":\"x\x00y\"}", 12)), "invalid JSON"));
  BOOST_TEST(problem("\x89PNG\x1a\x0a\xff\xd8") != "");
}

BOOST_AUTO_TEST_CASE(a_line_over_max_bytes_is_oversize_before_it_is_parsed) {
  std::string big = "{\"a\":\"" + std::string(100, 'x') + "\"}";
  BOOST_TEST(problem(big, 100, 99) == "line at byte offset 99 is 108 bytes, over max_record_bytes 100");
  BOOST_TEST(problem(big, 108) == "");
  BOOST_TEST(ndjson::oversize_reason(99, 10485760, 1048576) ==
             "line at byte offset 99 is 10485760 bytes, over max_record_bytes 1048576");
}

BOOST_AUTO_TEST_CASE(empty_and_whitespace_lines_are_blank) {
  BOOST_TEST(ndjson::is_blank(""));
  BOOST_TEST(ndjson::is_blank(" \t\r"));
  BOOST_TEST(!ndjson::is_blank(" {}"));
  BOOST_TEST(starts_with(problem(""), "invalid JSON")); // a caller skips blanks before validating
}

BOOST_AUTO_TEST_CASE(one_validator_checks_many_lines_in_turn) {
  ndjson::validator v(1 << 20);
  BOOST_TEST(!v.check(R"({"a":1})", 0));
  BOOST_TEST(v.check(R"({"a":)", 8).has_value());
  BOOST_TEST(!v.check(R"({"b":2})", 14));
  BOOST_TEST(v.root()["b"].get_int64().value() == 2);
}

BOOST_AUTO_TEST_CASE(a_padded_line_is_checked_in_place) {
  std::string buf = R"({"a":1}{"not":"part of the line"})" + std::string(simdjson::SIMDJSON_PADDING, ' ');
  ndjson::validator v(1 << 20);
  BOOST_TEST(!v.check(std::string_view(buf.data(), 7), 0, true));
}

BOOST_AUTO_TEST_CASE(event_time_is_read_from_rfc3339_strings_and_epoch_milliseconds) {
  ndjson::validator v(1 << 20);
  BOOST_TEST_REQUIRE(!v.check(R"({"ts":"2026-01-01T00:00:01.500Z","ms":1767225601500,"o":{"t":1.5},"s":"x"})", 0));
  const int64_t expected = 1767225601500LL * 1000000;
  BOOST_TEST(ndjson::event_time_at(v.root(), ndjson::pointer_of("ts")).value() == expected);
  BOOST_TEST(ndjson::event_time_at(v.root(), ndjson::pointer_of("ms")).value() == expected);
  BOOST_TEST(ndjson::event_time_at(v.root(), ndjson::pointer_of("o.t")).value() == 1500000);
  BOOST_TEST(!ndjson::event_time_at(v.root(), ndjson::pointer_of("s")));
  BOOST_TEST(!ndjson::event_time_at(v.root(), ndjson::pointer_of("missing")));
}
