/// Fault policies a [[stage]] declares: restart, on_error and breaker.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::faults {

/// Exponential backoff "min..max": min, 2·min, 4·min, ... capped at max.
struct backoff {
  int64_t min_ns = 100'000'000;
  int64_t max_ns = 5'000'000'000;
  /// The wait before attempt number `attempt` (1 = the first retry).
  int64_t delay(uint32_t attempt) const noexcept {
    int64_t d = min_ns;
    for (uint32_t i = 1; i < attempt && d < max_ns; ++i)
      d *= 2;
    return d < max_ns ? d : max_ns;
  }
  std::string str() const;
};

/// What happens to a record once its retries are spent.
enum class then_action { dead_letter, drop, fail };
const char* to_string(then_action a);

/// `on_error = { retries = 3, backoff = "100ms..5s", then = "dead-letter" }`.
struct on_error_policy {
  uint32_t retries = 3;
  backoff wait{100'000'000, 5'000'000'000};
  then_action then = then_action::dead_letter;
};

/// `restart = { max = 5, within = "60s", backoff = "100ms..10s" }`.
struct restart_policy {
  uint32_t max = 5;
  int64_t within_ns = 60'000'000'000;
  backoff wait{100'000'000, 10'000'000'000};
};

/// `breaker = { failures = 5, open_for = "30s" }` (sinks).
struct breaker_policy {
  uint32_t failures = 5;
  int64_t open_for_ns = 30'000'000'000;
};

} // namespace sluice::faults
