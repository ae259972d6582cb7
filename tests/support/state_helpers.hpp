/// Shared scaffolding for the state store tests (real RocksDB files in /tmp).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/error.hpp"

namespace sluice::test {

/// A unique directory under /tmp, removed with everything in it at the end of the test: the
/// store (`dir()`), its copies and whatever was moved aside all live in it.
struct scratch {
  std::filesystem::path root;
  scratch() {
    std::string tmpl = "/tmp/sluice-state-test-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root = tmpl;
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  std::string dir() const { return (root / "state").string(); }
  /// Directories next to the store whose name starts with "state.corrupt-".
  std::vector<std::filesystem::path> moved_aside() const {
    std::vector<std::filesystem::path> out;
    for (auto& e : std::filesystem::directory_iterator(root))
      if (e.path().filename().string().rfind("state.corrupt-", 0) == 0)
        out.push_back(e.path());
    return out;
  }
};

/// Passes for an ok status; a failure prints the error's message.
inline boost::test_tools::assertion_result ok(const status& s) {
  boost::test_tools::assertion_result r{bool(s)};
  if (!s)
    r.message() << s.message();
  return r;
}

} // namespace sluice::test
