/// One output port of a stage instance: collects emitted records into
/// batches and hands sealed batches to every edge reading the port.
#pragma once

#include <memory>
#include <vector>

#include "flow/edge.hpp"

namespace sluice::flow {

class output_port {
public:
  explicit output_port(uint32_t batch_size) : batch_size_(batch_size) {}

  void add_edge(edge* e) { edges_.push_back(e); }
  /// Copies `r` into the open batch; a full batch goes to the edges.
  void append(const sluice_record& r);
  /// Sends the open batch, even if not full.
  void flush();
  /// Flushes, then queues `c` on every edge.
  void control(const element& c);
  /// While held (one plugin call), nothing is sent: full batches wait in the port
  /// (still at most batch_size records each), so what the call emitted can still
  /// be taken back. Releasing sends the full ones.
  void hold();
  void release();
  /// Keeps the first `keep` records appended since hold().
  void take_back(size_t keep);

  const std::vector<edge*>& edges() const noexcept { return edges_; }
  uint64_t records_out() const noexcept { return records_out_; }

private:
  uint32_t batch_size_;
  std::vector<edge*> edges_;
  std::shared_ptr<batch> open_;
  uint64_t records_out_ = 0;
  bool held_ = false;
  std::vector<std::shared_ptr<batch>> full_; ///< full batches of the held call, oldest first
  size_t since_hold_ = 0;
  size_t avg_bytes_ = 256;
};

} // namespace sluice::flow
