/// Fault injection for state store tests; RocksDB-free like store.hpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "state/store.hpp"

namespace sluice::state::testing {

/// Bytes the store's files may still grow by, shared with the test that lowers it.
using disk_budget = std::shared_ptr<std::atomic<int64_t>>;

/// store::open on a file system whose writes fail with ENOSPC ("no space left") once a write
/// would take more than `budget` bytes; a failed write writes nothing.
result<std::unique_ptr<store>> open_with_disk_budget(const std::string& dir, disk_budget budget,
                                                     const store_options& opts = {});

} // namespace sluice::state::testing
