/// Internals shared by the store's source files (private to runtime/state: tests inject faults).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "state/store.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Env;
} // namespace rocksdb

namespace sluice::state {

/// Our column families, in handle order; "default" is RocksDB's and stays empty.
enum cf_id : size_t { cf_default, cf_offsets, cf_state, cf_pending, cf_dead_letters, cf_meta, cf_keyed, cf_count };
inline constexpr const char* cf_names[cf_count] = {"default", "offsets", "state", "pending", "dead_letters", "meta",
                                                   "keyed"};

/// What open_with_env checks beyond opening, and what it found.
struct open_checks {
  bool verify_checksums = false; ///< read every block of every table file (finds flipped bytes)
  bool corrupt = false;          ///< out: opening or verifying failed because the store is corrupt
  std::string cause;             ///< out: for a corrupt store, the failed step and RocksDB's words
};

/// store::open with `env` for all file access (nullptr: the default Env). The store keeps
/// `env` alive as long as it is open.
result<std::unique_ptr<store>> open_with_env(const std::string& dir, const store_options& opts,
                                             std::shared_ptr<rocksdb::Env> env, open_checks* checks = nullptr);

/// Wraps a DB just opened in `dir` (`handles` in cf_id order, unknown families after) as the
/// store, reads its committed epoch and, when `checks` asks, verifies its checksums.
result<std::unique_ptr<store>> adopt(const std::string& dir, bool read_only, std::shared_ptr<rocksdb::Env> env,
                                     std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                                     open_checks& checks);

/// The copy behind store::retain_copy of `db`, the store in `dir` committed at `epoch`.
status make_copy(rocksdb::DB& db, const std::string& dir, int64_t epoch, size_t keep);

/// Verifies copy `id` of the store in `dir` (every file against the checksum taken when it was
/// copied), then restores it into `dir`, which holds no store. The error is RocksDB's words.
status restore_copy(const std::string& dir, uint32_t id);

/// `dir` without trailing separators, then `suffix`: a sibling of `dir`, never inside it.
std::string sibling(const std::string& dir, const std::string& suffix);

/// A file whose presence in a state_dir without a store refuses a fresh start: open_or_recover
/// leaves it where it moved away a corrupt store that no copy could replace.
inline constexpr const char* moved_marker = "SLUICE-STORE-MOVED";

} // namespace sluice::state
