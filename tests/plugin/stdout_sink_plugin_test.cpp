#define BOOST_TEST_MODULE stdout_sink_plugin
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "support/harness.hpp"

using sluice::test::harness;

namespace {

/// Points fd 1 at a fresh file under /tmp for its lifetime; `text()` reads it back.
class captured_stdout {
public:
  captured_stdout() {
    std::cout.flush();
    std::fflush(stdout);
    char tmpl[] = "/tmp/sluice-stdout-sink-test-XXXXXX";
    fd_ = ::mkstemp(tmpl);
    BOOST_TEST_REQUIRE(fd_ >= 0);
    path_ = tmpl;
    saved_ = ::dup(STDOUT_FILENO);
    BOOST_TEST_REQUIRE(::dup2(fd_, STDOUT_FILENO) >= 0);
  }
  ~captured_stdout() {
    restore();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  void restore() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDOUT_FILENO);
      ::close(saved_);
      saved_ = -1;
    }
  }
  std::string text() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    for (off_t at = 0; (n = ::pread(fd_, buf, sizeof buf, at)) > 0; at += n)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

private:
  int fd_ = -1, saved_ = -1;
  std::string path_;
};

} // namespace

BOOST_AUTO_TEST_CASE(each_record_is_written_as_its_bytes_and_a_newline) {
  harness h("stdout-sink", "");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  captured_stdout out;
  BOOST_TEST(!h.process({R"({"a": 1})", "plain text", ""}).failed());
  BOOST_TEST(!h.process({"second batch"}).failed());
  BOOST_TEST(!h.stage().flush().failed());
  BOOST_TEST(!h.stage().finish().failed());
  out.restore();
  BOOST_TEST(out.text() == "{\"a\": 1}\nplain text\n\nsecond batch\n");
  BOOST_TEST(h.stage().counters().at("records_written") == 4);
  BOOST_TEST(h.stage().counters().at("bytes_written") == 34);
}

BOOST_AUTO_TEST_CASE(a_large_batch_arrives_complete_and_in_order) {
  harness h("stdout-sink", "");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  std::vector<std::string> lines;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    lines.push_back("{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(40, 'x') + "\"}");
    expected += lines.back() + "\n";
  }
  captured_stdout out;
  BOOST_TEST(!h.process(lines).failed());
  BOOST_TEST(!h.stage().finish().failed());
  out.restore();
  BOOST_TEST(out.text() == expected);
}

BOOST_AUTO_TEST_CASE(the_stage_takes_no_options) {
  harness h("stdout-sink", "prefix = \"x\"");
  BOOST_TEST(h.setup_error().find("has no option `prefix`") != std::string::npos, h.setup_error());
}
