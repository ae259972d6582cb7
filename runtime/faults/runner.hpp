/// Runs one input batch through a stage under its on_error policy (and, for
/// sinks, its circuit breaker): isolates the failing record, retries it alone
/// with backoff, then dead-letters, drops or fails. Knows nothing of actors:
/// the host waits the returned time and calls run() again.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "faults/breaker.hpp"
#include "faults/policy.hpp"
#include "plugin/instance.hpp"

namespace sluice::faults {

/// What the runner needs from the stage host.
class runner_host {
public:
  virtual ~runner_host() = default;
  /// Calls the plugin on `n` records; on failure fills `f` and returns false.
  virtual bool call(const sluice_record* records, size_t n, plugin::call_failure& f) = 0;
  /// After a failed call: keeps its first `keep` emitted records, drops the rest.
  virtual void discard_emitted(size_t keep) = 0;
  virtual void dead_letter(const sluice_record& r, const std::string& reason, uint32_t attempts) = 0;
  virtual void count(const char* name, int64_t delta) = 0;
  /// "stage#i (plugin)", for log lines.
  virtual std::string label() const = 0;
};

class runner {
public:
  using clock = std::chrono::steady_clock;

  /// A sink's failures that name no record at fault are delivery failures:
  /// the same records are retried until they go through, behind the breaker,
  /// never dead-lettered. A failed host service fails the stage at once.
  runner(bool sink, on_error_policy on_error, breaker_policy breaker, runner_host& host);

  struct outcome {
    enum kind { done, wait, failed } what = done;
    clock::duration delay{};  ///< wait: call run() again after this
    std::string message;      ///< failed: why the stage fails
  };

  /// Takes a batch; the records must stay valid until run() says done or failed.
  void start(const sluice_record* records, size_t n);
  outcome run(clock::time_point now);
  bool busy() const noexcept { return records_ != nullptr; }
  const breaker& circuit() const noexcept { return breaker_; }

private:
  outcome delivery_failed(const plugin::call_failure& f, clock::time_point now);
  outcome record_failed(const plugin::call_failure& f, clock::time_point now);
  std::optional<outcome> give_up(const std::string& message);

  bool sink_;
  on_error_policy on_error_;
  breaker breaker_;
  runner_host& host_;
  const sluice_record* records_ = nullptr;
  size_t n_ = 0;
  size_t from_ = 0;   ///< records before this one are done
  size_t limit_ = 0;  ///< the next call covers [from_, limit_)
  uint32_t attempts_ = 0; ///< failed attempts at the unit starting at from_
};

} // namespace sluice::faults
