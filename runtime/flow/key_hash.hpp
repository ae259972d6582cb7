/// Stable hashing of record keys for partition = "key".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/abi.h"

namespace sluice::flow {

/// FNV-1a 64: stable across processes, restarts and builds.
uint64_t fnv1a(std::string_view bytes, uint64_t seed = 14695981039346656037ULL) noexcept;

/// Hash of the record's `fields` (top-level or dotted JSON fields; raw JSON
/// text of each value, so 1 and "1" differ); the record key when `fields` is
/// empty. A missing field hashes as null; a record that is not JSON hashes
/// its bytes.
uint64_t key_hash(const sluice_record& r, const std::vector<std::string>& fields);

} // namespace sluice::flow
