/// What a stage actor is apart from its messages: the plugin instance, its
/// output ports and edges, its dead letters, and the services the plugin and
/// the fault runner call back into. No CAF here.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "actors/dead_letters.hpp"
#include "actors/messages.hpp"
#include "actors/stage_actor.hpp"
#include "faults/runner.hpp"
#include "flow/edge.hpp"
#include "flow/output_port.hpp"
#include "plugin/instance.hpp"
#include "state/keyed.hpp"

namespace sluice::actors {

class stage_host : public plugin::emitter, public faults::runner_host {
public:
  explicit stage_host(stage_setup s);

  // plugin::emitter
  void emit(uint32_t port, const sluice_record& r) override;
  void dead_letter(const sluice_record& r, const char* reason) override;

  // faults::runner_host
  bool call(const sluice_record* records, size_t n, plugin::call_failure& f) override;
  void discard_emitted(size_t keep) override;
  void dead_letter(const sluice_record& r, const std::string& reason, uint32_t attempts) override;
  void count(const char* name, int64_t delta) override { inst_->count(name, delta); }
  std::string label() const override;

protected:
  bool blocked() const;
  void flush_ports();
  /// Creates the plugin object and restores its committed state; false on failure (`error` says why).
  bool start_plugin(std::string& error);
  /// The dead letters `sluice dlq replay` queued for this instance, in batches of batch_size
  /// (none: empty). They leave the queue with the next checkpoint (stage_replayed /
  /// replay_committed).
  std::vector<flow::batch_ptr> take_replay(std::string& error);
  /// Hot swap between two batches: snapshot, create the new version, hand it the keyed state,
  /// restore, swap. Any failure leaves the old instance running, untouched.
  swap_reply swap_plugin(const swap_request& r);
  status stage_replayed(int64_t epoch) { return replay_ ? replay_->stage(epoch) : status::ok(); }
  void replay_committed(int64_t epoch) {
    if (replay_)
      replay_->committed(epoch);
  }

  /// Aligned barrier `epoch`: pre-commit, snapshot, stage keyed state, dead letters and the
  /// replayed queue entries; all of it is in the store before the snapshot goes to the
  /// coordinator, so its commit of `epoch`, which waits for every snapshot, includes them.
  result<snapshot_msg> snapshot_for(int64_t epoch);
  /// A source's next watermark: the highest event time it emitted, once that is past the last
  /// watermark and 200 ms have passed since (`final`: whatever the time).
  std::optional<int64_t> next_watermark(bool final);

  stage_setup setup_;
  const config::stage_config& cfg_;
  std::unique_ptr<plugin::instance> inst_;
  std::vector<flow::output_port> ports_;
  std::vector<std::unique_ptr<flow::edge>> edges_;
  dead_letter_log dead_;
  faults::runner runner_;
  bool is_source_ = false;
  instance_report report_;
  int64_t max_event_time_ = INT64_MIN;

private:
  std::optional<state::keyed_state> replay_; ///< the replay queue, while it has entries
  std::vector<uint32_t> call_ports_; ///< the port of each record emitted by the current call
  bool in_call_ = false;
  int64_t last_watermark_ = INT64_MIN;
  std::chrono::steady_clock::time_point last_watermark_time_{};
};

} // namespace sluice::actors
