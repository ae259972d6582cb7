/// The host services a stage instance uses: emit, options, log, metrics, keyed state.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/abi.h"
#include "sluice/error.hpp"
#include "sluice/keyed_state.hpp"
#include "sluice/record.hpp"

namespace sluice {

/// Typed access to a stage's validated options (defaults already applied).
class options {
public:
  explicit options(const sluice_host* host) noexcept : host_(host) {}

  const sluice_option_value* find(const char* key) const noexcept {
    return host_->option(host_->ctx, key);
  }
  bool has(const char* key) const noexcept { return find(key) != nullptr; }

  std::string get_string(const char* key, std::string fallback = {}) const {
    auto v = find(key);
    return v && v->str ? std::string{v->str} : fallback;
  }
  int64_t get_int(const char* key, int64_t fallback = 0) const noexcept {
    auto v = find(key);
    return v ? v->i : fallback;
  }
  double get_float(const char* key, double fallback = 0) const noexcept {
    auto v = find(key);
    return v ? v->f : fallback;
  }
  bool get_bool(const char* key, bool fallback = false) const noexcept {
    auto v = find(key);
    return v ? v->i != 0 : fallback;
  }
  std::chrono::nanoseconds get_duration(const char* key,
                                        std::chrono::nanoseconds fallback = {}) const noexcept {
    auto v = find(key);
    return v ? std::chrono::nanoseconds{v->i} : fallback;
  }
  std::vector<std::string> get_list(const char* key) const {
    std::vector<std::string> out;
    if (auto v = find(key); v && v->type == SLUICE_OPT_STRING_LIST)
      out.assign(v->items, v->items + v->n_items);
    return out;
  }
  /// An array of tables (`[[stage.rules]]`): each table as JSON object text.
  std::vector<std::string> get_tables(const char* key) const {
    std::vector<std::string> out;
    if (auto v = find(key); v && v->type == SLUICE_OPT_TABLE_LIST)
      out.assign(v->items, v->items + v->n_items);
    return out;
  }
  std::vector<std::pair<std::string, std::string>> get_map(const char* key) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (auto v = find(key); v && v->type == SLUICE_OPT_STRING_MAP)
      for (size_t i = 0; i < v->n_items; ++i)
        out.emplace_back(v->items[2 * i], v->items[2 * i + 1]);
    return out;
  }

private:
  const sluice_host* host_;
};

/// What a stage instance may ask of the host. One per instance.
class context {
public:
  explicit context(const sluice_host* host) noexcept : host_(host), options_(host), state_(host) {}

  /// Passes a record on unchanged (same bytes, key, time and position).
  void emit(const record& r, uint32_t port = 0) { check(host_->emit(host_->ctx, port, &r.raw())); }

  /// Emits new bytes, keeping the metadata of `origin`.
  void emit(std::string_view bytes, const record& origin, uint32_t port = 0) {
    sluice_record out = origin.raw();
    out.data = bytes.data();
    out.size = bytes.size();
    out.flags = 0;
    check(host_->emit(host_->ctx, port, &out));
  }

  /// Emits a fresh record (sources).
  void emit(std::string_view bytes, int64_t event_time_ns, uint64_t offset,
            uint32_t partition = 0, uint32_t port = 0) {
    sluice_record out{};
    out.data = bytes.data();
    out.size = bytes.size();
    out.event_time_ns = event_time_ns;
    out.position.offset = offset;
    out.position.partition = partition;
    check(host_->emit(host_->ctx, port, &out));
  }

  /// Hands a malformed record to the dead-letter store (counted, never fatal).
  void dead_letter(const sluice_record& rec, const std::string& reason) {
    host_->dead_letter(host_->ctx, &rec, reason.c_str());
  }

  /// A named crash point (tests set SLUICE_FAILPOINT=name[:n] to abort here).
  void failpoint(const char* name) {
    if (host_->failpoint)
      host_->failpoint(host_->ctx, name);
  }

  void count(const char* name, int64_t delta = 1) { host_->count(host_->ctx, name, delta); }
  void gauge(const char* name, int64_t value) { host_->gauge(host_->ctx, name, value); }

  void debug(const std::string& msg) { host_->log(host_->ctx, SLUICE_LOG_DEBUG, msg.c_str()); }
  void info(const std::string& msg) { host_->log(host_->ctx, SLUICE_LOG_INFO, msg.c_str()); }
  void warn(const std::string& msg) { host_->log(host_->ctx, SLUICE_LOG_WARN, msg.c_str()); }
  void error(const std::string& msg) { host_->log(host_->ctx, SLUICE_LOG_ERROR, msg.c_str()); }

  const options& opts() const noexcept { return options_; }
  /// This instance's keyed state (see keyed_state).
  keyed_state& state() noexcept { return state_; }
  uint32_t instance_index() const noexcept { return host_->instance_index; }
  uint32_t instance_count() const noexcept { return host_->instance_count; }
  /// True when checkpoints are on: expect flush/snapshot/commit, publish only on commit.
  bool checkpoints() const noexcept { return (host_->flags & SLUICE_HOST_CHECKPOINTS) != 0; }
  std::string_view stage_name() const noexcept { return host_->stage_name; }
  const sluice_host* host() const noexcept { return host_; }
  /// Records emitted so far by this instance (the SDK's batch cursor reads it).
  const uint64_t& emitted() const noexcept { return emitted_; }

private:
  void check(int rc) {
    if (rc != SLUICE_OK)
      throw stage_error{"host refused an emitted record"};
    ++emitted_;
  }

  const sluice_host* host_;
  uint64_t emitted_ = 0;
  options options_;
  keyed_state state_;
};

} // namespace sluice
