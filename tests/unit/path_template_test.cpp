#define BOOST_TEST_MODULE path_template
#include <boost/test/unit_test.hpp>

#include <string>

#include "file-sink/path_template.hpp"

using namespace sluice::builtin;
using namespace sluice::builtin::file_sink;

namespace {

// 2026-01-02T03:04:05Z
constexpr int64_t jan_2_2026 = 1767323045LL * 1000000000LL;
constexpr int64_t unused_now = 0;

path_template parsed(const std::string& text) {
  std::string error;
  auto t = path_template::parse(text, error);
  BOOST_TEST_REQUIRE(t.has_value(), "parse of " << text << " failed: " << error);
  return *t;
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto t = path_template::parse(text, error);
  BOOST_TEST(!t.has_value());
  return error;
}

std::string render(const path_template& t, const std::string& json, int64_t event_time = SLUICE_NO_TIME,
                   int64_t now = unused_now) {
  sluice_record raw{};
  raw.data = json.data();
  raw.size = json.size();
  raw.event_time_ns = event_time;
  field_reader reader;
  std::string out;
  t.render(sluice::record{raw}, now, reader, out);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_template_without_placeholders_renders_to_itself) {
  auto t = parsed("out/part.ndjson");
  BOOST_TEST(t.is_constant());
  BOOST_TEST(render(t, "{}") == "out/part.ndjson");
  BOOST_TEST(t.root() == "out");
}

BOOST_AUTO_TEST_CASE(a_field_renders_strings_unquoted_and_other_scalars_as_json_text) {
  auto t = parsed("out/c={category}/n={n}/b={b}/z={z}/part.ndjson");
  BOOST_TEST(t.has_fields());
  BOOST_TEST(!t.has_time());
  BOOST_TEST(render(t, R"({"category":"books","n":42,"b":true,"z":null})") ==
             "out/c=books/n=42/b=true/z=null/part.ndjson");
  BOOST_TEST(render(t, R"({"category":"a\"b","n":-1.5e3,"b":false,"z":0})") ==
             "out/c=a\"b/n=-1.5e3/b=false/z=0/part.ndjson");
}

BOOST_AUTO_TEST_CASE(a_dotted_field_reads_a_nested_value) {
  auto t = parsed("out/{user.country}/{user.id}.ndjson");
  BOOST_TEST(render(t, R"({"user":{"id":7,"country":"nl"}})") == "out/nl/7.ndjson");
}

BOOST_AUTO_TEST_CASE(a_missing_field_or_a_non_object_record_renders_missing) {
  auto t = parsed("out/{category}/{a.b}/part.ndjson");
  BOOST_TEST(render(t, R"({"a":{}})") == "out/_missing_/_missing_/part.ndjson");
  BOOST_TEST(render(t, "[1,2]") == "out/_missing_/_missing_/part.ndjson");
  BOOST_TEST(render(t, "not json") == "out/_missing_/_missing_/part.ndjson");
}

BOOST_AUTO_TEST_CASE(compound_values_render_as_their_kind) {
  auto t = parsed("{a}/{b}/x");
  BOOST_TEST(render(t, R"({"a":{"k":1},"b":[1]})") == "_object_/_array_/x");
}

BOOST_AUTO_TEST_CASE(time_parts_are_zero_padded_utc_event_time) {
  auto t = parsed("out/year={year}/month={month}/day={day}/hour={hour}/part.ndjson");
  BOOST_TEST(t.has_time());
  BOOST_TEST(!t.has_fields());
  BOOST_TEST(render(t, "{}", jan_2_2026) == "out/year=2026/month=01/day=02/hour=03/part.ndjson");
  BOOST_TEST(render(t, "{}", 0) == "out/year=1970/month=01/day=01/hour=00/part.ndjson");
  BOOST_TEST(render(t, "{}", 951782400LL * 1000000000LL) == // 2000-02-29T00:00:00Z
             "out/year=2000/month=02/day=29/hour=00/part.ndjson");
  BOOST_TEST(render(t, "{}", -1) == "out/year=1969/month=12/day=31/hour=23/part.ndjson");
}

BOOST_AUTO_TEST_CASE(a_record_without_event_time_uses_processing_time) {
  auto t = parsed("{year}-{month}-{day}/p");
  BOOST_TEST(render(t, "{}", SLUICE_NO_TIME, jan_2_2026) == "2026-01-02/p");
}

BOOST_AUTO_TEST_CASE(unsafe_values_cannot_leave_their_directory) {
  auto t = parsed("out/{v}/part.ndjson");
  BOOST_TEST(render(t, R"({"v":"../../etc"})") == "out/______etc/part.ndjson");
  BOOST_TEST(render(t, R"({"v":".."})") == "out/__/part.ndjson");
  BOOST_TEST(render(t, R"({"v":"."})") == "out/_/part.ndjson");
  BOOST_TEST(render(t, R"({"v":"a/b"})") == "out/a_b/part.ndjson");
  BOOST_TEST(render(t, R"({"v":"a\u0000b"})") == "out/a_b/part.ndjson");
  BOOST_TEST(render(t, R"({"v":""})") == "out/_empty_/part.ndjson");
  BOOST_TEST(render(t, R"({"v":"v1.2"})") == "out/v1.2/part.ndjson");
}

BOOST_AUTO_TEST_CASE(the_root_is_the_directory_before_the_first_placeholder) {
  BOOST_TEST(parsed("out/lake/category={category}/part.ndjson").root() == "out/lake");
  BOOST_TEST(parsed("/data/{year}/part").root() == "/data");
  BOOST_TEST(parsed("/{year}/part").root() == "/");
  BOOST_TEST(parsed("{year}/part").root() == ".");
  BOOST_TEST(parsed("part.ndjson").root() == ".");
}

BOOST_AUTO_TEST_CASE(final_names_insert_instance_and_seq_before_the_extension) {
  BOOST_TEST(final_name("part.ndjson", 0, 0) == "part-0-0.ndjson");
  BOOST_TEST(final_name("part.ndjson", 3, 12) == "part-3-12.ndjson");
  BOOST_TEST(final_name("part", 0, 0) == "part-0-0");
  BOOST_TEST(final_name("a.b.json", 1, 2) == "a.b-1-2.json");
  BOOST_TEST(inprogress_name("part.ndjson", 0, 0) == ".part-0-0.ndjson.inprogress");
  BOOST_TEST(inprogress_name("part", 2, 5) == ".part-2-5.inprogress");
}

BOOST_AUTO_TEST_CASE(seq_of_recognises_final_and_in_progress_names_of_one_instance) {
  BOOST_TEST(seq_of("part-0-7.ndjson", "part.ndjson", 0).value_or(99) == 7u);
  BOOST_TEST(seq_of(".part-0-8.ndjson.inprogress", "part.ndjson", 0).value_or(99) == 8u);
  BOOST_TEST(seq_of("part-0-3", "part", 0).value_or(99) == 3u);
  BOOST_TEST(!seq_of("part-1-7.ndjson", "part.ndjson", 0));
  BOOST_TEST(!seq_of("part-0-.ndjson", "part.ndjson", 0));
  BOOST_TEST(!seq_of("part-0-x.ndjson", "part.ndjson", 0));
  BOOST_TEST(!seq_of("part-0-7.json", "part.ndjson", 0));
  BOOST_TEST(!seq_of("other-0-7.ndjson", "part.ndjson", 0));
}

BOOST_AUTO_TEST_CASE(split_separates_directory_and_file_name) {
  auto s = split("out/a/part.ndjson");
  BOOST_TEST(s.dir == "out/a");
  BOOST_TEST(s.name == "part.ndjson");
  BOOST_TEST(split("part").dir == ".");
  BOOST_TEST(split("/part").dir == "/");
}

BOOST_AUTO_TEST_CASE(parse_errors_name_the_column) {
  BOOST_TEST(parse_error("out/{category/part") == "path template has an unclosed '{' at column 5");
  BOOST_TEST(parse_error("out/{a{b}/part") == "path template has an unclosed '{' at column 5");
  BOOST_TEST(parse_error("out/x{}/part") == "path template has an empty placeholder '{}' at column 6");
  BOOST_TEST(parse_error("out/x}/part") == "path template has an unmatched '}' at column 6");
  BOOST_TEST(parse_error("out/{a.}/part").find("at column 5") != std::string::npos);
  BOOST_TEST(parse_error("out/{a/b}/part").find("at column 5") != std::string::npos);
  BOOST_TEST(parse_error("out/").find("at column 4") != std::string::npos);
  BOOST_TEST(parse_error("") == "path template is empty");
}
