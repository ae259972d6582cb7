/// A node-wide count of records in flight, with its high-water mark.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::flow {

/// Records are in flight from the moment a batch is queued on an edge until
/// the receiving instance has handled it. Shared by all actors of a node.
class gauge {
public:
  void add(int64_t n) noexcept {
    auto now = now_.fetch_add(n, std::memory_order_relaxed) + n;
    auto max = max_.load(std::memory_order_relaxed);
    while (now > max && !max_.compare_exchange_weak(max, now, std::memory_order_relaxed)) {
    }
  }
  void sub(int64_t n) noexcept { now_.fetch_sub(n, std::memory_order_relaxed); }
  /// After a restart: what was in flight is gone (the high-water mark stays).
  void clear() noexcept { now_.store(0, std::memory_order_relaxed); }
  int64_t now() const noexcept { return now_.load(std::memory_order_relaxed); }
  int64_t max() const noexcept { return max_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> now_{0};
  std::atomic<int64_t> max_{0};
};

} // namespace sluice::flow
