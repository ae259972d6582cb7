/// A live stage instance: the plugin object plus the host services it calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"

namespace sluice::plugin {

/// Where an instance's emitted records and dead letters go (the stage host).
class emitter {
public:
  virtual ~emitter() = default;
  virtual void emit(uint32_t port, const sluice_record& r) = 0;
  virtual void dead_letter(const sluice_record& r, const char* reason) = 0;
};

class instance {
public:
  instance(resolved stage, std::shared_ptr<const option_set> options, std::string stage_name, std::string pipeline_name,
           uint32_t index, uint32_t count, emitter* out);
  ~instance();
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  /// Creates the plugin object; the error carries the plugin's message.
  /// `host_flags` are SLUICE_HOST_* (e.g. checkpoints on).
  status create(uint32_t host_flags = 0);

  /// Source: emits up to `max` records; SLUICE_OK, SLUICE_END, SLUICE_AGAIN or an error.
  result<int> poll(size_t max);
  status process(const sluice_record* records, size_t n);
  status watermark(int64_t t);
  status flush();
  status finish();
  /// Small state as bytes, with the stage's schema version.
  result<std::string> snapshot();
  status restore(const std::string& bytes, uint32_t schema_version);
  /// Checkpoint `epoch` is durable: the stage publishes what it prepared.
  status commit(int64_t epoch);

  const sluice_stage_desc& desc() const noexcept { return *stage_.stage; }
  const std::string& name() const noexcept { return name_; }
  uint32_t index() const noexcept { return host_.instance_index; }
  /// "stage#i", for log lines.
  const std::string& label() const noexcept { return label_; }
  const std::map<std::string, int64_t>& counters() const noexcept { return counters_; }
  const std::map<std::string, int64_t>& gauges() const noexcept { return gauges_; }
  void count(const std::string& name, int64_t delta) { counters_[name] += delta; }

private:
  status check(int rc, const char* what);

  static int on_emit(void* ctx, uint32_t port, const sluice_record* rec);
  static const sluice_option_value* on_option(void* ctx, const char* key);
  static void on_log(void* ctx, int level, const char* message);
  static void on_fail(void* ctx, const char* message);
  static void on_count(void* ctx, const char* name, int64_t delta);
  static void on_gauge(void* ctx, const char* name, int64_t value);
  static void on_dead_letter(void* ctx, const sluice_record* rec, const char* reason);
  static void on_failpoint(void* ctx, const char* name);

  resolved stage_;
  std::shared_ptr<const option_set> options_;
  std::string name_, pipeline_, label_;
  emitter* out_;
  sluice_host host_{};
  void* self_ = nullptr;
  std::string last_error_;
  std::map<std::string, int64_t> counters_, gauges_;
};

} // namespace sluice::plugin
