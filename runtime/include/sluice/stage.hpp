/// Base classes a plugin author subclasses: Source, Transform, Sink.
#pragma once

#include <string>
#include <string_view>

#include "sluice/context.hpp"
#include "sluice/record.hpp"

namespace sluice {

/// What Source::poll reports.
enum class poll_result { more, end, again };

/// Common part of every stage: its context and optional state.
class stage_base {
public:
  explicit stage_base(context& ctx) noexcept : ctx_(ctx) {}
  virtual ~stage_base() = default;
  stage_base(const stage_base&) = delete;
  stage_base& operator=(const stage_base&) = delete;

  /// Small state as bytes (default: stateless).
  virtual std::string snapshot() { return {}; }
  /// Restores bytes written by snapshot() of schema `schema_version`.
  virtual void restore(std::string_view /*bytes*/, uint32_t /*schema_version*/) {}
  /// Makes everything handed over so far durable (for a sink: pre-commit).
  /// Called before snapshot() at every checkpoint barrier.
  virtual void flush() {}
  /// Checkpoint `epoch` (whose snapshot() came after the last flush()) is now
  /// durable: publish what that flush prepared. Idempotent; in epoch order.
  virtual void on_commit(int64_t /*epoch*/) {}
  /// Event time reached `t_ns` on every input.
  virtual void on_watermark(int64_t /*t_ns*/) {}
  /// The end. Sources and transforms: no more input will come; emit what is
  /// left now (it is covered by the final checkpoint). Sinks: the final
  /// checkpoint has committed; publish everything.
  virtual void finish() {}

protected:
  context& ctx() noexcept { return ctx_; }
  const options& opts() const noexcept { return ctx_.opts(); }

private:
  context& ctx_;
};

/// Produces records. poll() emits at most `max` records via ctx().emit().
class Source : public stage_base {
public:
  using stage_base::stage_base;
  virtual poll_result poll(size_t max) = 0;
};

/// Turns input records into output records via ctx().emit().
class Transform : public stage_base {
public:
  using stage_base::stage_base;
  virtual void process(const batch& records) = 0;
};

/// Stores or delivers records.
class Sink : public stage_base {
public:
  using stage_base::stage_base;
  virtual void write(const batch& records) = 0;
};

} // namespace sluice
