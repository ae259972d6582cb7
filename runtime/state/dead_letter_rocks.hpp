/// Dead letters in RocksDB: the pieces rocks_store's dead-letter methods are made of (private
/// to runtime/state).
///
/// "dead_letters": key = instance key + 0x00 + epoch (8 bytes, big-endian) + sequence (4 bytes,
///                 big-endian), so entries sort by instance, epoch, sequence and a later run
///                 (later epochs) never reuses a key; value = format version 1, then the fields.
/// "pending":      key = epoch (8 bytes) + 0x01 + the "dead_letters" key, same value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "state/store.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
} // namespace rocksdb

namespace sluice::state::dead_letter_rocks {

/// Adds `entries` of `instance` to `b` as "pending" entries of `epoch`.
rocksdb::Status stage(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* pending, int64_t epoch,
                      const std::string& instance, const std::vector<dead_letter>& entries);

/// Whether a "pending" key is a staged dead letter.
inline bool is_pending(std::string_view k) { return k.size() > 8 && k[8] == '\x01'; }

/// Adds to `b` what committing the pending dead letter (`k`, `v`) means: put it in
/// "dead_letters", remove it from "pending".
rocksdb::Status apply(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* dead, rocksdb::ColumnFamilyHandle* pending,
                      const rocksdb::Slice& k, const rocksdb::Slice& v);

/// store::dead_letters of the store at `path`.
result<std::vector<dead_letter>> list(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* dead, const std::string& path,
                                      const std::string& stage);

/// The fields of a stored dead letter's value into `d`; false if it is not in our format.
bool read_fields(std::string_view value, dead_letter& d);

/// Adds to `b` the deletes (and replay puts into "keyed") of store::take_dead_letters; how many.
result<size_t> take(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* dead, rocksdb::ColumnFamilyHandle* keyed,
                    const std::string& path, const store::dead_letter_take& what, rocksdb::WriteBatch& b);

} // namespace sluice::state::dead_letter_rocks
