/// One stage instance's keyed state, layered for exactly-once (RocksDB-free; see store.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "state/store.hpp"

namespace sluice::state {

/// The keyed state of the instance whose key ("stage#index") is its namespace.
///
/// With a store, reads see three layers, the newest first: this epoch's writes (in memory),
/// the writes of epochs staged at a checkpoint but not yet known committed (in memory, also
/// pending in the store), then the store's committed "keyed" family. A deletion hides the
/// layers below it. stage(e) at the instance's checkpoint e turns this epoch's writes into
/// pending writes of e; committed(e), once e is committed everywhere, forgets the staged layers
/// <= e, which the store's committed family now holds. After a crash only committed epochs
/// remain (store::drop_uncommitted), which is what the restored snapshots belong to.
///
/// Without a store (checkpoints off) it is a plain map in memory.
///
/// Not thread-safe: one instance, one actor. The store is shared with the coordinator (which
/// commits) and other instances; its reads and writes are thread-safe.
class keyed_state {
public:
  /// The visitor of scan(): key, value; true to go on.
  using visitor = std::function<bool(std::string_view, std::string_view)>;

  /// `store` may be null (in memory only); `ns` is the instance key.
  keyed_state(std::shared_ptr<store> store, std::string ns);

  result<std::optional<std::string>> get(std::string_view key) const;
  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);

  /// Visits every key starting with `prefix` in byte order, merging the layers, while `visit`
  /// returns true. `visit` may write: the scan goes on over the state as it was when it began
  /// (it copies the in-memory layers' part under `prefix`).
  status scan(std::string_view prefix, const visitor& visit) const;

  /// Checkpoint `epoch` (after the instance's snapshot): hands this epoch's writes to the
  /// store as pending for `epoch`; they stay readable here until committed(epoch).
  status stage(int64_t epoch);

  /// Epochs <= `epoch` are committed in the store: drops their in-memory layers.
  void committed(int64_t epoch);

  /// Writes since the last stage() (for tests and gauges).
  size_t unstaged() const noexcept { return overlay_.size(); }
  /// Epochs staged but not yet committed.
  size_t staged_epochs() const noexcept { return staged_.size(); }

private:
  using layer = std::map<std::string, std::optional<std::string>, std::less<>>;

  std::shared_ptr<store> store_;
  std::string ns_;
  layer overlay_;                        ///< this epoch's writes; nullopt: deleted
  std::map<int64_t, keyed_writes> staged_; ///< per staged epoch, sorted by key
};

} // namespace sluice::state
