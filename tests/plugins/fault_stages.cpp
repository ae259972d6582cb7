/// Stages that fail on purpose, for the fault-handling tests: a transform that
/// throws on poison records, a sink whose destination is down for a while, a
/// transform that aborts the process once.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <sluice/sluice.hpp>

namespace {

/// The N of a record starting {"id":N.
int64_t id_of(const sluice::record& r) {
  auto b = r.bytes();
  auto at = b.find("\"id\":");
  return at == std::string_view::npos ? -1 : std::strtoll(b.data() + at + 5, nullptr, 10);
}

/// Passes records on, but throws on every record whose id % every == every - 1
/// (the same records on every attempt: poison, not a passing glitch). With
/// `emit_first`, it emits the record before throwing (the host must take it back).
class flaky_transform : public sluice::Transform {
public:
  explicit flaky_transform(sluice::context& ctx)
    : Transform(ctx), every_(opts().get_int("every")), emit_first_(opts().get_bool("emit_first")) {}

  void process(const sluice::batch& records) override {
    for (auto r : records) {
      auto id = id_of(r);
      bool poison = id % every_ == every_ - 1;
      if (poison && emit_first_)
        ctx().emit(r);
      if (poison)
        throw sluice::stage_error{"record id " + std::to_string(id) + " is poison"};
      ctx().emit(r);
    }
  }

private:
  int64_t every_;
  bool emit_first_;
};

/// Appends records to `path`, but its destination is "down" for `fail_for`
/// from the first write: every write until then throws a delivery_error.
class outage_sink : public sluice::Sink {
public:
  explicit outage_sink(sluice::context& ctx)
    : Sink(ctx), out_(opts().get_string("path"), std::ios::app), fail_for_(opts().get_duration("fail_for")) {}

  void write(const sluice::batch& records) override {
    auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      down_until_ = now + fail_for_;
    }
    if (now < down_until_)
      throw sluice::delivery_error{"destination unavailable (connection refused)"};
    for (auto r : records)
      out_ << r.bytes() << '\n';
    out_.flush();
    ctx().count("written", static_cast<int64_t>(records.size()));
  }

private:
  std::ofstream out_;
  std::chrono::nanoseconds fail_for_;
  bool started_ = false;
  std::chrono::steady_clock::time_point down_until_{};
};

/// Passes records on; on the record with id `abort_at` it calls abort() (or
/// throws, with how = "throw") — once: it first creates `marker`, and never
/// fails while that file exists.
class crash_transform : public sluice::Transform {
public:
  explicit crash_transform(sluice::context& ctx)
    : Transform(ctx), abort_at_(opts().get_int("abort_at")), marker_(opts().get_string("marker")),
      throw_(opts().get_string("how") == "throw") {}

  void process(const sluice::batch& records) override {
    for (auto r : records) {
      struct stat st;
      if (id_of(r) == abort_at_ && ::stat(marker_.c_str(), &st) != 0) {
        std::ofstream{marker_} << "failed at " << abort_at_ << "\n";
        if (throw_)
          throw sluice::stage_error{"crashing once at id " + std::to_string(abort_at_)};
        std::abort();
      }
      ctx().emit(r);
    }
  }

private:
  int64_t abort_at_;
  std::string marker_;
  bool throw_;
};

const sluice_option_spec flaky_options[] = {
  {"every", SLUICE_OPT_INT, 0, "1000", "records whose id % every == every - 1 are poison"},
  {"emit_first", SLUICE_OPT_BOOL, 0, "false", "emit a poison record before throwing"},
};
const sluice_option_spec outage_options[] = {
  {"path", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr, "file the records are appended to"},
  {"fail_for", SLUICE_OPT_DURATION, 0, "20s", "how long the destination is down from the first write"},
};
const sluice_option_spec crash_options[] = {
  {"abort_at", SLUICE_OPT_INT, SLUICE_OPTION_REQUIRED, nullptr, "id of the record to abort on"},
  {"marker", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr, "file that says it failed already"},
  {"how", SLUICE_OPT_STRING, 0, "abort", "abort or throw"},
};

} // namespace

SLUICE_PLUGIN("fault-stages",
              sluice::stage<flaky_transform>("flaky-transform", "1.0.0", flaky_options),
              sluice::stage<outage_sink>("outage-sink", "1.0.0", outage_options),
              sluice::stage<crash_transform>("crash-transform", "1.0.0", crash_options))
