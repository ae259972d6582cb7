#define BOOST_TEST_MODULE file_sink_checkpoint
#include <boost/test/unit_test.hpp>

#include "support/file_sink_helpers.hpp"

namespace {

/// A checkpoint barrier as the host runs it: flush (pre-commit), then snapshot.
std::string checkpoint(harness& h) {
  BOOST_TEST_REQUIRE(!h.stage().flush().failed());
  auto snap = h.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap), (snap ? "" : snap.message()));
  return *snap;
}

/// A sink restarted after a crash, restored from a committed snapshot.
std::unique_ptr<harness> restored(const std::string& options, const std::string& snap) {
  auto h = std::make_unique<harness>("file-sink", options);
  BOOST_TEST_REQUIRE(h->setup_error() == "");
  auto st = h->stage().restore(snap, h->stage().desc().state_schema_version);
  BOOST_TEST_REQUIRE(!st.failed(), (st.failed() ? st.message() : ""));
  return h;
}

} // namespace

// Checkpoints: two-phase commit. Lines are 10 bytes with the newline; roll_size 20 holds two.

BOOST_AUTO_TEST_CASE(under_checkpoints_a_rolled_file_is_published_only_when_its_checkpoint_commits) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson", "roll_size = 20"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  checkpoint(h);
  BOOST_TEST(!h.stage().commit(1).failed());
  BOOST_TEST(!h.process({"record-01", "record-02", "record-03"}).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-0.ndjson.inprogress", ".part-0-1.ndjson.inprogress"}));
  checkpoint(h);
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-0.ndjson.inprogress", ".part-0-1.ndjson.inprogress"}));
  BOOST_TEST(!h.stage().commit(2).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "record-01\nrecord-02\n");
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == (names{"part-0-0.ndjson", "part-0-1.ndjson"}));
  BOOST_TEST(read(tmp.path + "/part-0-1.ndjson") == "record-03\n");
  BOOST_TEST(counter(h, "files_published") == 2);
}

BOOST_AUTO_TEST_CASE(when_the_host_checkpoints_a_roll_before_the_first_checkpoint_waits_for_its_commit) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson", "roll_size = 20"), 0, 1, SLUICE_HOST_CHECKPOINTS);
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"record-01", "record-02", "record-03"}).failed()); // part 0 rolls in epoch 1
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-0.ndjson.inprogress", ".part-0-1.ndjson.inprogress"}));
  checkpoint(h);
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-0.ndjson.inprogress", ".part-0-1.ndjson.inprogress"}));
  BOOST_TEST(!h.stage().commit(1).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
}

BOOST_AUTO_TEST_CASE(a_file_that_rolls_after_a_snapshot_waits_for_the_next_commit) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson", "roll_size = 20"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process({"record-01"}).failed());
  checkpoint(h);
  BOOST_TEST(!h.process({"record-02", "record-03"}).failed()); // part 0 rolls during epoch 2
  BOOST_TEST(!h.stage().commit(1).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-0.ndjson.inprogress", ".part-0-1.ndjson.inprogress"}));
  checkpoint(h);
  BOOST_TEST(!h.stage().commit(2).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(counter(h, "files_published") == 1);
  BOOST_TEST(!h.stage().commit(2).failed()); // a repeated commit changes nothing
  BOOST_TEST(!h.stage().commit(1).failed());
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(counter(h, "files_published") == 1);
}

BOOST_AUTO_TEST_CASE(after_a_crash_the_restore_truncates_to_the_committed_length_and_continues) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/part.ndjson");
  std::string snap;
  {
    harness h("file-sink", opts);
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    BOOST_TEST(!h.process({"one", "two"}).failed());
    snap = checkpoint(h);
    BOOST_TEST(!h.stage().commit(1).failed());
    BOOST_TEST(!h.process({"three (uncommitted)"}).failed());
    BOOST_TEST(!h.stage().flush().failed());
  } // crash: no finish
  BOOST_TEST(read(tmp.path + "/.part-0-0.ndjson.inprogress") == "one\ntwo\nthree (uncommitted)\n");
  auto h = restored(opts, snap);
  BOOST_TEST(read(tmp.path + "/.part-0-0.ndjson.inprogress") == "one\ntwo\n");
  BOOST_TEST(!h->process({"three"}).failed());
  BOOST_TEST(!h->stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == names{"part-0-0.ndjson"});
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "one\ntwo\nthree\n");
}

BOOST_AUTO_TEST_CASE(a_restore_publishes_the_rolled_files_of_its_snapshot_once) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/part.ndjson", "roll_size = 20");
  std::string snap;
  {
    harness h("file-sink", opts);
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    BOOST_TEST(!h.stage().restore("", h.stage().desc().state_schema_version).failed()); // fresh run
    BOOST_TEST(!h.process({"record-01", "record-02", "record-03"}).failed());
    snap = checkpoint(h);
  } // crash after the epoch committed, before on_commit published
  for (int run = 0; run < 2; ++run) { // the second restore finds part 0 already published
    auto h = restored(opts, snap);
    BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
    BOOST_TEST(counter(*h, "files_published") == (run == 0 ? 1 : 0));
    BOOST_TEST(!h->stage().commit(1).failed());
    BOOST_TEST(counter(*h, "files_published") == (run == 0 ? 1 : 0));
  }
  BOOST_TEST(read(tmp.path + "/part-0-0.ndjson") == "record-01\nrecord-02\n");
  BOOST_TEST(read(tmp.path + "/.part-0-1.ndjson.inprogress") == "record-03\n");
}

BOOST_AUTO_TEST_CASE(a_restore_removes_in_progress_files_that_its_snapshot_does_not_name) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/{d}/part.ndjson", "roll_size = 20");
  std::string snap;
  {
    harness h("file-sink", opts);
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    BOOST_TEST(!h.process({R"({"d":"a"})"}).failed());
    snap = checkpoint(h);
    BOOST_TEST(!h.stage().commit(1).failed());
    // After the snapshot: a/ part 0 rolls and part 1 opens; b/ is new.
    BOOST_TEST(!h.process({R"({"d":"a"})", R"({"d":"a"})", R"({"d":"b"})"}).failed());
  } // crash
  std::ofstream(tmp.path + "/a/.part-1-0.ndjson.inprogress") << "another instance\n";
  BOOST_TEST(names_in(tmp.path + "/b") == names{".part-0-0.ndjson.inprogress"});
  auto h = restored(opts, snap);
  BOOST_TEST(names_in(tmp.path + "/a") == (names{".part-0-0.ndjson.inprogress", ".part-1-0.ndjson.inprogress"}));
  BOOST_TEST(read(tmp.path + "/a/.part-0-0.ndjson.inprogress") == "{\"d\":\"a\"}\n");
  // b/ is not in the snapshot: cleaned when the sink first writes there again, which
  // then takes the seq the removed file had (the same name after any crash).
  BOOST_TEST(!h->process({R"({"d":"b"})"}).failed());
  BOOST_TEST(names_in(tmp.path + "/b") == names{".part-0-0.ndjson.inprogress"});
}

BOOST_AUTO_TEST_CASE(running_a_finished_pipeline_again_publishes_nothing_new) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/part.ndjson", "roll_size = 20");
  std::string snap;
  {
    harness h("file-sink", opts);
    BOOST_TEST_REQUIRE(h.setup_error() == "");
    BOOST_TEST(!h.process({"record-01", "record-02", "record-03"}).failed());
    snap = checkpoint(h); // the final checkpoint
    BOOST_TEST(!h.stage().commit(1).failed());
    BOOST_TEST(!h.stage().finish().failed());
  }
  names before = names_in(tmp.path);
  BOOST_TEST(before == (names{"part-0-0.ndjson", "part-0-1.ndjson"}));
  auto h = restored(opts, snap);
  BOOST_TEST(!h->stage().commit(1).failed());
  BOOST_TEST(!h->stage().finish().failed());
  BOOST_TEST(names_in(tmp.path) == before);
  BOOST_TEST(read(tmp.path + "/part-0-1.ndjson") == "record-03\n");
  BOOST_TEST(counter(*h, "files_published") == 0);
}

BOOST_AUTO_TEST_CASE(a_snapshot_of_another_schema_or_a_corrupt_one_is_refused) {
  temp_dir tmp;
  harness h("file-sink", options_for(tmp.path + "/part.ndjson"));
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  auto st = h.stage().restore("file-sink-state 3\n", 3);
  BOOST_TEST_REQUIRE(st.failed());
  BOOST_TEST(st.message().find("schema version 3") != std::string::npos, st.message());
  harness h2("file-sink", options_for(tmp.path + "/part.ndjson"));
  st = h2.stage().restore("file-sink-state 1\nopen 0 5 99:short\n", 1);
  BOOST_TEST_REQUIRE(st.failed());
  BOOST_TEST(st.message().find("corrupt at line 2") != std::string::npos, st.message());
}

// The node may restore an older checkpoint than the latest (a corrupt store replaced by a copy).

namespace {

/// Epochs 1 and 2 under host checkpoints, both committed, then a crash; returns snapshot 1.
std::string two_epochs_then_crash(const std::string& opts, const names& epoch_1, const names& epoch_2) {
  harness h("file-sink", opts, 0, 1, SLUICE_HOST_CHECKPOINTS);
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(!h.process(epoch_1).failed());
  std::string snap1 = checkpoint(h);
  BOOST_TEST(!h.stage().commit(1).failed());
  BOOST_TEST(!h.process(epoch_2).failed());
  checkpoint(h);
  BOOST_TEST(!h.stage().commit(2).failed()); // publishes what rolled in epoch 2
  return snap1;
}

} // namespace

BOOST_AUTO_TEST_CASE(restoring_an_older_checkpoint_removes_the_output_published_after_it) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/part.ndjson", "roll_size = 20");
  names epoch_2 = {"record-04", "record-05", "record-06", "record-07"};
  std::string snap1 = two_epochs_then_crash(opts, {"record-01", "record-02", "record-03"}, epoch_2);
  BOOST_TEST(names_in(tmp.path) == (names{".part-0-3.ndjson.inprogress", "part-0-0.ndjson", "part-0-1.ndjson",
                                          "part-0-2.ndjson"})); // part 1: record-03 and record-04
  std::unique_ptr<harness> h;
  for (int run = 0; run < 2; ++run) { // restoring again (a crash during the first) ends the same
    h.reset();
    h = restored(opts, snap1);
    BOOST_TEST(names_in(tmp.path) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
    BOOST_TEST(read(tmp.path + "/.part-0-1.ndjson.inprogress") == "record-03\n");
  }
  BOOST_TEST(!h->process(epoch_2).failed()); // the replay
  checkpoint(*h);
  BOOST_TEST(!h->stage().commit(2).failed());
  BOOST_TEST(!h->stage().finish().failed());
  BOOST_TEST(names_in(tmp.path).size() == 4u);
  std::string replayed;
  for (auto part : {"/part-0-1.ndjson", "/part-0-2.ndjson", "/part-0-3.ndjson"})
    replayed += read(tmp.path + part);
  BOOST_TEST(replayed == "record-03\nrecord-04\nrecord-05\nrecord-06\nrecord-07\n");
}

BOOST_AUTO_TEST_CASE(a_directory_first_written_after_the_snapshot_is_cleaned_when_written_again) {
  temp_dir tmp;
  std::string opts = options_for(tmp.path + "/{d}/part.ndjson", "roll_size = 20"), b = tmp.path + "/b";
  fs::create_directories(b);
  std::ofstream(b + "/part-0-0.ndjson") << "earlier run\n";
  fs::last_write_time(b + "/part-0-0.ndjson", fs::file_time_type::clock::now() - std::chrono::hours{1});
  std::string b_line = R"({"d":"b"})";
  std::string snap1 = two_epochs_then_crash(opts, {R"({"d":"a"})"}, {b_line, b_line, b_line});
  auto h = restored(opts, snap1); // checkpoint 1 never wrote to b/, whose name comes from records
  BOOST_TEST(names_in(b) == (names{".part-0-2.ndjson.inprogress", "part-0-0.ndjson", "part-0-1.ndjson"}));
  BOOST_TEST(!h->process({b_line}).failed());
  BOOST_TEST(names_in(b) == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(read(b + "/part-0-0.ndjson") == "earlier run\n"); // older than the checkpoints: kept
}

BOOST_AUTO_TEST_CASE(a_version_1_snapshot_restores_pruning_only_the_paths_it_names) {
  temp_dir tmp;
  fs::create_directories(tmp.path + "/a");
  fs::create_directories(tmp.path + "/b");
  for (auto [file, text] : {std::pair{"a/part-0-0.ndjson", "one\n"}, {"a/.part-0-1.ndjson.inprogress", "two\nlater\n"},
                            {"a/part-0-2.ndjson", "later\n"}, {"b/part-0-0.ndjson", "{}\n"}})
    std::ofstream(tmp.path + "/" + file) << text;
  std::string a = tmp.path + "/a/part.ndjson", len = std::to_string(a.size()) + ":";
  harness h("file-sink", options_for(tmp.path + "/{d}/part.ndjson"));
  auto st = h.stage().restore("file-sink-state 1\ninstance 0\ncommit 1\nseq 2 " + len + a + "\nopen 1 4 " + len + a +
                              "\n", 1);
  BOOST_TEST_REQUIRE(!st.failed(), (st.failed() ? st.message() : ""));
  BOOST_TEST(names_in(tmp.path + "/a") == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
  BOOST_TEST(read(tmp.path + "/a/.part-0-1.ndjson.inprogress") == "two\n");
  // Version 1 named only the paths with open or rolled files: b/ may hold committed output.
  BOOST_TEST(!h.process({R"({"d":"b"})"}).failed());
  BOOST_TEST(names_in(tmp.path + "/b") == (names{".part-0-1.ndjson.inprogress", "part-0-0.ndjson"}));
}
