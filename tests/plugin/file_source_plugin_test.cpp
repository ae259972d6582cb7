#define BOOST_TEST_MODULE file_source_plugin
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/harness.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using sluice::test::harness;

namespace {

/// A fresh directory under /tmp, removed with everything in it at the end
/// (sluice::test::temp_dir, with its path as a member for brevity).
struct temp_dir : sluice::test::temp_dir {
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path = sluice::test::temp_dir::path();
};

void write(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
}

std::string options_for(const std::string& path, const std::string& extra = "") {
  return "path = \"" + path + "\"\n" + extra;
}

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

std::vector<uint64_t> offsets(const harness& h) {
  std::vector<uint64_t> v;
  for (auto& e : h.out)
    v.push_back(e.offset);
  return v;
}

int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::string a = R"({"a":1})", b = R"({"b":"two"})", c = R"({"c":[3]})";

} // namespace

BOOST_AUTO_TEST_CASE(each_ndjson_line_is_emitted_with_its_byte_offset) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n" + b + "\n" + c); // the last line has no newline
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b, c}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 8, 20}), boost::test_tools::per_element());
  BOOST_TEST(h.dead.empty());
  BOOST_TEST(counter(h, "records_read") == 3);
}

BOOST_AUTO_TEST_CASE(bytes_are_kept_as_they_are_except_the_newline) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\r\n  " + b + " \n");
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a + "\r", "  " + b + " "}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_dead_lettered_with_their_offsets_and_reading_goes_on) {
  temp_dir d;
  std::string text = a + "\n" +          // 0
                     "{\"a\":\n" +       // 8: truncated
                     "{\"s\":\"\xff\"}\n" + // 14: invalid UTF-8
                     "[1,2]\n" +          // 24: not an object
                     a + a + "\n" +       // 30: two objects
                     b + "\n";            // 45
  write(d.file("in.ndjson"), text);
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 45}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.dead.size() == 4u);
  BOOST_TEST(h.dead[0].first == "{\"a\":");
  BOOST_TEST(contains(h.dead[0].second, "invalid JSON at byte offset 8"), h.dead[0].second);
  BOOST_TEST(h.dead[1].second == "invalid UTF-8 at byte offset 14");
  BOOST_TEST(h.dead[2].second == "not a JSON object at byte offset 24: the line is an array");
  BOOST_TEST(contains(h.dead[3].second, "invalid JSON at byte offset 30: TAPE_ERROR"), h.dead[3].second);
  BOOST_TEST(counter(h, "bad_records") == 4);
}

BOOST_AUTO_TEST_CASE(empty_and_whitespace_lines_are_skipped_and_counted) {
  temp_dir d;
  write(d.file("in.ndjson"), "\n" + a + "\n\n   \t\n\r\n" + b + "\n");
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{1, 17}), boost::test_tools::per_element());
  BOOST_TEST(h.dead.empty());
  BOOST_TEST(counter(h, "empty_lines") == 4);
}

BOOST_AUTO_TEST_CASE(a_10_mb_line_is_dead_lettered_without_stopping_the_good_ones) {
  temp_dir d;
  std::string huge = "{\"x\":\"" + std::string(10 * 1024 * 1024, 'x') + "\"}";
  write(d.file("in.ndjson"), a + "\n" + huge + "\n" + b + "\n" + huge + "\n" + c);
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST(h.drain(2) == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b, c}), boost::test_tools::per_element());
  const uint64_t second = 8 + huge.size() + 1 + b.size() + 1;
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 8 + huge.size() + 1, second + huge.size() + 1}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.dead.size() == 2u);
  BOOST_TEST(h.dead[0].first == huge.substr(0, 1024));
  BOOST_TEST(h.dead[0].second == "line at byte offset 8 is " + std::to_string(huge.size()) +
                                     " bytes, over max_record_bytes 1048576");
  BOOST_TEST(contains(h.dead[1].second, "line at byte offset " + std::to_string(second) + " is"));
}

BOOST_AUTO_TEST_CASE(an_over_long_last_line_without_newline_is_dead_lettered) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n" + std::string(300, 'y'));
  harness h("file-source", options_for(d.file("in.ndjson"), "max_record_bytes = 100"));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(h.dead[0].second == "line at byte offset 8 is 300 bytes, over max_record_bytes 100");
}

BOOST_AUTO_TEST_CASE(the_lines_format_passes_any_bytes_and_checks_only_the_size) {
  temp_dir d;
  write(d.file("in.txt"), "plain text\n\n[1,2]\n\x01\xff\n" + std::string(50, 'z') + "\nend");
  harness h("file-source", options_for(d.file("in.txt"), "format = \"lines\"\nmax_record_bytes = 20"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{"plain text", "", "[1,2]", "\x01\xff", "end"}),
             boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 11, 12, 18, 72}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(h.dead[0].second == "line at byte offset 21 is 50 bytes, over max_record_bytes 20");
}

BOOST_AUTO_TEST_CASE(an_unknown_format_is_refused) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n");
  harness h("file-source", options_for(d.file("in.ndjson"), "format = \"csv\""));
  BOOST_TEST(contains(h.setup_error(), "format must be"), h.setup_error());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_unless_followed) {
  temp_dir d;
  harness h("file-source", options_for(d.file("nope.ndjson")));
  BOOST_TEST(contains(h.setup_error(), "nope.ndjson"), h.setup_error());
  harness f("file-source", options_for(d.file("later.ndjson"), "follow = true"));
  BOOST_TEST_REQUIRE(f.setup_error() == "");
  BOOST_TEST(*f.stage().poll(10) == SLUICE_AGAIN);
  write(d.file("later.ndjson"), a + "\n");
  BOOST_TEST(*f.stage().poll(10) == SLUICE_OK);
  BOOST_TEST(f.out_bytes() == (std::vector<std::string>{a}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(event_time_comes_from_the_named_field) {
  temp_dir d;
  write(d.file("in.ndjson"), R"({"t":"2026-01-01T00:00:01.500Z"})"
                             "\n"
                             R"({"t":1767225601500})"
                             "\n"
                             R"({"u":1})"
                             "\n");
  harness h("file-source", options_for(d.file("in.ndjson"), "event_time = \"t\""));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST_REQUIRE(h.out.size() == 3u);
  BOOST_TEST(h.out[0].event_time == 1767225601500LL * 1000000);
  BOOST_TEST(h.out[1].event_time == 1767225601500LL * 1000000);
  BOOST_TEST(h.out[2].event_time == SLUICE_NO_TIME);
  BOOST_TEST(counter(h, "missing_event_time") == 1);
}

BOOST_AUTO_TEST_CASE(event_time_works_for_json_read_as_lines_too) {
  temp_dir d;
  write(d.file("in.txt"), R"({"o":{"t":"2026-01-01T00:00:01.500Z"}})" "\nnot json\n");
  harness h("file-source", options_for(d.file("in.txt"), "format = \"lines\"\nevent_time = \"o.t\""));
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST_REQUIRE(h.out.size() == 2u);
  BOOST_TEST(h.out[0].event_time == 1767225601500LL * 1000000);
  BOOST_TEST(h.out[1].event_time == SLUICE_NO_TIME);
}

BOOST_AUTO_TEST_CASE(without_an_event_time_field_records_get_processing_time) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n");
  harness h("file-source", options_for(d.file("in.ndjson")));
  int64_t before = now_ns();
  BOOST_TEST(h.drain() == SLUICE_END);
  int64_t after = now_ns();
  BOOST_TEST_REQUIRE(h.out.size() == 1u);
  BOOST_TEST(h.out[0].event_time >= before);
  BOOST_TEST(h.out[0].event_time <= after);
}

BOOST_AUTO_TEST_CASE(a_poll_emits_at_most_max_records) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n" + a + "\n" + a + "\n");
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST(*h.stage().poll(2) == SLUICE_OK);
  BOOST_TEST(h.out.size() == 2u);
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out.size() == 3u);
}

BOOST_AUTO_TEST_CASE(snapshot_and_restore_resume_at_the_next_line) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n" + b + "\n" + c + "\n");
  std::string state;
  {
    harness h("file-source", options_for(d.file("in.ndjson")));
    BOOST_TEST(*h.stage().poll(1) == SLUICE_OK);
    auto snap = h.stage().snapshot();
    BOOST_TEST_REQUIRE(bool(snap));
    state = *snap;
    BOOST_TEST(state.substr(state.rfind(' ')) == " 8");
  }
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST_REQUIRE(!h.stage().restore(state, 1).failed());
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{b, c}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{8, 20}), boost::test_tools::per_element());

  // A finished file restored at its end emits nothing.
  auto end_state = h.stage().snapshot();
  harness again("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST_REQUIRE(!again.stage().restore(*end_state, 1).failed());
  BOOST_TEST(again.drain() == SLUICE_END);
  BOOST_TEST(again.out.empty());
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_file_restarts_at_the_beginning) {
  temp_dir d;
  write(d.file("in.ndjson"), a + "\n" + b + "\n");
  harness h("file-source", options_for(d.file("in.ndjson")));
  BOOST_TEST_REQUIRE(!h.stage().restore("1 1 8", 1).failed());
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b}), boost::test_tools::per_element());
  BOOST_TEST(h.stage().restore("garbage", 1).failed());
}

BOOST_AUTO_TEST_CASE(following_waits_for_whole_lines_at_the_end) {
  temp_dir d;
  auto path = d.file("in.ndjson");
  write(path, a + "\n");
  harness h("file-source", options_for(path, "follow = true"));
  BOOST_TEST(*h.stage().poll(10) == SLUICE_OK);
  BOOST_TEST(*h.stage().poll(10) == SLUICE_AGAIN);
  write(path, "{\"b\":", true);
  BOOST_TEST(*h.stage().poll(10) == SLUICE_AGAIN);
  write(path, "\"two\"}\n", true);
  BOOST_TEST(*h.stage().poll(10) == SLUICE_OK);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 8}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(following_finishes_a_rotated_file_before_the_new_one) {
  temp_dir d;
  auto path = d.file("in.ndjson");
  write(path, a + "\n");
  harness h("file-source", options_for(path, "follow = true"));
  BOOST_TEST(*h.stage().poll(10) == SLUICE_OK);
  fs::rename(path, d.file("in.ndjson.1"));
  write(d.file("in.ndjson.1"), b + "\n" + c, true); // late writes to the old file, last without newline
  write(path, a + "\n");
  for (int i = 0; i < 5; ++i)
    (void)h.stage().poll(10);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b, c, a}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 8, 20, 0}), boost::test_tools::per_element());
  BOOST_TEST(counter(h, "rotations") == 1);
}

BOOST_AUTO_TEST_CASE(following_a_truncated_file_restarts_at_the_beginning) {
  temp_dir d;
  auto path = d.file("in.ndjson");
  write(path, a + "\n" + b + "\n");
  harness h("file-source", options_for(path, "follow = true"));
  BOOST_TEST(*h.stage().poll(10) == SLUICE_OK);
  BOOST_TEST(*h.stage().poll(10) == SLUICE_AGAIN);
  write(path, c + "\n"); // truncates, then writes less than was read
  BOOST_TEST(*h.stage().poll(10) == SLUICE_OK);
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{a, b, c}), boost::test_tools::per_element());
  BOOST_TEST(offsets(h) == (std::vector<uint64_t>{0, 8, 0}), boost::test_tools::per_element());
}
