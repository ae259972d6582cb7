/// Stages used only by tests: a counting source and a deliberately slow sink.
#include <chrono>
#include <string>
#include <thread>

#include <sluice/sluice.hpp>

namespace {

/// Emits `count` records {"id":N,"k":"kN%keys"}.
class seq_source : public sluice::Source {
public:
  explicit seq_source(sluice::context& ctx)
    : Source(ctx), count_(opts().get_int("count")), keys_(opts().get_int("keys")),
      next_(static_cast<int64_t>(ctx.instance_index())), step_(ctx.instance_count()) {}

  sluice::poll_result poll(size_t max) override {
    for (size_t i = 0; i < max && next_ < count_; ++i, next_ += step_) {
      line_ = "{\"id\":" + std::to_string(next_) + ",\"k\":\"k" + std::to_string(next_ % keys_) + "\"}";
      ctx().emit(line_, SLUICE_NO_TIME, static_cast<uint64_t>(next_));
    }
    return next_ >= count_ ? sluice::poll_result::end : sluice::poll_result::more;
  }

  // The next id: a restored source goes on from its checkpoint.
  std::string snapshot() override { return std::to_string(next_); }
  void restore(std::string_view bytes, uint32_t) override {
    if (!bytes.empty())
      next_ = std::stoll(std::string{bytes});
  }

private:
  int64_t count_, keys_, next_, step_;
  std::string line_;
};

/// Sleeps `delay` per batch, records the largest batch it saw.
class slow_sink : public sluice::Sink {
public:
  explicit slow_sink(sluice::context& ctx) : Sink(ctx), delay_(opts().get_duration("delay")) {}

  void write(const sluice::batch& records) override {
    std::this_thread::sleep_for(delay_);
    ctx().count("records", static_cast<int64_t>(records.size()));
    if (static_cast<int64_t>(records.size()) > max_batch_) {
      max_batch_ = static_cast<int64_t>(records.size());
      ctx().gauge("max_batch", max_batch_);
    }
  }

private:
  std::chrono::nanoseconds delay_;
  int64_t max_batch_ = 0;
};

/// Passes records on unchanged, sleeping `delay` per batch: makes a fast
/// pipeline slow enough for kills to land in the middle of it.
class throttle : public sluice::Transform {
public:
  explicit throttle(sluice::context& ctx) : Transform(ctx), delay_(opts().get_duration("delay")) {}

  void process(const sluice::batch& records) override {
    std::this_thread::sleep_for(delay_);
    for (auto r : records)
      ctx().emit(r);
  }

private:
  std::chrono::nanoseconds delay_;
};

/// Throws while processing record number `fail_at` (for failure handling tests).
class failing_transform : public sluice::Transform {
public:
  explicit failing_transform(sluice::context& ctx) : Transform(ctx), fail_at_(opts().get_int("fail_at")) {}

  void process(const sluice::batch& records) override {
    for (auto r : records) {
      if (seen_++ == fail_at_)
        throw sluice::stage_error{"refusing record " + std::to_string(fail_at_) + " on purpose"};
      ctx().emit(r);
    }
  }

private:
  int64_t fail_at_;
  int64_t seen_ = 0;
};

const sluice_option_spec seq_options[] = {
  {"count", SLUICE_OPT_INT, 0, "1000", "records to emit in total"},
  {"keys", SLUICE_OPT_INT, 0, "10", "distinct values of k"},
};
const sluice_option_spec slow_options[] = {
  {"delay", SLUICE_OPT_DURATION, 0, "10ms", "sleep per batch"},
};
const sluice_option_spec throttle_options[] = {
  {"delay", SLUICE_OPT_DURATION, 0, "1ms", "sleep per batch"},
};
const sluice_option_spec failing_options[] = {
  {"fail_at", SLUICE_OPT_INT, SLUICE_OPTION_REQUIRED, nullptr, "0-based record number to fail on"},
};

} // namespace

SLUICE_PLUGIN("test-stages",
              sluice::stage<seq_source>("seq-source", "1.0.0", seq_options),
              sluice::stage<slow_sink>("slow-sink", "1.0.0", slow_options),
              sluice::stage<failing_transform>("failing-transform", "1.0.0", failing_options),
              sluice::stage<throttle>("throttle", "1.0.0", throttle_options))
