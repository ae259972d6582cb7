/// The one exception plugin code throws to fail a call.
#pragma once

#include <stdexcept>

namespace sluice {

/// Thrown by plugin code to fail the current call; the SDK turns it into
/// SLUICE_ERROR plus message at the ABI boundary.
class stage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace sluice
