/// The sending side of one edge: routes sealed batches to the instances of
/// one downstream stage, holding them until that instance granted credit.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "flow/batch.hpp"
#include "flow/gauge.hpp"

namespace sluice::flow {

class edge {
public:
  edge(config::partition_kind kind, std::vector<std::string> key, size_t destinations,
       uint32_t batch_size, gauge* in_flight = nullptr);

  /// Destination `d` allows `n` more data elements.
  void grant(size_t d, uint32_t n);
  /// Routes a sealed batch (split per destination for partition = "key").
  void push(const batch_ptr& b);
  /// Queues a control element for every destination, behind their data.
  void push_control(const element& c);

  /// Hands every element that may go now to `send(destination, element)`.
  template <class F>
  void drain(F&& send) {
    for (size_t d = 0; d < dest_.size(); ++d) {
      auto& q = dest_[d];
      while (!q.q.empty()) {
        auto& front = q.q.front();
        if (front.what == element::kind::data) {
          if (q.credit == 0)
            break;
          --q.credit;
          queued_records_ -= front.records();
        }
        send(d, std::move(front));
        q.q.pop_front();
      }
    }
  }

  /// True while some destination holds data waiting for credit.
  bool blocked() const noexcept;
  size_t destinations() const noexcept { return dest_.size(); }
  size_t queued_records() const noexcept { return queued_records_; }
  uint32_t credit(size_t d) const noexcept { return dest_[d].credit; }

private:
  struct destination {
    uint32_t credit = 0;
    std::deque<element> q;
  };
  void enqueue(size_t d, batch_ptr b);
  size_t pick_round_robin();

  config::partition_kind kind_;
  std::vector<std::string> key_;
  std::vector<destination> dest_;
  uint32_t batch_size_;
  size_t rr_ = 0;
  size_t queued_records_ = 0;
  gauge* in_flight_;
};

} // namespace sluice::flow
