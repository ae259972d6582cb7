/// The node's durable state: one RocksDB per node under `state_dir`.
/// The only code in sluice that includes RocksDB; nothing RocksDB leaks out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "state/dead_letter.hpp"

namespace sluice::state {

/// A stage instance's checkpointed state: the plugin's snapshot bytes and the
/// schema version that wrote them.
struct instance_state {
  std::string bytes;
  uint32_t schema_version = 0;
};

/// One instance's keyed-state writes in one epoch, sorted by key, each key once; nullopt deletes it.
using keyed_writes = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// One committed or pending epoch, for `sluice checkpoint ls|inspect`.
struct epoch_info {
  int64_t epoch = 0;
  bool committed = false;
  int64_t committed_at_ms = 0; ///< wall clock when the commit was written (0 if pending)
  size_t instances = 0;        ///< instance states in it
  size_t bytes = 0;            ///< total snapshot bytes
};

struct store_options {
  bool create_if_missing = true;
  bool read_only = false; ///< for the CLI while a node may be running
};

/// One retained copy of a store (see store::retain_copy).
struct copy_info {
  uint32_t id = 0;       ///< increases with every copy
  int64_t epoch = 0;     ///< the committed epoch when the copy was made
  int64_t created_s = 0; ///< wall clock, seconds since the Unix epoch
  uint64_t bytes = 0;    ///< files it refers to (shared with other copies)
};

/// What store::open_or_recover found wrong with the live store and what it did about it.
struct recovery_report {
  bool recovered = false;           ///< the live store was corrupt or missing and `restored` replaced it
  std::string problem;              ///< what was wrong (RocksDB's words)
  std::string moved_to;             ///< where the corrupt store now is; empty if there was none
  copy_info restored;               ///< the copy now live
  std::vector<std::string> skipped; ///< newer copies that failed verification, and why
};

/// Column families: "offsets" (source instances' state), "state" (operator
/// state), "pending" (staged per epoch, not yet committed), "dead_letters"
/// (committed dead letters by instance, epoch and sequence), "meta" (committed
/// epoch, pipeline identity) and "keyed" (committed keyed state of every instance).
///
/// Every commit is one synced WriteBatch; checksums and paranoid_checks are
/// on. Any RocksDB failure becomes an error naming the path, the operation and
/// what to do; after a failed write the store refuses further writes.
class store {
public:
  virtual ~store() = default;

  /// Opens (or creates) the store in `dir`.
  static result<std::unique_ptr<store>> open(const std::string& dir, const store_options& opts = {});

  /// Opens the store in `dir` read-write and verifies every block checksum. A corrupt store
  /// (or a missing one while copies exist) is moved aside to `<dir>.corrupt-<UTC time>`, never
  /// deleted, and the newest copy that verifies is restored; `out` says what happened. With
  /// no good copy this fails and names the moved store: never a silent fresh start.
  static result<std::unique_ptr<store>> open_or_recover(const std::string& dir, recovery_report& out);

  /// Where the copies of the store in `dir` live: the sibling `<dir>-copies`, so that losing
  /// or wiping `dir` keeps them. Starting over means deleting both.
  static std::string copies_dir(const std::string& dir);

  /// The copies of the store in `dir` that are not known corrupt, oldest first.
  static result<std::vector<copy_info>> list_copies(const std::string& dir);

  /// The last committed epoch; 0 when nothing was committed yet.
  virtual int64_t committed_epoch() const = 0;

  /// Stages `key`'s state for `epoch` (not visible to state_of until commit).
  /// `is_source` puts it in "offsets" on commit, else in "state".
  virtual status stage(int64_t epoch, const std::string& key, const instance_state& s, bool is_source) = 0;

  /// Atomically: applies every pending entry of epochs <= `epoch`, deletes
  /// them, records `epoch` as committed. One synced WriteBatch.
  virtual status commit(int64_t epoch) = 0;

  /// Drops pending entries of epochs > committed_epoch() (recovery).
  virtual status drop_uncommitted() = 0;

  /// The committed state of instance `key` ("stage#index"), if any.
  virtual result<std::optional<instance_state>> state_of(const std::string& key) const = 0;

  /// Committed and pending epochs, oldest first (committed: only the latest).
  virtual result<std::vector<epoch_info>> epochs() const = 0;
  /// Every committed instance key with its state, sorted by key.
  virtual result<std::vector<std::pair<std::string, instance_state>>> committed_states() const = 0;

  /// A value in "meta" (e.g. "pipeline" identity); empty if unset.
  virtual result<std::string> meta(const std::string& key) const = 0;
  virtual status set_meta(const std::string& key, const std::string& value) = 0;

  /// Makes a retained copy in copies_dir(path()) (RocksDB BackupEngine: memtables flushed
  /// first; table files shared with older copies, so a copy costs only what changed) tagged
  /// with the committed epoch, then deletes all but the newest `keep` (at least 1).
  virtual status retain_copy(size_t keep) = 0;

  virtual const std::string& path() const = 0;

  /// Stages keyed-state `writes` of namespace `ns` (an instance key) for `epoch`, like stage():
  /// commit(e) applies those of epochs <= e to "keyed" in its batch, drop_uncommitted drops the rest.
  virtual status stage_keyed(int64_t epoch, const std::string& ns, const keyed_writes& writes) = 0;

  /// The committed keyed-state value of `key` in namespace `ns`, if any.
  virtual result<std::optional<std::string>> keyed_get(const std::string& ns, std::string_view key) const = 0;

  /// Calls `visit(key, value)` for the committed keys of `ns` that start with `prefix`, in byte
  /// order, while it returns true. One consistent view even while commits go on.
  virtual status keyed_scan(const std::string& ns, std::string_view prefix,
                            const std::function<bool(std::string_view, std::string_view)>& visit) const = 0;

  /// Stages instance `instance`'s dead letters of `epoch` (their `instance` field is ignored),
  /// like stage(): commit(e) moves those of epochs <= e to "dead_letters", drop_uncommitted
  /// drops the rest, so a replayed epoch neither loses nor repeats one.
  virtual status stage_dead_letters(int64_t epoch, const std::string& instance,
                                    const std::vector<dead_letter>& entries) = 0;

  /// The committed dead letters of stage `stage` (every stage when empty), ordered by
  /// instance, epoch and sequence.
  virtual result<std::vector<dead_letter>> dead_letters(const std::string& stage = {}) const = 0;

  /// Deletes the committed dead letters of stage `stage` (all when empty) in one synced batch;
  /// returns how many.
  result<size_t> purge_dead_letters(const std::string& stage = {}) {
    dead_letter_take all;
    all.stage = stage;
    return take_dead_letters(all);
  }

  /// Which dead letters take_dead_letters removes, and where it queues them for replay.
  struct dead_letter_take {
    std::string stage;            ///< only this stage's (all when empty)
    std::vector<std::string> ids; ///< only these ids (all of the stage when empty)
    /// The keyed-state namespace an entry is queued in for replay (its key: the entry's id, its
    /// value: the stored entry); empty: not queued (a purge).
    std::function<std::string(const dead_letter&)> replay_into;
  };
  /// Removes the chosen committed dead letters and queues each for replay where asked, in one
  /// synced batch (a crash leaves either all of them where they were or all moved); how many.
  virtual result<size_t> take_dead_letters(const dead_letter_take& what) = 0;
};

} // namespace sluice::state
