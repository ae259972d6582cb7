#include "faults/breaker.hpp"

namespace sluice::faults {

bool breaker::allow(clock::time_point now) {
  if (state_ == state::open && now >= until_)
    state_ = state::half_open;
  return state_ != state::open;
}

bool breaker::success() {
  failures_ = 0;
  if (state_ == state::closed)
    return false;
  state_ = state::closed;
  return true;
}

bool breaker::failure(clock::time_point now) {
  ++failures_;
  bool opens = state_ == state::half_open || (state_ == state::closed && failures_ >= policy_.failures);
  if (opens) {
    state_ = state::open;
    until_ = now + std::chrono::nanoseconds{policy_.open_for_ns};
  }
  return opens;
}

const char* to_string(breaker::state s) {
  switch (s) {
    case breaker::state::closed: return "closed";
    case breaker::state::open: return "open";
    case breaker::state::half_open: return "half-open";
  }
  return "?";
}

} // namespace sluice::faults
