/// generator: emits W1 orders (NDJSON), deterministic for a seed, bounded or not, optionally paced.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "generator/w1.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::generator {

/// Emits orders with `id` as the record offset and `ts` as the event time.
/// Pacing never sleeps: ahead of schedule, poll() returns `again`.
class generator : public Source {
public:
  explicit generator(context& c)
    : Source(c), count_(opts().get_int("count", 1000)), rate_(opts().get_int("rate", 0)),
      gen_(static_cast<uint64_t>(opts().get_int("seed", 42))) {
    if (count_ < 0)
      throw stage_error{"count must be 0 (unbounded) or more, not " + std::to_string(count_)};
    if (rate_ < 0)
      throw stage_error{"rate must be 0 (as fast as possible) or more records/s, not " + std::to_string(rate_)};
  }

  poll_result poll(size_t max) override {
    if (finished())
      return poll_result::end;
    uint64_t n = max;
    if (count_ > 0)
      n = std::min<uint64_t>(n, static_cast<uint64_t>(count_) - gen_.next_id());
    if (rate_ > 0) {
      n = std::min(n, due());
      if (n == 0)
        return poll_result::again;
    }
    for (uint64_t i = 0; i < n; ++i) {
      line_.clear();
      uint64_t id = gen_.next_id();
      int64_t t = gen_.append_next(line_);
      ctx().emit(line_, t, id);
    }
    ctx().count("records_generated", static_cast<int64_t>(n));
    return finished() ? poll_result::end : poll_result::more;
  }

  std::string snapshot() override {
    auto c = gen_.save();
    return std::to_string(c.next_id) + " " + std::to_string(c.rng) + " " + std::to_string(c.ts_ms);
  }

  void restore(std::string_view bytes, uint32_t /*schema_version*/) override {
    if (bytes.empty())
      return;
    std::string text{bytes};
    unsigned long long id = 0, rng = 0;
    long long ts = 0;
    if (std::sscanf(text.c_str(), "%llu %llu %lld", &id, &rng, &ts) != 3)
      throw stage_error{"generator state is not \"next_id rng ts_ms\": \"" + text + "\""};
    gen_.load({id, rng, ts});
    pace_start_.reset();
  }

private:
  bool finished() const { return count_ > 0 && gen_.next_id() >= static_cast<uint64_t>(count_); }

  /// How many records the schedule allows now (the first one immediately).
  uint64_t due() {
    auto now = std::chrono::steady_clock::now();
    if (!pace_start_) {
      pace_start_ = now;
      pace_first_id_ = gen_.next_id();
    }
    double elapsed = std::chrono::duration<double>(now - *pace_start_).count();
    auto allowed = static_cast<uint64_t>(elapsed * static_cast<double>(rate_)) + 1;
    uint64_t done = gen_.next_id() - pace_first_id_;
    return allowed > done ? allowed - done : 0;
  }

  int64_t count_;
  int64_t rate_;
  w1::generator gen_;
  std::string line_;
  std::optional<std::chrono::steady_clock::time_point> pace_start_;
  uint64_t pace_first_id_ = 0;
};

} // namespace sluice::builtin::generator

namespace {

const sluice_option_spec generator_options[] = {
  {"count", SLUICE_OPT_INT, 0, "1000", "records to emit; 0: unbounded"},
  {"rate", SLUICE_OPT_INT, 0, "0", "records per second; 0: as fast as possible"},
  {"seed", SLUICE_OPT_INT, 0, "42", "the same seed gives the same records"},
};

} // namespace

SLUICE_PLUGIN("generator",
              sluice::stage<sluice::builtin::generator::generator>(
                "generator", "1.0.0", generator_options,
                {"emits W1 orders as NDJSON, deterministic for a seed"}));
