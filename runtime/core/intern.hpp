/// Strings that live as long as the process: for `sluice_record::position.source`,
/// which travels with records through every stage after the one that set it.
#pragma once

#include <string_view>

namespace sluice {

/// A pointer to a NUL-terminated copy of `s` that stays valid until the process ends;
/// equal strings share one copy. Thread-safe.
const char* intern(std::string_view s);

} // namespace sluice
