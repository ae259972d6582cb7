/// Shared by the quality plugin tests: one test executable includes this once.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>
#include "state/store.hpp"
#include "support/harness.hpp"
#include "support/plugin_state_helpers.hpp"

#include <boost/test/unit_test.hpp>

using sluice::test::harness;
using sluice::test::checkpoint;
using sluice::test::open_store;
using sluice::test::scratch;
using lines = std::vector<std::string>;

namespace quality_helpers {

int64_t at(double s) { return 1767225600000000000LL + static_cast<int64_t>(s * 1e9); }

struct rec {
  std::string line;
  int64_t t = SLUICE_NO_TIME;
};

void feed(harness& h, const std::vector<rec>& rs) {
  std::vector<sluice_record> raw;
  uint64_t offset = 0;
  for (auto& r : rs) {
    sluice_record x{};
    x.data = r.line.data();
    x.size = r.line.size();
    x.event_time_ns = r.t;
    x.position.offset = offset++;
    raw.push_back(x);
  }
  BOOST_TEST_REQUIRE(!h.stage().process(raw.data(), raw.size()).failed());
}

void feed_lines(harness& h, const lines& ls) {
  std::vector<rec> rs;
  for (auto& l : ls)
    rs.push_back({l, at(0)});
  feed(h, rs);
}

/// One [[stage.rules]] table from its body lines.
std::string rule(const std::string& body) { return "[[stage.rules]]\n" + body + "\n"; }

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

lines reasons(const harness& h) {
  lines out;
  for (auto& d : h.dead)
    out.push_back(d.second);
  return out;
}

/// The start error of a stage with these rules ("" when it started).
std::string start_error(const std::string& rules) { return harness("quality", rules).setup_error(); }

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


const std::string unique_id = rule("field = \"id\"\ncheck = \"unique\"\nttl = \"10s\"\naction = \"drop\"");

} // namespace quality_helpers

using namespace quality_helpers;
