/// What travels between nodes: one frame per message, in a versioned binary format
/// (msgpack, see codec.cpp). This header names no ZeroMQ or msgpack type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "flow/batch.hpp"

namespace sluice::link {

/// Frame format version; a peer speaking another is refused with both versions named.
/// 4: a link message carries one or more frames (3: exactly one).
inline constexpr uint32_t frame_version = 4;

/// A stage instance somewhere in the pipeline.
struct instance_ref {
  std::string stage;
  uint32_t index = 0;
  bool operator<(const instance_ref& o) const { return stage != o.stage ? stage < o.stage : index < o.index; }
  bool operator==(const instance_ref& o) const { return stage == o.stage && index == o.index; }
  std::string str() const { return stage + "#" + std::to_string(index); }
};

enum class frame_kind : uint8_t {
  hello = 1,   ///< `from` feeds `to` on channel `channel` as its (edge, dest)
  element = 2, ///< data or control on channel `channel` of `to`
  credit = 3,  ///< `to` may send `n` more batches on its (edge, dest)
  node = 4,    ///< a node introduces itself (`from.stage` is its name); first on every link
  control = 5, ///< between nodes' supervisors and coordinators: `op` says what
};

/// What a control frame says. Membership (`join`..`bye`) goes to the node's member actor
/// whatever its generation; the checkpoint ops go to the coordinator of the frame's generation.
enum class control_op : uint8_t {
  none = 0,
  status = 1,   ///< follower -> leader, every tick: `inc`, its generation, its phase in `n`
  rollback = 2, ///< leader -> follower: go back to committed `epoch`, become generation `gen`
  go = 3,       ///< leader -> follower: every node is ready for `gen`; start its instances
  abort = 4,    ///< follower -> leader: a stage failed in `gen`; roll everything back
  done = 5,     ///< follower -> leader: every local instance of `gen` has ended
  exit = 6,     ///< leader -> follower: the pipeline ended; record it finished (`n` = 0) and exit 0
  bye = 7,      ///< follower -> leader: recorded; exiting
  stop = 8,     ///< leader -> follower: stop your sources; the end is a stop (exit `n` = 1), not a finish
  barrier = 10, ///< leader coordinator -> follower: start `epoch` at the local sources (`n`: final)
  acked = 11,   ///< follower coordinator -> leader: every local instance snapshotted `epoch`
  commit = 12,  ///< leader coordinator -> follower: `epoch` is durable; commit it (`n`: final)
  ended = 13,   ///< follower coordinator -> leader: one more local source has ended
  finish = 14,  ///< leader coordinator -> follower: the final epoch is committed; end the streams
};

/// Whether control frames with `op` go to the coordinator (else to the member actor).
inline bool for_coordinator(control_op op) { return static_cast<uint8_t>(op) >= 10; }

struct frame {
  frame_kind kind = frame_kind::element;
  /// The pipeline generation it belongs to: every rollback starts a new one, and a node drops
  /// frames of generations before its own (what the old instances still had in flight).
  uint64_t gen = 0;
  instance_ref to, from;
  uint32_t channel = 0, edge = 0, dest = 0, n = 0;
  control_op op = control_op::none; ///< control frames
  int64_t epoch = 0;                ///< control frames
  uint64_t inc = 0;                 ///< control frames: the sending process's incarnation
  flow::element elem; ///< element frames
};

/// The frame as bytes.
std::string encode(const frame& f);
/// The frame in `bytes`; an error says what did not fit (never throws, never crashes). With an
/// `owner` that keeps `bytes` alive, a batch points into them instead of copying its records.
result<frame> decode(std::string_view bytes, std::shared_ptr<const void> owner = nullptr);

} // namespace sluice::link
