#include "actors/stage_host.hpp"

#include "core/failpoint.hpp"
#include "core/intern.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

namespace sluice::actors {

namespace {

const plugin::resolved& prepared(const stage_setup& s) { return s.plugin; }

} // namespace

stage_host::stage_host(stage_setup s)
  : setup_(std::move(s)), cfg_(setup_.prep->pipeline.stages[static_cast<size_t>(setup_.stage)]),
    dead_(setup_.checkpoints ? setup_.store : nullptr, state_key(cfg_.name, setup_.index), cfg_.name,
          prepared(setup_).stage->name, prepared(setup_).stage->version),
    runner_(prepared(setup_).stage->kind == SLUICE_KIND_SINK, cfg_.on_error, cfg_.breaker, *this) {
  auto& prep = *setup_.prep;
  auto& sp = prep.physical.stages[static_cast<size_t>(setup_.stage)];
  auto batch_size = prep.pipeline.batch_size;
  is_source_ = prepared(setup_).stage->kind == SLUICE_KIND_SOURCE;
  ports_.reserve(sp.ports.size());
  for (size_t i = 0; i < sp.ports.size(); ++i)
    ports_.emplace_back(batch_size);
  for (auto& w : setup_.outputs) {
    auto& pe = prep.physical.edges[w.plan_edge];
    edges_.push_back(std::make_unique<flow::edge>(pe.kind, pe.key, w.dest.size(), batch_size, setup_.in_flight));
    ports_[pe.port].add_edge(edges_.back().get());
  }
  report_.stage = cfg_.name;
  report_.index = setup_.index;
  report_.plugin = cfg_.plugin;
}

bool stage_host::start_plugin(std::string& error) {
  auto& prep = *setup_.prep;
  inst_ = std::make_unique<plugin::instance>(setup_.plugin, setup_.options, cfg_.name, prep.pipeline.name,
                                             setup_.index, cfg_.parallelism, this, setup_.store);
  if (auto st = inst_->create(setup_.checkpoints ? SLUICE_HOST_CHECKPOINTS : 0); st.failed()) {
    error = st.message();
    return false;
  }
  if (setup_.restored) {
    failpoint("during_restore");
    if (auto st = inst_->restore(setup_.restored->bytes, setup_.restored->schema_version); st.failed()) {
      error = st.message();
      return false;
    }
  }
  return true;
}

std::vector<flow::batch_ptr> stage_host::take_replay(std::string& error) {
  std::vector<flow::batch_ptr> out;
  if (!setup_.store || is_source_ || !setup_.checkpoints)
    return out;
  state::keyed_state queue{setup_.store, state::replay_namespace(state_key(cfg_.name, setup_.index))};
  const size_t batch_size = setup_.prep->pipeline.batch_size;
  std::shared_ptr<flow::batch> open;
  std::vector<std::string> keys;
  auto st = queue.scan("", [&](std::string_view id, std::string_view value) {
    auto d = state::queued_dead_letter(id, value);
    if (!d) {
      error = "stage " + inst_->label() + ": a malformed entry in its replay queue (" + std::string{id} + ")";
      return false;
    }
    sluice_record r{};
    r.data = d->bytes.data();
    r.size = d->bytes.size();
    r.event_time_ns = SLUICE_NO_TIME;
    r.position.source = intern(d->source); // travels downstream with the record
    r.position.partition = d->partition;
    r.position.offset = d->offset;
    if (!open || open->size() >= batch_size) {
      if (open)
        open->seal();
      open = std::make_shared<flow::batch>(batch_size);
      out.push_back(open);
    }
    open->append(r);
    keys.emplace_back(id);
    return true;
  });
  if (st.failed())
    error = st.message();
  if (!error.empty() || keys.empty())
    return {};
  open->seal();
  for (auto& k : keys)
    queue.erase(k); // durable with the next checkpoint, which covers what the batches produced
  replay_.emplace(std::move(queue));
  spdlog::info("[{}] replaying {} dead letter(s) queued by `sluice dlq replay`", inst_->label(), keys.size());
  inst_->count("replayed", static_cast<int64_t>(keys.size()));
  return out;
}

swap_reply stage_host::swap_plugin(const swap_request& r) {
  auto t0 = std::chrono::steady_clock::now();
  auto fail = [&](const std::string& why) {
    inst_->count("swaps_refused", 1);
    spdlog::error("[{}] swap to {} {} refused, the old version keeps running: {}", inst_->label(), r.plugin.stage->name,
                  r.plugin.stage->version, why);
    return swap_reply{false, inst_->label() + ": " + why, 0};
  };
  flush_ports();
  if (auto st = inst_->flush(); st.failed()) // what it holds is durable, so its snapshot covers it
    return fail(st.message());
  auto snap = inst_->snapshot();
  if (!snap)
    return fail(snap.message());
  const auto old_schema = inst_->desc().state_schema_version;
  auto fresh = std::make_unique<plugin::instance>(r.plugin, r.options, cfg_.name, setup_.prep->pipeline.name,
                                                  setup_.index, cfg_.parallelism, this, setup_.store);
  if (auto st = fresh->create(setup_.checkpoints ? SLUICE_HOST_CHECKPOINTS : 0); st.failed())
    return fail(st.message());
  fresh->take_state_from(*inst_);
  if (auto st = fresh->restore(*snap, old_schema); st.failed()) {
    inst_->take_state_from(*fresh);
    return fail(st.message());
  }
  failpoint("during_swap");
  auto old_version = std::string{inst_->desc().version};
  inst_ = std::move(fresh); // the old object is destroyed; its library closes with its last user
  setup_.plugin = r.plugin;
  setup_.options = r.options;
  dead_.set_plugin(r.plugin.stage->name, r.plugin.stage->version);
  inst_->count("swaps", 1);
  auto stall = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("[{}] swapped {} {} -> {} (state schema {} -> {}) in {}", inst_->label(), r.plugin.stage->name,
               old_version, r.plugin.stage->version, old_schema, inst_->desc().state_schema_version,
               text::format_duration(stall));
  return {true, {}, stall};
}

std::string stage_host::label() const {
  return inst_->label() + " (" + inst_->desc().name + ")";
}

void stage_host::emit(uint32_t port, const sluice_record& r) {
  if (in_call_)
    call_ports_.push_back(port); // an undeclared port too: the SDK counts every emit
  if (port >= ports_.size()) {
    spdlog::warn("[{}] emitted to port {}, which the stage does not declare; record dropped", inst_->label(), port);
    inst_->count("bad_port", 1);
    return;
  }
  if (is_source_) {
    sluice_record c = r;
    if (!c.position.source)
      c.position.source = cfg_.name.c_str();
    if (c.event_time_ns != SLUICE_NO_TIME && c.event_time_ns > max_event_time_)
      max_event_time_ = c.event_time_ns;
    ports_[port].append(c);
    return;
  }
  ports_[port].append(r);
}

void stage_host::dead_letter(const sluice_record& r, const char* reason) {
  dead_.add(r, reason); // kept with the next checkpoint when there are checkpoints
}

void stage_host::dead_letter(const sluice_record& r, const std::string& reason, uint32_t attempts) {
  inst_->count("dead_letters", 1);
  dead_.add(r, reason.c_str(), attempts);
}

bool stage_host::call(const sluice_record* records, size_t n, plugin::call_failure& f) {
  call_ports_.clear();
  for (auto& p : ports_)
    p.hold();
  in_call_ = true;
  bool ok = inst_->process(records, n, f);
  in_call_ = false;
  if (ok)
    for (auto& p : ports_)
      p.release();
  return ok;
}

void stage_host::discard_emitted(size_t keep) {
  std::vector<size_t> kept(ports_.size(), 0);
  for (size_t i = 0; i < keep && i < call_ports_.size(); ++i)
    if (call_ports_[i] < kept.size())
      ++kept[call_ports_[i]];
  for (size_t p = 0; p < ports_.size(); ++p) {
    ports_[p].take_back(kept[p]);
    ports_[p].release();
  }
}

bool stage_host::blocked() const {
  for (auto& e : edges_)
    if (e->blocked())
      return true;
  return false;
}

result<snapshot_msg> stage_host::snapshot_for(int64_t epoch) {
  flush_ports();
  if (auto st = inst_->flush(); st.failed())
    return error{st.message()};
  if (inst_->desc().kind == SLUICE_KIND_SINK)
    failpoint("after_precommit");
  auto snap = inst_->snapshot();
  if (!snap)
    return error{snap.message()};
  if (auto st = inst_->stage_state(epoch); st.failed())
    return error{st.message()};
  if (auto st = dead_.stage(epoch); st.failed())
    return error{st.message()};
  if (auto st = stage_replayed(epoch); st.failed())
    return error{st.message()};
  snapshot_msg m;
  m.key = state_key(cfg_.name, setup_.index);
  m.bytes = std::move(*snap);
  m.schema_version = inst_->desc().state_schema_version;
  m.is_source = is_source_;
  return m;
}

std::optional<int64_t> stage_host::next_watermark(bool final) {
  auto now = std::chrono::steady_clock::now();
  if (max_event_time_ <= last_watermark_ || (!final && now - last_watermark_time_ < std::chrono::milliseconds{200}))
    return std::nullopt;
  last_watermark_ = max_event_time_;
  last_watermark_time_ = now;
  return max_event_time_;
}

void stage_host::flush_ports() {
  for (auto& p : ports_)
    p.flush();
}

} // namespace sluice::actors
