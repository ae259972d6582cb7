/// Named crash points for tests: SLUICE_FAILPOINT=name[:n] aborts the process
/// the n-th time (default 1st) the point `name` is reached.
#pragma once

namespace sluice {

/// Aborts here when SLUICE_FAILPOINT names this point and its count is reached.
void failpoint(const char* name);

} // namespace sluice
