/// Turns a rocksdb::Status into a sluice error a user can act on (private to runtime/state).
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "core/error.hpp"

namespace sluice::state {

/// "state store <path>: <op> failed: <status>; <what to do>". Call only for a failed status.
error rocks_error(const std::string& path, std::string_view op, const rocksdb::Status& s);

/// The same shape for a problem found by the store itself (bad bytes, misuse).
error store_error(const std::string& path, std::string_view op, std::string_view what, std::string_view todo);

/// What to do when a value in the store is not in our format.
std::string corrupt_advice(const std::string& path);

} // namespace sluice::state
