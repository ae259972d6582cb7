/// Shared helpers of the file-sink plugin tests (one test executable includes this once).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/harness.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using sluice::test::harness;

namespace file_sink_helpers {

// 2026-01-02T03:04:05Z
constexpr int64_t jan_2_2026 = 1767323045LL * 1000000000LL;

/// A fresh directory under /tmp, removed with everything in it at the end
/// (sluice::test::temp_dir, with its path as a member for brevity).
struct temp_dir : sluice::test::temp_dir {
  std::string path = sluice::test::temp_dir::path();
};

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string options_for(const std::string& path, const std::string& extra = "") {
  return "path = \"" + path + "\"\n" + extra;
}

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

using names = std::vector<std::string>;

} // namespace file_sink_helpers

using namespace file_sink_helpers;
