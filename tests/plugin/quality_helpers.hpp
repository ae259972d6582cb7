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
using sluice::test::at;
using sluice::test::feed;
using sluice::test::rec;
using lines = std::vector<std::string>;

namespace quality_helpers {

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
