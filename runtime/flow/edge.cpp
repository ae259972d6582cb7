#include "flow/edge.hpp"

#include <algorithm>

#include "flow/key_hash.hpp"

namespace sluice::flow {

using config::partition_kind;

edge::edge(partition_kind kind, std::vector<std::string> key, size_t destinations, uint32_t batch_size,
           gauge* in_flight)
  : kind_(kind), key_(std::move(key)), dest_(destinations), batch_size_(batch_size), in_flight_(in_flight) {}

void edge::grant(size_t d, uint32_t n) {
  dest_.at(d).credit += n;
}

bool edge::blocked() const noexcept {
  return std::any_of(dest_.begin(), dest_.end(), [](auto& d) {
    return std::any_of(d.q.begin(), d.q.end(), [](auto& e) { return e.what == element::kind::data; });
  });
}

void edge::enqueue(size_t d, batch_ptr b) {
  queued_records_ += b->size();
  if (in_flight_)
    in_flight_->add(static_cast<int64_t>(b->size()));
  dest_[d].q.push_back(element::of(std::move(b)));
}

size_t edge::pick_round_robin() {
  // Prefer the next destination that can take the batch now.
  for (size_t k = 0; k < dest_.size(); ++k) {
    size_t d = (rr_ + k) % dest_.size();
    if (dest_[d].q.empty() && dest_[d].credit > 0) {
      rr_ = d + 1;
      return d;
    }
  }
  size_t d = rr_ % dest_.size();
  rr_ = d + 1;
  return d;
}

void edge::push(const batch_ptr& b) {
  if (b->empty() || dest_.empty())
    return;
  switch (kind_) {
    case partition_kind::forward:
      enqueue(0, b);
      break;
    case partition_kind::round_robin:
      enqueue(pick_round_robin(), b);
      break;
    case partition_kind::broadcast:
      for (size_t d = 0; d < dest_.size(); ++d)
        enqueue(d, b);
      break;
    case partition_kind::key: {
      if (dest_.size() == 1) {
        enqueue(0, b);
        break;
      }
      std::vector<std::shared_ptr<batch>> parts(dest_.size());
      for (size_t i = 0; i < b->size(); ++i) {
        auto& r = (*b)[i];
        size_t d = key_hash(r, key_) % dest_.size();
        if (!parts[d])
          parts[d] = std::make_shared<batch>(b->size(), b->bytes());
        parts[d]->append(r);
      }
      for (size_t d = 0; d < parts.size(); ++d)
        if (parts[d]) {
          parts[d]->seal();
          enqueue(d, parts[d]);
        }
      break;
    }
  }
}

void edge::push_control(const element& c) {
  for (auto& d : dest_)
    d.q.push_back(c);
}

} // namespace sluice::flow
