#include "flow/output_port.hpp"

#include <algorithm>

namespace sluice::flow {

void output_port::append(const sluice_record& r) {
  ++records_out_;
  ++since_hold_;
  if (edges_.empty())
    return; // nobody reads this port: records are counted and dropped
  if (!open_)
    open_ = std::make_shared<batch>(batch_size_, batch_size_ * avg_bytes_);
  open_->append(r);
  if (open_->size() < batch_size_)
    return;
  if (held_)
    full_.push_back(std::move(open_));
  else
    flush();
}

void output_port::hold() {
  held_ = true;
  since_hold_ = 0;
}

void output_port::release() {
  held_ = false;
  for (auto& b : full_) {
    b->seal();
    batch_ptr sealed = std::move(b);
    for (auto* e : edges_)
      e->push(sealed);
  }
  full_.clear();
  if (open_ && open_->size() >= batch_size_)
    flush();
}

void output_port::take_back(size_t keep) {
  if (keep >= since_hold_)
    return;
  auto drop = since_hold_ - keep;
  records_out_ -= drop;
  since_hold_ = keep;
  if (edges_.empty())
    return; // nothing was kept
  while (drop > 0) {
    if (!open_ || open_->empty()) {
      if (full_.empty())
        return;
      open_ = std::move(full_.back());
      full_.pop_back();
    }
    auto n = std::min(drop, open_->size());
    open_->truncate(open_->size() - n);
    drop -= n;
  }
}

void output_port::flush() {
  if (!open_ || open_->empty())
    return;
  avg_bytes_ = open_->bytes() / open_->size() + 1;
  open_->seal();
  batch_ptr b = std::move(open_);
  open_.reset();
  for (auto* e : edges_)
    e->push(b);
}

void output_port::control(const element& c) {
  flush();
  for (auto* e : edges_)
    e->push_control(c);
}

} // namespace sluice::flow
