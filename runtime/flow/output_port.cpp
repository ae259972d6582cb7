#include "flow/output_port.hpp"

namespace sluice::flow {

void output_port::append(const sluice_record& r) {
  ++records_out_;
  if (edges_.empty())
    return; // nobody reads this port: records are counted and dropped
  if (!open_)
    open_ = std::make_shared<batch>(batch_size_, batch_size_ * avg_bytes_);
  open_->append(r);
  if (open_->size() >= batch_size_)
    flush();
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
