#include "plugin/instance.hpp"

#include <exception>
#include <stdexcept>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/failpoint.hpp"
#include "core/text.hpp"

namespace sluice::plugin {

instance::instance(resolved stage, std::shared_ptr<const option_set> options, std::string stage_name, std::string pipeline_name,
                   uint32_t index, uint32_t count, emitter* out, std::shared_ptr<state::store> store)
  : stage_(std::move(stage)), options_(std::move(options)), name_(std::move(stage_name)),
    pipeline_(std::move(pipeline_name)), label_(name_ + "#" + std::to_string(index)), out_(out),
    keyed_(std::move(store), label_) {
  host_.struct_size = sizeof(sluice_host);
  host_.instance_index = index;
  host_.instance_count = count;
  host_.ctx = this;
  host_.stage_name = name_.c_str();
  host_.pipeline_name = pipeline_.c_str();
  host_.emit = &on_emit;
  host_.option = &on_option;
  host_.log = &on_log;
  host_.fail = &on_fail;
  host_.count = &on_count;
  host_.gauge = &on_gauge;
  host_.dead_letter = &on_dead_letter;
  host_.failpoint = &on_failpoint;
  host_.fail_record = &on_fail_record;
  host_.state_get = &on_state_get;
  host_.state_put = &on_state_put;
  host_.state_delete = &on_state_delete;
  host_.state_scan = &on_state_scan;
}

instance::~instance() {
  if (self_)
    stage_.stage->destroy(self_);
}

status instance::create(uint32_t host_flags) {
  last_error_.clear();
  host_.flags = host_flags;
  self_ = stage_.stage->create(&host_);
  if (!self_)
    return error{"stage " + label_ + " (" + stage_.stage->name + " " + stage_.stage->version +
                 ") failed to start: " + (last_error_.empty() ? "no reason given" : last_error_)};
  return {};
}

status instance::check(int rc, const char* what) {
  if (rc >= 0)
    return {};
  auto msg = "stage " + label_ + " (" + stage_.stage->name + ") failed in " + what + ": " +
             (last_error_.empty() ? "no reason given" : last_error_);
  last_error_.clear();
  return error{msg};
}

result<int> instance::poll(size_t max) {
  int rc = stage_.stage->poll(self_, max);
  if (auto st = check(rc, "poll"); st.failed())
    return error{st.message()};
  return rc;
}

status instance::process(const sluice_record* records, size_t n) {
  return check(stage_.stage->process(self_, records, n), "process");
}

bool instance::process(const sluice_record* records, size_t n, call_failure& failure) {
  failure = {};
  last_error_.clear();
  failure_ = &failure;
  int rc = stage_.stage->process(self_, records, n);
  failure_ = nullptr;
  if (rc >= 0)
    return true;
  failure.message = last_error_.empty() ? "no reason given" : last_error_;
  last_error_.clear();
  return false;
}

status instance::watermark(int64_t t) {
  return check(stage_.stage->watermark ? stage_.stage->watermark(self_, t) : 0, "watermark");
}

status instance::flush() {
  return check(stage_.stage->flush ? stage_.stage->flush(self_) : 0, "flush");
}

status instance::finish() {
  return check(stage_.stage->finish ? stage_.stage->finish(self_) : 0, "finish");
}

result<std::string> instance::snapshot() {
  if (!stage_.stage->snapshot)
    return std::string{};
  sluice_bytes out{};
  if (auto st = check(stage_.stage->snapshot(self_, &out), "snapshot"); st.failed())
    return error{st.message()};
  return std::string{out.data ? out.data : "", out.size};
}

status instance::restore(const std::string& bytes, uint32_t schema_version) {
  if (!stage_.stage->restore)
    return {};
  return check(stage_.stage->restore(self_, bytes.data(), bytes.size(), schema_version), "restore");
}

status instance::stage_state(int64_t epoch) {
  if (auto st = keyed_.stage(epoch); st.failed())
    return error{"stage " + label_ + ": staging keyed state for checkpoint " + std::to_string(epoch) + ": " +
                 st.message()};
  return {};
}

status instance::commit(int64_t epoch) {
  keyed_.committed(epoch); // before the plugin's commit, which may read: the store has it now
  return check(stage_.stage->commit ? stage_.stage->commit(self_, epoch) : 0, "commit");
}

void instance::take_state_from(instance& old) {
  std::swap(keyed_, old.keyed_);
  std::swap(counters_, old.counters_);
  std::swap(gauges_, old.gauges_);
}

int instance::on_emit(void* ctx, uint32_t port, const sluice_record* rec) {
  auto self = static_cast<instance*>(ctx);
  if (!rec)
    return SLUICE_ERROR;
  self->out_->emit(port, *rec);
  return SLUICE_OK;
}

const sluice_option_value* instance::on_option(void* ctx, const char* key) {
  return static_cast<instance*>(ctx)->options_->find(key);
}

void instance::on_log(void* ctx, int level, const char* message) {
  auto self = static_cast<instance*>(ctx);
  auto lvl = level <= SLUICE_LOG_DEBUG  ? spdlog::level::debug
             : level == SLUICE_LOG_INFO ? spdlog::level::info
             : level == SLUICE_LOG_WARN ? spdlog::level::warn
                                        : spdlog::level::err;
  spdlog::log(lvl, "[{}] {}", self->label_, message ? message : "");
}

void instance::on_fail(void* ctx, const char* message) {
  auto self = static_cast<instance*>(ctx);
  self->last_error_ = message ? message : "";
  if (!self->state_error_.empty()) { // the plugin failed because a state call did: say why
    if (self->failure_)
      self->failure_->host_error = true; // not the record's fault
    self->last_error_ += ": " + self->state_error_;
    self->state_error_.clear();
  }
}

void instance::on_count(void* ctx, const char* name, int64_t delta) {
  static_cast<instance*>(ctx)->counters_[name] += delta;
}

void instance::on_gauge(void* ctx, const char* name, int64_t value) {
  static_cast<instance*>(ctx)->gauges_[name] = value;
}

void instance::on_failpoint(void*, const char* name) {
  if (name)
    failpoint(name);
}

void instance::on_dead_letter(void* ctx, const sluice_record* rec, const char* reason) {
  auto self = static_cast<instance*>(ctx);
  self->counters_["dead_letters"] += 1;
  if (rec)
    self->out_->dead_letter(*rec, reason ? reason : "");
}

void instance::on_fail_record(void* ctx, size_t index, size_t emitted, uint32_t blame, const char* message) {
  auto self = static_cast<instance*>(ctx);
  on_fail(ctx, message);
  if (!self->failure_ || self->failure_->host_error)
    return; // outside process(), or a host service failed: not a record's failure
  self->failure_->has_record = true;
  self->failure_->index = index;
  self->failure_->emitted = emitted;
  self->failure_->blame = blame;
}

template <class F>
int instance::state_call(F&& f) noexcept {
  state_error_.clear(); // only the failure of the call the plugin fails on is worth reporting
  try {
    return f();
  } catch (const std::exception& e) {
    state_error_ = e.what();
  } catch (...) {
    state_error_ = "unknown exception in the keyed-state service";
  }
  return -1;
}

int instance::on_state_get(void* ctx, const char* key, size_t key_size, sluice_bytes* out) {
  auto self = static_cast<instance*>(ctx);
  return self->state_call([&] {
    auto v = self->keyed_.get({key, key_size});
    if (!v) {
      self->state_error_ = v.message();
      return -1;
    }
    if (!*v)
      return 0;
    self->state_value_ = std::move(**v);
    out->data = self->state_value_.data();
    out->size = self->state_value_.size();
    return 1;
  });
}

int instance::on_state_put(void* ctx, const char* key, size_t key_size, const char* value, size_t value_size) {
  auto self = static_cast<instance*>(ctx);
  return self->state_call([&] {
    self->keyed_.put({key, key_size}, {value, value_size});
    return 0;
  });
}

int instance::on_state_delete(void* ctx, const char* key, size_t key_size) {
  auto self = static_cast<instance*>(ctx);
  return self->state_call([&] {
    self->keyed_.erase({key, key_size});
    return 0;
  });
}

int instance::on_state_scan(void* ctx, const char* prefix, size_t prefix_size, void* user,
                            int (*visit)(void*, const char*, size_t, const char*, size_t)) {
  auto self = static_cast<instance*>(ctx);
  return self->state_call([&] {
    if (!visit)
      throw std::invalid_argument("state_scan without a visit function");
    auto st = self->keyed_.scan({prefix, prefix_size}, [&](std::string_view k, std::string_view v) {
      return visit(user, k.data(), k.size(), v.data(), v.size()) == 0;
    });
    if (st.failed()) {
      self->state_error_ = st.message();
      return -1;
    }
    return 0;
  });
}

} // namespace sluice::plugin
