/// A record a stage could not handle, as kept in the node's dead-letter store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::state {

/// One dead letter: where it failed, why, where it came from and its original bytes.
struct dead_letter {
  std::string id;       ///< set when read back: "<instance>/<epoch>/<sequence>", unique in the store
  std::string instance; ///< stage instance key, "stage#index"
  std::string plugin;   ///< plugin name of the stage
  std::string version;  ///< plugin version of the stage
  std::string error;    ///< the reason the plugin gave
  uint32_t attempts = 1; ///< 1 for data errors
  std::string source;   ///< source stage of the record
  uint32_t partition = 0;
  uint64_t offset = 0;  ///< byte offset or sequence number in the source
  int64_t time_ms = 0;  ///< wall clock when it was dead-lettered, ms since the Unix epoch
  std::string bytes;    ///< the original record
};

/// The keyed-state namespace of instance `instance`'s replay queue: `sluice dlq replay` moves
/// dead letters there (key: the entry's id), the instance processes them when it starts and
/// removes them with its first checkpoint.
inline std::string replay_namespace(const std::string& instance) { return "replay:" + instance; }

/// A dead letter queued for replay, from its keyed-state key and value; nullopt if malformed.
std::optional<dead_letter> queued_dead_letter(std::string_view id, std::string_view value);

} // namespace sluice::state
