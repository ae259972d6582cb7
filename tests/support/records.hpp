/// Records for driving a plugin through the harness: NDJSON lines with event times, fed as
/// one process() call.
#pragma once

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/harness.hpp"

namespace sluice::test {

/// Event time `s` seconds after 2026-01-01T00:00:00Z, in ns.
inline int64_t at(double s) { return 1767225600000000000LL + static_cast<int64_t>(s * 1e9); }

/// An NDJSON line with its event time.
struct rec {
  std::string line;
  int64_t t = SLUICE_NO_TIME;
};

/// One process() call over `rs`; offsets are `first_offset`, +1, ...
inline void feed(harness& h, const std::vector<rec>& rs, uint64_t first_offset = 0) {
  std::vector<sluice_record> raw;
  for (auto& r : rs) {
    sluice_record x{};
    x.data = r.line.data();
    x.size = r.line.size();
    x.event_time_ns = r.t;
    x.position.offset = first_offset++;
    raw.push_back(x);
  }
  BOOST_TEST_REQUIRE(!h.stage().process(raw.data(), raw.size()).failed());
}

} // namespace sluice::test
