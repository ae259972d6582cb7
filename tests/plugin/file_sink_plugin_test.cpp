#define BOOST_TEST_MODULE file_sink_plugin
#include <boost/test/unit_test.hpp>

#include "support/file_sink_helpers.hpp"

BOOST_AUTO_TEST_CASE(records_go_to_a_dot_file_that_finish_publishes_under_its_final_name) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({R"({"a":1})", R"({"b":  "x y"})"}).failed());
  BOOST_TEST(names_in(tmp.path) == names{".part-0-0.ndjson.inprogress"});
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == names{"part-0-0.ndjson"});
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "{\"a\":1}\n{\"b\":  \"x y\"}\n");
  BOOST_TEST(counter(h, "records_written") == 2);
  BOOST_TEST(counter(h, "bytes_written") == 22);
  BOOST_TEST(counter(h, "files_published") == 1);
}

BOOST_AUTO_TEST_CASE(flush_writes_the_buffered_bytes_without_publishing) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"one", "two"}).failed());
  BOOST_TEST(!h.stage().flush().failed());
  BOOST_TEST(read(tmp.path + "/.part-0-0.ndjson.inprogress") == "one\ntwo\n");
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "one\ntwo\n");
}

BOOST_AUTO_TEST_CASE(a_template_without_extension_gets_instance_and_seq_appended) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/out"), 2, 4);
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"x"}).failed());
  BOOST_TEST(names_in(tmp.path) == names{".out-2-0.inprogress"});
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == names{"out-2-0"});
}

BOOST_AUTO_TEST_CASE(a_file_that_reaches_roll_size_is_published_and_the_next_write_opens_seq_plus_one) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson", "roll_size = 20"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  // Each line is 10 bytes with its newline: two fill a file.
  BOOST_TEST(!h.process({"record-01", "record-02", "record-03"}).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(!h.process({"record-04", "record-05"}).failed());
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == (names{"part-0-0.ndjson", "part-0-1.ndjson", "part-0-2.ndjson"}));
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "record-01\nrecord-02\n");
  BOOST_TEST(read(tmp.path + "/part-0-1.ndjson") == "record-03\nrecord-04\n");
  BOOST_TEST(read(tmp.path + "/part-0-2.ndjson") == "record-05\n");
  BOOST_TEST(counter(h, "files_published") == 3);
}

BOOST_AUTO_TEST_CASE(a_file_older_than_roll_interval_is_published_at_the_next_flush) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson", "roll_interval = \"1ms\""));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"early"}).failed());
  std::this_thread::sleep_for(std::chrono::milliseconds{5}); // only makes the file old enough
  BOOST_TEST(!h.stage().flush().failed());
  BOOST_TEST(names_in(tmp.path) == names{"part-0-0.ndjson"});
  BOOST_TEST(!h.process({"late"}).failed());
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == (names{"part-0-0.ndjson", "part-0-1.ndjson"}));
  BOOST_TEST(read(tmp.path + "/part-0-1.ndjson") == "late\n");
}

BOOST_AUTO_TEST_CASE(a_second_run_never_overwrites_the_files_of_the_first) {
  temp_dir tmp;
  for (const char* line : {"first run", "second run"}) {
    harness h("file-sink", options_for(tmp.path + "/part.ndjson"));
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    BOOST_TEST(!h.process({line}).failed());
    BOOST_TEST(!h.stage().finish().failed());
  }
  BOOST_TEST(names_in(tmp.path) == (names{"part-0-0.ndjson", "part-0-1.ndjson"}));
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "first run\n");
  BOOST_TEST(read(tmp.path + "/part-0-1.ndjson") == "second run\n");
}

BOOST_AUTO_TEST_CASE(an_unfinished_dot_file_of_an_earlier_run_is_left_alone) {
  temp_dir tmp;
  std::ofstream(tmp.path + "/.part-0-4.ndjson.inprogress") << "crashed\n";
  harness h("file-sink", options_for(tmp.path + "/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"new"}).failed());
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-4.ndjson.inprogress", "part-0-5.ndjson"}));
  BOOST_TEST(read(tmp.path + "/.part-0-4.ndjson.inprogress") == "crashed\n");
}

BOOST_AUTO_TEST_CASE(fields_and_event_time_pick_partition_directories) {
  temp_dir tmp;
  harness h("file-sink",
            options_for(tmp.path + "/lake/category={category}/year={year}/month={month}/day={day}/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({R"({"category":"books","n":1})", R"({"category":"games","n":2})",
                         R"({"category":"books","n":3})", R"({"n":4})"},
                        jan_2_2026)
                .failed());
  BOOST_TEST(!h.stage().finish().failed());
  std::string day = "/year=2026/month=01/day=02/";
  BOOST_TEST(read(tmp.path + "/lake/category=books" + day + "part-0-0.ndjson") ==
             "{\"category\":\"books\",\"n\":1}\n{\"category\":\"books\",\"n\":3}\n");
  BOOST_TEST(read(tmp.path + "/lake/category=games" + day + "part-0-0.ndjson") ==
             "{\"category\":\"games\",\"n\":2}\n");
  BOOST_TEST(read(tmp.path + "/lake/category=_missing_" + day + "part-0-0.ndjson") == "{\"n\":4}\n");
  BOOST_TEST(names_in(tmp.path + "/lake") ==
             (names{"category=_missing_", "category=books", "category=games"}));
  BOOST_TEST(counter(h, "files_published") == 3);
}

BOOST_AUTO_TEST_CASE(a_field_value_cannot_escape_the_output_directory) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/out/{dir}/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({R"({"dir":"../../x"})"}).failed());
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == names{"out"});
  BOOST_TEST(names_in(tmp.path + "/out") == names{"______x"});
}

BOOST_AUTO_TEST_CASE(beyond_64_open_files_the_least_recently_used_is_published) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/{n}/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  std::vector<std::string> lines;
  for (int i = 0; i < 70; ++i)
    lines.push_back("{\"n\":" + std::to_string(i) + "}");
  BOOST_TEST(!h.process(lines).failed());
  int published = 0, open = 0;
  for (int i = 0; i < 70; ++i) {
    auto in = names_in(tmp.path + "/" + std::to_string(i));
    published += in == names{"part-0-0.ndjson"};
    open += in == names{".part-0-0.ndjson.inprogress"};
  }
  BOOST_TEST(published == 6);
  BOOST_TEST(open == 64);
  // Writing to an evicted directory opens the next seq there.
  BOOST_TEST(!h.process({"{\"n\":0}"}).failed());
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path + "/0") == (names{"part-0-0.ndjson", "part-0-1.ndjson"}));
  BOOST_TEST(counter(h, "files_published") == 71);
}

BOOST_AUTO_TEST_CASE(a_bad_path_template_fails_creation_naming_the_column) {
  harness h("file-sink", options_for("/tmp/x/{category/part.ndjson"));
  BOOST_TEST(h.setup_error().find("unclosed '{' at column 8") != std::string::npos, h.setup_error());
}

BOOST_AUTO_TEST_CASE(a_missing_path_option_is_refused) {
  harness h("file-sink", "");
  BOOST_TEST(h.setup_error().find("path") != std::string::npos, h.setup_error());
}
