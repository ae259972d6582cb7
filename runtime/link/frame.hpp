/// What travels between nodes: one frame per message, in a versioned binary format
/// (msgpack, see codec.cpp). This header names no ZeroMQ or msgpack type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "flow/batch.hpp"

namespace sluice::link {

/// Frame format version; a peer speaking another is refused with both versions named.
inline constexpr uint32_t frame_version = 1;

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
};

struct frame {
  frame_kind kind = frame_kind::element;
  instance_ref to, from;
  uint32_t channel = 0, edge = 0, dest = 0, n = 0;
  flow::element elem; ///< element frames
};

/// The frame as bytes.
std::string encode(const frame& f);
/// The frame in `bytes`; an error says what did not fit (never throws, never crashes).
result<frame> decode(std::string_view bytes);

} // namespace sluice::link
