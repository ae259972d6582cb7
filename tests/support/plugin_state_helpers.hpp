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
#include "support/records.hpp"
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

} // namespace sluice::test
