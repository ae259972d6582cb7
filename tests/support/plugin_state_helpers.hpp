/// For plugin tests with keyed state under checkpoints: a real store and one instance's
/// checkpoint, driven through the harness.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "state/store.hpp"
#include "support/harness.hpp"
#include "support/state_helpers.hpp"

namespace sluice::test {

inline std::shared_ptr<state::store> open_store(const std::filesystem::path& dir) {
  auto r = state::store::open(dir.string());
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return std::shared_ptr<state::store>(std::move(*r));
}

/// What a checkpoint does to one instance: flush, snapshot, stage keyed state.
inline std::string checkpoint(harness& h, int64_t epoch) {
  BOOST_TEST_REQUIRE(!h.stage().flush().failed());
  auto snap = h.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  auto st = h.stage().stage_state(epoch);
  BOOST_TEST_REQUIRE(!st.failed(), (st.failed() ? st.message() : ""));
  return *snap;
}

/// Event time `s` seconds after 2026-01-01T00:00:00Z, in ns.
inline int64_t at(double s) { return 1767225600000000000LL + static_cast<int64_t>(s * 1e9); }

/// An NDJSON line with its event time.
struct rec {
  std::string line;
  int64_t t = SLUICE_NO_TIME;
};

/// One process() call over `rs`, offsets 0, 1, ...
inline void feed(harness& h, const std::vector<rec>& rs) {
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

} // namespace sluice::test
