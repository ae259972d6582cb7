#include "flow/batch.hpp"

#include <cstring>

namespace sluice::flow {

batch::batch(size_t expected_records, size_t expected_bytes)
  : arena_(new char[expected_bytes + padding]), capacity_(expected_bytes + padding) {
  records_.reserve(expected_records);
}

std::shared_ptr<batch> batch::adopt(std::shared_ptr<const void> owner, std::vector<sluice_record> records) {
  auto b = std::make_shared<batch>();
  b->arena_.reset();
  b->capacity_ = 0;
  for (auto& r : records)
    b->used_ += r.size + r.key_size;
  b->records_ = std::move(records);
  b->owner_ = std::move(owner);
  b->sealed_ = true;
  return b;
}

void batch::append(const sluice_record& r) {
  size_t need = used_ + r.size + r.key_size;
  if (need + padding > capacity_) {
    auto bigger = std::max(need + padding, capacity_ * 2);
    std::unique_ptr<char[]> grown(new char[bigger]);
    if (used_)
      std::memcpy(grown.get(), arena_.get(), used_);
    arena_ = std::move(grown);
    capacity_ = bigger;
  }
  sluice_record c = r;
  std::memcpy(arena_.get() + used_, r.data, r.size);
  c.data = reinterpret_cast<const char*>(used_);
  used_ += r.size;
  if (r.key_size) {
    std::memcpy(arena_.get() + used_, r.key, r.key_size);
    c.key = reinterpret_cast<const char*>(used_);
    used_ += r.key_size;
  } else {
    c.key = nullptr;
  }
  c.flags |= SLUICE_RECORD_PADDED;
  records_.push_back(c);
}

void batch::truncate(size_t n) {
  if (n >= records_.size())
    return;
  used_ = reinterpret_cast<uintptr_t>(records_[n].data); // offsets until seal(): where record n began
  records_.resize(n);
}

void batch::seal() {
  if (sealed_)
    return;
  sealed_ = true;
  std::memset(arena_.get() + used_, 0, padding); // read past the last record, never looked at
  const char* base = arena_.get();
  for (auto& r : records_) {
    r.data = base + reinterpret_cast<uintptr_t>(r.data);
    if (r.key_size)
      r.key = base + reinterpret_cast<uintptr_t>(r.key);
  }
}

} // namespace sluice::flow
