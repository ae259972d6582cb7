/// Keyed state in RocksDB: the pieces rocks_store's keyed methods are made of (private to
/// runtime/state). Layouts are in codec.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "state/store.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
} // namespace rocksdb

namespace sluice::state::keyed_rocks {

/// Adds `writes` of namespace `ns` to `b` as "pending" entries of `epoch`.
rocksdb::Status stage(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* pending, int64_t epoch,
                      const std::string& ns, const keyed_writes& writes);

/// Adds to `b` what committing the pending keyed write (`k`, `v`) means: apply it to "keyed",
/// remove it from "pending".
rocksdb::Status apply(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* keyed, rocksdb::ColumnFamilyHandle* pending,
                      const rocksdb::Slice& k, const rocksdb::Slice& v);

/// store::keyed_get of the store at `path`.
result<std::optional<std::string>> get(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* keyed, const std::string& path,
                                       const std::string& ns, std::string_view key);

/// store::keyed_scan of the store at `path`.
status scan(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* keyed, const std::string& path, const std::string& ns,
            std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit);

} // namespace sluice::state::keyed_rocks
