/// A sink's circuit breaker: closed → open after `failures` failures in a row
/// → half-open once `open_for` has passed (one probe) → closed on success or
/// open again on failure. While not closed the sink takes no records, so it
/// grants no credit and back-pressure stops the sources.
#pragma once

#include <chrono>
#include <cstdint>

#include "faults/policy.hpp"

namespace sluice::faults {

class breaker {
public:
  using clock = std::chrono::steady_clock;
  enum class state { closed, open, half_open };

  explicit breaker(breaker_policy p) : policy_(p) {}

  /// May an attempt be made at `now`? An open breaker past its time turns half-open.
  bool allow(clock::time_point now);
  /// When an open breaker lets the next probe through.
  clock::time_point reopens_at() const noexcept { return until_; }

  /// The attempt succeeded; true when this closed the breaker.
  bool success();
  /// The attempt failed; true when this opened the breaker.
  bool failure(clock::time_point now);

  state current() const noexcept { return state_; }
  uint32_t failures_in_a_row() const noexcept { return failures_; }
  const breaker_policy& policy() const noexcept { return policy_; }

private:
  breaker_policy policy_;
  state state_ = state::closed;
  uint32_t failures_ = 0;
  clock::time_point until_{};
};

const char* to_string(breaker::state s);

} // namespace sluice::faults
