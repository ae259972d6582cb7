/// A batch: the unit that moves between stage instances. One arena of bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sluice/abi.h"

namespace sluice::flow {

/// Records appended by copy into one arena; sealed once, then shared read-only.
class batch {
public:
  static constexpr size_t padding = 64; ///< simdjson reads up to 64 bytes past a record

  explicit batch(size_t expected_records = 0, size_t expected_bytes = 0);
  /// A sealed batch of `records` that point into memory `owner` keeps alive (a frame as it
  /// arrived from another node): nothing is copied.
  static std::shared_ptr<batch> adopt(std::shared_ptr<const void> owner, std::vector<sluice_record> records);

  /// Copies `r` (bytes and key) into the arena. Only before seal().
  void append(const sluice_record& r);
  /// Keeps the first `n` records. Only before seal().
  void truncate(size_t n);
  /// Fixes record pointers and pads the arena; the batch is immutable after.
  void seal();

  size_t size() const noexcept { return records_.size(); }
  bool empty() const noexcept { return records_.empty(); }
  size_t bytes() const noexcept { return used_; }
  const sluice_record* records() const noexcept { return records_.data(); }
  const sluice_record& operator[](size_t i) const noexcept { return records_[i]; }

private:
  std::unique_ptr<char[]> arena_; ///< not zeroed: every byte read is written first (padding at seal())
  size_t capacity_ = 0;
  size_t used_ = 0;
  std::vector<sluice_record> records_; // data/key hold arena offsets until seal()
  std::shared_ptr<const void> owner_;  // adopted batches: what their records point into
  bool sealed_ = false;
};

using batch_ptr = std::shared_ptr<const batch>;

/// What travels on an edge, in order: data or a control element.
struct element {
  /// end_of_input: no more data will come; stages emit what they hold (so the
  /// final checkpoint covers it). end_of_stream: after the final commit; stop.
  enum class kind : uint8_t { data, barrier, watermark, end_of_input, end_of_stream };
  kind what = kind::data;
  int64_t value = 0; ///< barrier: epoch; watermark: event time (ns)
  batch_ptr data;

  static element of(batch_ptr b) { return {kind::data, 0, std::move(b)}; }
  static element barrier(int64_t epoch) { return {kind::barrier, epoch, nullptr}; }
  static element watermark(int64_t t) { return {kind::watermark, t, nullptr}; }
  /// `stop`: the sources were stopped (SIGTERM), not exhausted: stages keep what they hold in
  /// their state (the final checkpoint has it; a restart resumes) instead of emitting it.
  static element end_of_input(bool stop = false) { return {kind::end_of_input, stop ? 1 : 0, nullptr}; }
  static element end_of_stream() { return {kind::end_of_stream, 0, nullptr}; }
  size_t records() const noexcept { return data ? data->size() : 0; }
};

} // namespace sluice::flow
