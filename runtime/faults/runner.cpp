#include "faults/runner.hpp"

#include <spdlog/spdlog.h>

#include "core/text.hpp"

namespace sluice::faults {

runner::runner(bool sink, on_error_policy on_error, breaker_policy breaker, runner_host& host)
  : sink_(sink), on_error_(on_error), breaker_(breaker), host_(host) {}

void runner::start(const sluice_record* records, size_t n) {
  records_ = records;
  n_ = n;
  from_ = 0;
  limit_ = n;
  attempts_ = 0;
}

runner::outcome runner::run(clock::time_point now) {
  while (from_ < n_) {
    if (sink_ && !breaker_.allow(now))
      return {outcome::wait, breaker_.reopens_at() - now, {}};
    if (sink_ && breaker_.current() == breaker::state::half_open)
      spdlog::info("[{}] circuit breaker half-open: probing the destination", host_.label());
    plugin::call_failure f;
    if (sink_)
      host_.count("delivery_attempts", 1);
    if (host_.call(records_ + from_, limit_ - from_, f)) {
      if (sink_ && breaker_.success()) {
        spdlog::info("[{}] circuit breaker closed: the destination accepts records again", host_.label());
        host_.count("breaker_closed", 1);
      }
      from_ = limit_;
      limit_ = n_;
      attempts_ = 0;
      continue;
    }
    if (f.host_error) // a host service (keyed state, the store) failed: not the record's fault
      return {outcome::failed, {}, host_.label() + " failed: " + f.message};
    bool delivery = sink_ && !(f.has_record && f.blame == SLUICE_BLAME_RECORD);
    if (sink_ && !delivery && breaker_.success()) { // the destination answered: it is up
      spdlog::info("[{}] circuit breaker closed: the destination answers again", host_.label());
      host_.count("breaker_closed", 1);
    }
    auto o = delivery ? delivery_failed(f, now) : record_failed(f, now);
    if (o.what != outcome::done)
      return o;
  }
  records_ = nullptr;
  return {};
}

// The destination failed: records before the one being written are through;
// the rest wait for the breaker (no dead letters: the data is not at fault).
runner::outcome runner::delivery_failed(const plugin::call_failure& f, clock::time_point now) {
  host_.discard_emitted(0); // the same records again: a sink's write must be safe to repeat
  ++attempts_;
  host_.count("delivery_failures", 1);
  if (breaker_.failure(now)) {
    host_.count("breaker_opened", 1);
    spdlog::warn("[{}] circuit breaker open after {} failure(s) in a row (last: {}); no credit and no attempts "
                 "for {}", host_.label(), breaker_.failures_in_a_row(), f.message,
                 text::format_duration(breaker_.policy().open_for_ns));
    return {outcome::wait, breaker_.reopens_at() - now, {}};
  }
  auto d = on_error_.wait.delay(attempts_);
  spdlog::warn("[{}] delivery failed ({} in a row): {}; retrying in {}", host_.label(), breaker_.failures_in_a_row(),
               f.message, text::format_duration(d));
  return {outcome::wait, std::chrono::nanoseconds{d}, {}};
}

// The stage failed on a record (or on the call, when it named none): retry that
// unit alone with backoff, then apply on_error.then to it.
runner::outcome runner::record_failed(const plugin::call_failure& f, clock::time_point now) {
  (void)now;
  if (f.has_record && f.index < limit_ - from_) {
    host_.discard_emitted(f.emitted);
    if (f.index > 0)
      attempts_ = 0; // a new record fails: the earlier ones went through
    from_ += f.index;
    limit_ = from_ + 1;
  } else {
    host_.discard_emitted(0);
  }
  ++attempts_;
  host_.count("errors", 1);
  if (attempts_ <= on_error_.retries) {
    auto d = on_error_.wait.delay(attempts_);
    spdlog::debug("[{}] failed on {} record(s) (attempt {}): {}; retrying in {}", host_.label(), limit_ - from_,
                  attempts_, f.message, text::format_duration(d));
    return {outcome::wait, std::chrono::nanoseconds{d}, {}};
  }
  if (auto stop = give_up(f.message))
    return *stop;
  from_ = limit_;
  limit_ = n_;
  attempts_ = 0;
  return {};
}

std::optional<runner::outcome> runner::give_up(const std::string& message) {
  size_t n = limit_ - from_;
  switch (on_error_.then) {
    case then_action::fail:
      return outcome{outcome::failed, {},
                     host_.label() + " failed on a record after " + std::to_string(attempts_) + " attempt(s): " +
                       message};
    case then_action::drop:
      host_.count("dropped_on_error", static_cast<int64_t>(n));
      spdlog::warn("[{}] dropped {} record(s) after {} attempt(s): {}", host_.label(), n, attempts_, message);
      return std::nullopt;
    case then_action::dead_letter:
      for (size_t i = from_; i < limit_; ++i)
        host_.dead_letter(records_[i], message, attempts_);
      return std::nullopt;
  }
  return std::nullopt;
}

} // namespace sluice::faults
