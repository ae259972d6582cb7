/// The one exception plugin code throws to fail a call.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sluice {

/// Thrown by plugin code to fail the current call; the SDK turns it into
/// SLUICE_ERROR plus message at the ABI boundary.
class stage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown by process()/write() when record `index` of the batch is itself at
/// fault (a destination rejected it, it breaks an invariant). The host retries
/// that record alone and then dead-letters, drops or fails per the stage's
/// `on_error`. Any other exception blames the record being read when it was
/// thrown; for a sink it is a delivery failure, retried behind the breaker.
class record_error : public stage_error {
public:
  record_error(size_t index, const std::string& message) : stage_error(message), index_(index) {}
  size_t index() const noexcept { return index_; }

private:
  size_t index_;
};

/// Thrown by a sink's write() when none of the call's records got through
/// (the destination is down, a whole request failed): the host hands it the
/// same records again, behind the stage's circuit breaker.
class delivery_error : public stage_error {
public:
  using stage_error::stage_error;
};

} // namespace sluice
