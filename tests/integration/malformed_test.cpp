#define BOOST_TEST_MODULE sluice malformed input
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "malformed_corpus.hpp"

using namespace sluice::test;
using namespace malformed;

// A seeded corpus of valid NDJSON records with every kind of malformed line mixed in, read by
// file-source into file-sink with a state_dir, so the dead letters are committed with checkpoints.
// One run of the real node serves every case below; a second run without the 10 MB line is the
// memory baseline.

namespace {

std::string pipeline(const temp_dir& t) {
  return "[pipeline]\nname = \"malformed\"\nstate_dir = \"" + t / "state" +
         "\"\ncheckpoint_interval = \"50ms\"\n\n"
         "[[stage]]\nname = \"read\"\nplugin = \"file-source\"\npath = \"" + t / "corpus.ndjson" + "\"\n\n"
         "[[stage]]\nname = \"write\"\nplugin = \"file-sink\"\ninputs = [\"read\"]\npath = \"" + t / "out" +
         "/part.ndjson\"\n";
}

/// `sluice run` in a fork()ed child, for the peak RSS of that process alone (posix_spawn's vfork
/// would charge the test's own peak to it).
struct measured_run {
  int exit_code = -1;
  long max_rss_kib = 0;
  std::string err;
};

measured_run run_measured(const temp_dir& t) {
  std::vector<std::string> args{sluice_bin(), "run", "--config", t / "p.toml", "--stats", t / "stats.json"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto out_path = t / "run.stdout", err_path = t / "run.stderr";
  pid_t pid = ::fork();
  BOOST_TEST_REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  measured_run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  r.max_rss_kib = ru.ru_maxrss;
  r.err = read_file(err_path);
  return r;
}

uint32_t the_seed() {
  auto s = env("SLUICE_TEST_SEED");
  return s.empty() ? 20261124u : static_cast<uint32_t>(std::stoul(s));
}

/// The one run every case looks at.
struct corpus_run {
  uint32_t seed = the_seed();
  temp_dir t;
  std::vector<line_spec> lines;
  measured_run run;
  long baseline_rss_kib = 0;

  corpus_run() {
    std::cout << "malformed_test: corpus seed " << seed << " (SLUICE_TEST_SEED=N to change it)" << std::endl;
    lines = corpus_builder(seed).lines(3000);
    write_file(t / "p.toml", pipeline(t));
    write_corpus(t / "corpus.ndjson", lines);
    run = run_measured(t);

    temp_dir base; // the same corpus without the 10 MB line: what the node needs anyway
    auto without = lines;
    without.erase(std::remove_if(without.begin(), without.end(), [](auto& l) { return l.filler > 0; }),
                  without.end());
    write_file(base / "p.toml", pipeline(base));
    write_corpus(base / "corpus.ndjson", without);
    auto b = run_measured(base);
    BOOST_TEST(b.exit_code == 0, b.err);
    baseline_rss_kib = b.max_rss_kib;
  }

  std::vector<const line_spec*> of(kind k) const {
    std::vector<const line_spec*> out;
    for (auto& l : lines)
      if (l.k == k)
        out.push_back(&l);
    return out;
  }
  const line_spec& named(const std::string& what) const {
    return *std::find_if(lines.begin(), lines.end(), [&](auto& l) { return l.what == what; });
  }
};

const corpus_run& the_run() {
  static corpus_run r;
  BOOST_TEST_REQUIRE(r.run.exit_code == 0, r.run.err);
  return r;
}

/// One line of `sluice dlq list`.
struct listed {
  std::string id, instance, plugin, source, attempts, reason, head;
  uint64_t offset = 0;
};

std::vector<listed> dlq_list(const corpus_run& r) {
  auto o = run_sluice({"dlq", "list", "--config", r.t / "p.toml"});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  std::vector<listed> out;
  for (auto& l : lines_of(o.out)) {
    auto bar = l.find(" | ");
    BOOST_TEST_REQUIRE(bar != std::string::npos, l);
    listed e;
    std::istringstream in(l.substr(0, bar));
    std::string where, time;
    in >> e.id >> e.instance >> e.plugin >> where >> time >> e.attempts;
    std::getline(in >> std::ws, e.reason);
    e.head = l.substr(bar + 3);
    auto colon = where.rfind(':');
    e.source = where.substr(0, colon);
    e.offset = std::stoull(where.substr(colon + 1));
    out.push_back(e);
  }
  return out;
}

std::map<uint64_t, listed> by_offset(const std::vector<listed>& all) {
  std::map<uint64_t, listed> out;
  for (auto& e : all)
    out.emplace(e.offset, e);
  return out;
}

long long counter(const std::string& stats, const std::string& stage, const std::string& name) {
  auto from = stats.find("\"stage\":\"" + stage + "\"");
  BOOST_TEST_REQUIRE(from != std::string::npos, stats);
  auto to = stats.find("\"stage\":", from + 1);
  auto p = stats.find("\"" + name + "\":", from);
  if (p == std::string::npos || p > to)
    return 0; // counters that stayed 0 are left out
  return std::stoll(stats.substr(p + name.size() + 3));
}

std::string show(const corpus_run& r, const line_spec& l) {
  auto all = by_offset(dlq_list(r));
  BOOST_TEST_REQUIRE(all.count(l.offset) == 1u, l.what);
  auto o = run_sluice({"dlq", "show", "--config", r.t / "p.toml", all.at(l.offset).id});
  BOOST_TEST_REQUIRE(o.exit_code == 0, o.err);
  return o.out;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_CASE(the_node_reads_the_whole_corpus_and_exits_zero) {
  auto& r = the_run();
  BOOST_TEST(r.run.exit_code == 0, r.run.err);
  BOOST_TEST_MESSAGE(r.lines.size() << " lines: " << r.of(kind::good).size() << " valid, " << r.of(kind::bad).size()
                                    << " malformed, " << r.of(kind::blank).size() << " blank");
}

BOOST_AUTO_TEST_CASE(exactly_the_valid_records_reach_the_sink_byte_for_byte) {
  auto& r = the_run();
  std::vector<std::string> expected;
  for (auto* l : r.of(kind::good))
    expected.push_back(l->bytes);
  auto got = published_lines(r.t / "out");
  BOOST_TEST(got.size() == expected.size());
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  BOOST_TEST((got == expected));
  for (auto what : {"512 nested objects", "record of exactly max_record_bytes",
                    "valid record with whitespace around it", "last record, without a newline"})
    BOOST_TEST(std::binary_search(got.begin(), got.end(), r.named(what).bytes), what);
}

BOOST_AUTO_TEST_CASE(every_malformed_line_has_exactly_one_dead_letter_with_a_fitting_reason_and_its_offset) {
  auto& r = the_run();
  auto all = dlq_list(r);
  auto bad = r.of(kind::bad);
  BOOST_TEST(all.size() == bad.size());
  auto at = by_offset(all);
  BOOST_TEST(at.size() == all.size()); // one dead letter per offset
  for (auto* l : bad) {
    BOOST_TEST_CONTEXT(l->what << " at byte offset " << l->offset) {
      auto it = at.find(l->offset);
      BOOST_TEST_REQUIRE((it != at.end()));
      auto& e = it->second;
      auto fits = l->reasons(*l, l->offset);
      BOOST_TEST(std::any_of(fits.begin(), fits.end(), [&](auto& p) { return glob(p, e.reason); }),
                 "reason \"" << e.reason << "\" is not \"" << fits.front() << "\"");
      BOOST_TEST(e.instance == "read#0");
      BOOST_TEST(e.plugin == "file-source@1.0.0");
      BOOST_TEST(e.source == "read:0");
      BOOST_TEST(e.attempts == "attempts=1");
      auto kept = l->kept();
      BOOST_TEST(e.head == escaped(kept.substr(0, listed_bytes)) + (kept.size() > listed_bytes ? "..." : ""));
    }
  }
  for (auto& [offset, e] : at) // nothing else was dead-lettered
    BOOST_TEST(std::any_of(bad.begin(), bad.end(), [&, o = offset](auto* l) { return l->offset == o; }),
               "unexpected dead letter " << e.id << ": " << e.reason);
}

BOOST_AUTO_TEST_CASE(dlq_show_prints_the_original_bytes_escaped) {
  auto& r = the_run();
  for (auto what : {"invalid UTF-8 (0xC3 0x28)", "bytes 0x00-0xFF", "trailing NUL"}) {
    BOOST_TEST_CONTEXT(what) {
      auto& l = r.named(what);
      auto out = show(r, l);
      BOOST_TEST(contains(out, "source    read partition 0 offset " + std::to_string(l.offset) + "\n"), out);
      BOOST_TEST(contains(out, "bytes     " + std::to_string(l.bytes.size()) + "\n"), out);
      BOOST_TEST(lines_of(out).back() == escaped(l.bytes));
      auto last = lines_of(out).back();
      BOOST_TEST(std::all_of(last.begin(), last.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
    }
  }
  auto out = show(r, r.named("invalid UTF-8 (0xC3 0x28)"));
  BOOST_TEST(contains(out, "error     invalid UTF-8 at byte offset " +
                             std::to_string(r.named("invalid UTF-8 (0xC3 0x28)").offset) + "\n"));
  BOOST_TEST(contains(out, "caf\\xc3(\"}\n"), out);
}

BOOST_AUTO_TEST_CASE(a_line_over_max_record_bytes_keeps_its_first_kib_and_its_full_length_in_the_reason) {
  auto& r = the_run();
  for (auto what : {"10 MB line", "max_record_bytes + 1 line"}) {
    BOOST_TEST_CONTEXT(what) {
      auto& l = r.named(what);
      auto out = show(r, l);
      BOOST_TEST(contains(out, "error     " + oversize(l, l.offset).front() + "\n"), out.substr(0, 600));
      BOOST_TEST(contains(out, "bytes     1024\n"), out.substr(0, 600));
      BOOST_TEST(lines_of(out).back() == escaped(l.kept()));
    }
  }
}

BOOST_AUTO_TEST_CASE(blank_and_whitespace_only_lines_are_skipped_and_counted_not_dead_lettered) {
  auto& r = the_run();
  auto stats = read_file(r.t / "stats.json");
  BOOST_TEST(counter(stats, "read", "empty_lines") == static_cast<long long>(r.of(kind::blank).size()), stats);
  auto at = by_offset(dlq_list(r));
  for (auto* l : r.of(kind::blank))
    BOOST_TEST(at.count(l->offset) == 0u, "blank line at byte offset " << l->offset << " was dead-lettered");
}

BOOST_AUTO_TEST_CASE(the_counters_add_up_to_every_line_exactly_once) {
  auto& r = the_run();
  auto stats = read_file(r.t / "stats.json");
  auto good = static_cast<long long>(r.of(kind::good).size()), bad = static_cast<long long>(r.of(kind::bad).size());
  BOOST_TEST(counter(stats, "read", "records_read") == good, stats);
  BOOST_TEST(counter(stats, "read", "bad_records") == bad);
  BOOST_TEST(counter(stats, "read", "dead_letters") == bad);
  BOOST_TEST(counter(stats, "write", "records_written") == good);
  BOOST_TEST(counter(stats, "read", "records_read") + counter(stats, "read", "bad_records") +
                 counter(stats, "read", "empty_lines") ==
             static_cast<long long>(r.lines.size()));
}

BOOST_AUTO_TEST_CASE(the_10_mb_line_is_skipped_without_being_buffered) {
  auto& r = the_run();
  BOOST_TEST_MESSAGE("peak RSS " << r.run.max_rss_kib << " KiB, " << r.baseline_rss_kib
                                 << " KiB without the 10 MB line");
  BOOST_TEST(r.baseline_rss_kib > 0);
  // Buffering the line whole would add 10 MiB at least; skipping it costs next to nothing.
  BOOST_TEST(r.run.max_rss_kib < r.baseline_rss_kib + 6 * 1024);
}
