/// Records and batches as a plugin sees them: views over host-owned memory.
#pragma once

#include <cstddef>
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

/// A read-only view of the records handed to one process()/write() call.
class batch {
public:
  batch(const sluice_record* records, size_t n) noexcept : records_(records), n_(n) {}

  size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  record operator[](size_t i) const noexcept { return record{records_[i]}; }

  class iterator {
  public:
    explicit iterator(const sluice_record* p) noexcept : p_(p) {}
    record operator*() const noexcept { return record{*p_}; }
    iterator& operator++() noexcept { ++p_; return *this; }
    bool operator!=(const iterator& other) const noexcept { return p_ != other.p_; }
  private:
    const sluice_record* p_;
  };
  iterator begin() const noexcept { return iterator{records_}; }
  iterator end() const noexcept { return iterator{records_ + n_}; }

private:
  const sluice_record* records_;
  size_t n_;
};

} // namespace sluice
