/// A live stage instance: the plugin object plus the host services it calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"
#include "state/keyed.hpp"

namespace sluice::plugin {

/// Where an instance's emitted records and dead letters go (the stage host).
class emitter {
public:
  virtual ~emitter() = default;
  virtual void emit(uint32_t port, const sluice_record& r) = 0;
  virtual void dead_letter(const sluice_record& r, const char* reason) = 0;
};

/// Why a process() call failed: the plugin's message and, when it named one,
/// the record (ABI 1.1 fail_record).
struct call_failure {
  std::string message;
  bool has_record = false;
  size_t index = 0;      ///< the failing record within the call's records
  size_t emitted = 0;    ///< records emitted by the call before that record
  uint32_t blame = 0;    ///< SLUICE_BLAME_*
  bool host_error = false; ///< a host service the call used (keyed state) failed first
};

class instance {
public:
  /// `store` holds the keyed state's committed layer (null: keyed state in memory only); the
  /// instance shares it, so it stays open as long as the instance lives.
  instance(resolved stage, std::shared_ptr<const option_set> options, std::string stage_name, std::string pipeline_name,
           uint32_t index, uint32_t count, emitter* out, std::shared_ptr<state::store> store = nullptr);
  ~instance();
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  /// Creates the plugin object; the error carries the plugin's message.
  /// `host_flags` are SLUICE_HOST_* (e.g. checkpoints on).
  status create(uint32_t host_flags = 0);

  /// Source: emits up to `max` records; SLUICE_OK, SLUICE_END, SLUICE_AGAIN or an error.
  result<int> poll(size_t max);
  status process(const sluice_record* records, size_t n);
  /// process() that reports a failure's details instead of a status; true on success.
  bool process(const sluice_record* records, size_t n, call_failure& failure);
  status watermark(int64_t t);
  status flush();
  status finish();
  /// Small state as bytes, with the stage's schema version.
  result<std::string> snapshot();
  status restore(const std::string& bytes, uint32_t schema_version);
  /// Checkpoint `epoch`, after snapshot(): stages the keyed-state writes made since the last
  /// checkpoint as pending for `epoch`.
  status stage_state(int64_t epoch);
  /// Checkpoint `epoch` is durable: keyed state reads it from the store, and the stage
  /// publishes what it prepared.
  status commit(int64_t epoch);
  /// A hot swap: this (new) instance takes over `old`'s keyed state (with its uncommitted
  /// layers), counters and gauges; give them back the same way if the swap fails.
  void take_state_from(instance& old);
  /// The keyed state behind the host's state_* services.
  state::keyed_state& keyed() noexcept { return keyed_; }

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
  static void on_fail_record(void* ctx, size_t index, size_t emitted, uint32_t blame, const char* message);
  static void on_failpoint(void* ctx, const char* name);
  static int on_state_get(void* ctx, const char* key, size_t key_size, sluice_bytes* out);
  static int on_state_put(void* ctx, const char* key, size_t key_size, const char* value, size_t value_size);
  static int on_state_delete(void* ctx, const char* key, size_t key_size);
  static int on_state_scan(void* ctx, const char* prefix, size_t prefix_size, void* user,
                           int (*visit)(void*, const char*, size_t, const char*, size_t));
  /// Runs a state service body: an exception or error becomes -1 and state_error_.
  template <class F>
  int state_call(F&& f) noexcept;

  resolved stage_;
  std::shared_ptr<const option_set> options_;
  std::string name_, pipeline_, label_;
  emitter* out_;
  sluice_host host_{};
  void* self_ = nullptr;
  std::string last_error_;
  call_failure* failure_ = nullptr; ///< where fail_record reports during a process() call
  std::string state_error_; ///< why the last state service call returned -1; joins last_error_
  std::string state_value_; ///< state_get's answer, lent to the plugin until the next state call
  state::keyed_state keyed_;
  std::map<std::string, int64_t> counters_, gauges_;
};

} // namespace sluice::plugin
