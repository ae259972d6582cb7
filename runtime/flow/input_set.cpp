#include "flow/input_set.hpp"

#include <algorithm>

namespace sluice::flow {

input_set::input_set(size_t channels, bool aligned) : ch_(channels), aligned_(aligned) {}

void input_set::push(size_t channel, element e) {
  queued_records_ += e.records();
  ch_.at(channel).q.push_back(std::move(e));
}

bool input_set::all_open_blocked() const {
  return std::all_of(ch_.begin(), ch_.end(), [](auto& c) { return c.eos || c.blocked; });
}

std::optional<element> input_set::merged_watermark() {
  int64_t m = INT64_MAX;
  bool any = false;
  for (auto& c : ch_)
    if (!c.eos) {
      m = std::min(m, c.wm);
      any = true;
    }
  if (any && m > emitted_wm_ && m != INT64_MIN) {
    emitted_wm_ = m;
    return element::watermark(m);
  }
  return std::nullopt;
}

std::optional<element> input_set::take_control(channel& c, element e) {
  switch (e.what) {
    case element::kind::watermark:
      c.wm = std::max(c.wm, e.value);
      return merged_watermark();
    case element::kind::barrier:
      c.blocked = true;
      aligning_ = true;
      barrier_epoch_ = e.value;
      break;
    case element::kind::end_of_input:
      c.input_ended = true;
      stopped_ = stopped_ || e.value != 0;
      if (!eoi_emitted_ && std::all_of(ch_.begin(), ch_.end(), [](auto& x) { return x.input_ended || x.eos; })) {
        eoi_emitted_ = true;
        return element::end_of_input(stopped_);
      }
      return std::nullopt;
    case element::kind::end_of_stream: {
      c.eos = true;
      // A stream that ends without announcing it gets its end of input first.
      bool eoi_now =
        !eoi_emitted_ && std::all_of(ch_.begin(), ch_.end(), [](auto& x) { return x.input_ended || x.eos; });
      eoi_emitted_ = eoi_emitted_ || eoi_now;
      if (std::all_of(ch_.begin(), ch_.end(), [](auto& x) { return x.eos; })) {
        // A blocked channel is not ended, so no barrier can be pending here.
        if (eos_emitted_)
          return std::nullopt;
        eos_emitted_ = true;
        if (eoi_now) {
          ready_.push_back(element::end_of_stream());
          return element::end_of_input(stopped_);
        }
        return element::end_of_stream();
      }
      if (eoi_now)
        ready_.push_back(element::end_of_input(stopped_));
      break;
    }
    case element::kind::data:
      break;
  }
  if (aligning_ && all_open_blocked()) {
    aligning_ = false;
    for (auto& x : ch_)
      x.blocked = false;
    // An ended channel no longer holds the watermark back: that follows the barrier.
    if (e.what == element::kind::end_of_stream)
      if (auto wm = merged_watermark())
        ready_.push_back(*wm);
    return element::barrier(barrier_epoch_);
  }
  if (e.what == element::kind::end_of_stream)
    return merged_watermark();
  return std::nullopt;
}

std::optional<input_set::item> input_set::next() {
  if (!ready_.empty()) {
    auto e = std::move(ready_.front());
    ready_.pop_front();
    return item{std::move(e), 0};
  }
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t k = 0; k < ch_.size(); ++k) {
      size_t i = (rr_ + k) % ch_.size();
      auto& c = ch_[i];
      if ((aligned_ && c.blocked) || c.q.empty())
        continue;
      element e = std::move(c.q.front());
      c.q.pop_front();
      progress = true;
      if (e.what == element::kind::data) {
        rr_ = (i + 1) % ch_.size();
        queued_records_ -= e.records();
        return item{std::move(e), i};
      }
      if (auto out = take_control(c, std::move(e)))
        return item{std::move(*out), i};
    }
  }
  return std::nullopt;
}

} // namespace sluice::flow
