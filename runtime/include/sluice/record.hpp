/// Records and batches as a plugin sees them: views over host-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/abi.h"

namespace sluice {

/// A read-only view of one record. Valid only during the call that received it.
class record {
public:
  explicit record(const sluice_record& raw) noexcept : raw_(&raw) {}

  /// The original bytes: an NDJSON line without its newline, a raw line, ...
  std::string_view bytes() const noexcept { return {raw_->data, raw_->size}; }
  std::string_view key() const noexcept { return {raw_->key, raw_->key_size}; }
  /// Event time in ns since the epoch, or SLUICE_NO_TIME.
  int64_t event_time() const noexcept { return raw_->event_time_ns; }
  bool has_event_time() const noexcept { return raw_->event_time_ns != SLUICE_NO_TIME; }
  const sluice_position& position() const noexcept { return raw_->position; }
  /// True when 64 readable bytes follow the data (simdjson can parse in place).
  bool padded() const noexcept { return (raw_->flags & SLUICE_RECORD_PADDED) != 0; }
  const sluice_record& raw() const noexcept { return *raw_; }
  /// "source:partition:offset": the same for a record replayed after a crash,
  /// so an at-least-once sink can drop repeats.
  std::string idempotency_key() const {
    auto& p = raw_->position;
    return std::string{p.source ? p.source : ""} + ":" + std::to_string(p.partition) + ":" +
           std::to_string(p.offset);
  }

private:
  const sluice_record* raw_;
};

/// Which record of its batch a process()/write() call is reading, and how many
/// records the call had emitted before it started on that one. The SDK keeps
/// it so a failure names its record and the host can drop what that record
/// emitted before the stage threw. Once a loop over the batch has ended, no
/// record is being read: a failure after it is the whole call's.
struct batch_cursor {
  size_t index = static_cast<size_t>(-1);
  uint64_t emitted_before = 0;
  const uint64_t* emitted = nullptr; ///< the context's running emit count

  void at(size_t i) noexcept {
    if (i == index)
      return;
    index = i;
    emitted_before = emitted ? *emitted : 0;
  }
};

/// A read-only view of the records handed to one process()/write() call.
class batch {
public:
  batch(const sluice_record* records, size_t n, batch_cursor* cursor = nullptr) noexcept
    : records_(records), n_(n), cursor_(cursor) {}

  size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  record operator[](size_t i) const noexcept {
    if (cursor_)
      cursor_->at(i);
    return record{records_[i]};
  }

  class iterator {
  public:
    iterator(const sluice_record* p, const sluice_record* base, batch_cursor* c) noexcept
      : p_(p), base_(base), c_(c) {}
    record operator*() const noexcept {
      if (c_)
        c_->at(static_cast<size_t>(p_ - base_));
      return record{*p_};
    }
    iterator& operator++() noexcept { ++p_; return *this; }
    bool operator!=(const iterator& other) const noexcept {
      if (p_ == other.p_ && c_) // the loop is over: a failure after it names no record
        c_->index = static_cast<size_t>(-1);
      return p_ != other.p_;
    }
  private:
    const sluice_record* p_;
    const sluice_record* base_;
    batch_cursor* c_;
  };
  iterator begin() const noexcept { return iterator{records_, records_, cursor_}; }
  iterator end() const noexcept { return iterator{records_ + n_, records_, cursor_}; }

private:
  const sluice_record* records_;
  size_t n_;
  batch_cursor* cursor_;
};

} // namespace sluice
