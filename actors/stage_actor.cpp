#include "actors/stage_actor.hpp"
#include "actors/stage_host.hpp"
#include "actors/upstream.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/failpoint.hpp"
#include "flow/input_set.hpp"
#include "flow/output_port.hpp"

namespace sluice::actors {

namespace {

using flow::element;
using namespace std::chrono_literals;

constexpr auto idle_poll = 20ms;

class stage_actor : public caf::event_based_actor, public stage_host {
public:
  stage_actor(caf::actor_config& cfg, stage_setup s)
    : caf::event_based_actor(cfg), stage_host(std::move(s)),
      inputs_(setup_.prep->physical.stages[static_cast<size_t>(setup_.stage)].channels[setup_.index].size(),
              setup_.prep->pipeline.guarantee == "exactly-once") {
    upstream_.resize(inputs_.channels());
  }

  const char* name() const override { return "sluice.stage"; }

  /// Drops every handle this actor holds: actors reference each other both
  /// ways (data one way, credit the other), so a quitting actor must let go or
  /// no detached actor's thread would ever end.
  void on_exit() override {
    inst_.reset();
    upstream_.clear();
    setup_.outputs.clear();
    setup_.supervisor = nullptr;
    setup_.coordinator = nullptr;
    setup_.store = nullptr; // the last holder closes the store
  }

  caf::behavior make_behavior() override {
    if (std::string error; !start_plugin(error)) {
      fail(error);
      return {};
    }
    std::string replay_error;
    replay_batches_ = take_replay(replay_error); // before any input: it belongs to the first epoch
    if (!replay_error.empty()) {
      fail(replay_error);
      return {};
    }
    next_replay();
    if (ended_)
      return {}; // the replay failed the stage
    for (size_t k = 0; k < setup_.outputs.size(); ++k)
      for (size_t d = 0; d < setup_.outputs[k].dest.size(); ++d) {
        auto& w = setup_.outputs[k];
        auto channel = w.dest_channel[d], edge = static_cast<uint32_t>(k), dest = static_cast<uint32_t>(d);
        if (w.remote[d])
          setup_.links->send_hello(*w.remote[d], channel, edge, dest, cfg_.name, setup_.index);
        else
          send(w.dest[d], hello_atom::value, channel, edge, dest, cfg_.name, setup_.index);
      }
    if (is_source_ && edges_.empty())
      schedule_pull(); // a source nobody reads still runs (counts, side effects)
    return {
      [=](hello_atom, uint32_t channel, uint32_t edge, uint32_t dest, const std::string&, uint32_t) {
        auto who = caf::actor_cast<caf::actor>(current_sender());
        upstream_.at(channel) = upstream{who, edge, dest, setup_.links};
        upstream_[channel].credit(this, setup_.prep->pipeline.credits);
      },
      [=](elem_atom, uint32_t channel, element& e) {
        inputs_.push(channel, std::move(e));
        report_.max_queued_records = std::max<uint64_t>(report_.max_queued_records, inputs_.queued_records());
        pump();
      },
      [=](elems_atom, element_run& run) { // what came in one link message goes on as one
        outbox::guard together{&out_};
        for (auto& [channel, e] : run.items)
          inputs_.push(channel, std::move(e));
        report_.max_queued_records = std::max<uint64_t>(report_.max_queued_records, inputs_.queued_records());
        pump();
      },
      [=](credit_atom, uint32_t edge, uint32_t dest, uint32_t n) {
        outbox::guard together{&out_};
        edges_.at(edge)->grant(dest, n);
        drain();
        if (is_source_ && !pull_scheduled_)
          pull(); // now: what waited for the credit goes out with what it polls
        else if (!is_source_)
          pump();
        maybe_done();
      },
      [=](pull_atom) { pull(); },
      [=](swap_atom, swap_request& r) -> caf::result<swap_reply> {
        if (ended_)
          return swap_reply{false, inst_->label() + " has ended", 0};
        if (work_) { // finish the batch in hand first (it may be waiting for a retry)
          auto rp = make_response_promise<swap_reply>();
          pending_swaps_.emplace_back(std::move(r), rp);
          return rp;
        }
        return swap_plugin(r);
      },
      [=](retry_atom) {
        retry_scheduled_ = false;
        if (continue_work())
          pump();
      },
      [=](barrier_atom, int64_t epoch) {
        if (!is_source_ || ended_)
          return;
        checkpoint(epoch);
        control(element::barrier(epoch));
      },
      [=](commit_atom, int64_t epoch) {
        // After the store committed `epoch`: keyed state drops its staged layers <= epoch.
        replay_committed(epoch);
        if (auto st = inst_->commit(epoch); st.failed())
          fail(st.message());
      },
      [=](finish_atom) {
        if (is_source_)
          end_stream();
      },
      [=](stop_atom) {
        if (is_source_ && !ended_) {
          stopping_ = true;
          schedule_pull();
        }
      },
    };
  }

private:
  void drain() {
    for (size_t k = 0; k < edges_.size(); ++k) {
      auto& w = setup_.outputs[k];
      edges_[k]->drain([&](size_t d, element&& e) {
        if (w.remote[d]) // framed and sent from this thread: no hop through the proxy actor
          out_.add(*w.remote[d], w.dest_channel[d], std::move(e));
        else
          send(w.dest[d], elem_atom::value, w.dest_channel[d], std::move(e));
      });
    }
  }

  void control(const element& e) {
    for (auto& p : ports_)
      p.control(e);
    drain();
  }

  /// Runs the batch in hand under on_error (and the breaker): true once it is
  /// through, false while a retry waits or after the stage failed.
  bool continue_work() {
    if (!work_ || ended_)
      return false;
    auto o = runner_.run(std::chrono::steady_clock::now());
    if (o.what == faults::runner::outcome::wait) {
      if (!retry_scheduled_) {
        retry_scheduled_ = true;
        delayed_send(caf::actor_cast<caf::actor>(this), std::max(o.delay, decltype(o.delay){1}), retry_atom::value);
      }
      return false;
    }
    if (setup_.in_flight && !work_replay_)
      setup_.in_flight->sub(static_cast<int64_t>(work_->size()));
    work_.reset();
    if (o.what == faults::runner::outcome::failed) {
      fail(o.message);
      return false;
    }
    flush_ports();
    drain();
    serve_pending_swaps();
    if (work_replay_) {
      work_replay_ = false; // the replayed batch came from the store, not from upstream credit
      return next_replay();
    }
    upstream_[work_channel_].through(this, setup_.prep->pipeline.credits);
    return true;
  }

  /// Swaps asked for while a batch was in hand, now that it is through.
  void serve_pending_swaps() {
    auto pending = std::move(pending_swaps_);
    pending_swaps_.clear();
    for (auto& [req, rp] : pending)
      rp.deliver(swap_plugin(req));
  }

  /// Takes the next replay batch in hand; true when there is none left.
  bool next_replay() {
    if (replay_batches_.empty())
      return true;
    work_ = std::move(replay_batches_.front());
    replay_batches_.erase(replay_batches_.begin());
    work_replay_ = true;
    runner_.start(work_->records(), work_->size());
    return continue_work();
  }

  void pump() {
    while (!ended_ && !work_ && !blocked()) {
      auto it = inputs_.next();
      if (!it)
        break;
      auto& e = it->e;
      switch (e.what) {
        case element::kind::data: {
          auto n = e.data->size();
          report_.records_in += n;
          ++report_.batches_in;
          work_ = std::move(e.data);
          work_channel_ = it->channel;
          runner_.start(work_->records(), n);
          if (!continue_work())
            return; // waiting for a retry, or failed
          break;
        }
        case element::kind::watermark:
          if (auto st = inst_->watermark(e.value); st.failed())
            return fail(st.message());
          control(e);
          break;
        case element::kind::barrier:
          checkpoint(e.value);
          if (ended_)
            return; // checkpoint failed
          control(e);
          break;
        case element::kind::end_of_input:
          end_input(e.value != 0);
          if (ended_)
            return; // finish failed
          break;
        case element::kind::end_of_stream:
          end_stream();
          break;
      }
    }
    maybe_done();
  }

  void schedule_pull(std::chrono::milliseconds delay = 0ms) {
    if (pull_scheduled_ || ended_)
      return;
    pull_scheduled_ = true;
    if (delay.count() == 0)
      send(caf::actor_cast<caf::actor>(this), pull_atom::value);
    else
      delayed_send(caf::actor_cast<caf::actor>(this), delay, pull_atom::value);
  }

  void pull() {
    pull_scheduled_ = false;
    if (ended_)
      return;
    if (source_done_)
      return;
    if (stopping_)
      return source_ended();
    if (blocked())
      return; // a credit grant schedules the next pull
    // Polls again at once while there is credit and input, up to half the window and 1 ms:
    // what goes to another node leaves as one link message (one wake-up of each thread on the
    // way), and a slow poll does not hold back what is already there.
    outbox::guard together{&out_};
    int rc = SLUICE_OK;
    const auto until = std::chrono::steady_clock::now() + 1ms;
    for (uint32_t polls = 0; rc == SLUICE_OK && polls < std::max(1u, setup_.prep->pipeline.credits / 2) && !blocked() &&
                             (polls == 0 || std::chrono::steady_clock::now() < until);
         ++polls) {
      auto r = inst_->poll(setup_.prep->pipeline.batch_size);
      if (!r)
        return fail(r.message());
      rc = *r;
      flush_ports();
      drain();
      if (auto w = next_watermark(false))
        control(element::watermark(*w));
    }
    if (rc == SLUICE_END)
      return source_ended();
    schedule_pull(rc == SLUICE_AGAIN ? idle_poll : 0ms);
  }

  /// A source has no more input: it announces the end of input (everyone
  /// emits what it holds), the coordinator runs the final checkpoint over
  /// that, then sends finish, upon which the stream ends.
  void source_ended() {
    source_done_ = true;
    end_input(stopping_);
    if (!ended_)
      send(setup_.coordinator, ended_atom::value);
  }

  /// End of input on every channel: sources and transforms emit what they
  /// hold now, before the final checkpoint (unless the sources were stopped:
  /// then it stays in their state, to resume); sinks publish only at end of
  /// stream, after that checkpoint committed.
  void end_input(bool stop) {
    if (inst_->desc().kind != SLUICE_KIND_SINK && !stop) // stopped: what it holds stays in its state
      if (auto st = inst_->finish(); st.failed())
        return fail(st.message());
    if (auto w = is_source_ ? next_watermark(true) : std::nullopt)
      control(element::watermark(*w));
    control(element::end_of_input(stop));
  }

  /// Aligned barrier `epoch`: the snapshot (see snapshot_for) goes to the coordinator as an ack.
  void checkpoint(int64_t epoch) {
    auto m = snapshot_for(epoch);
    if (!m)
      return fail(m.message());
    send(setup_.coordinator, ack_atom::value, epoch, std::move(*m));
  }

  void end_stream() {
    if (ended_)
      return;
    if (inst_->desc().kind == SLUICE_KIND_SINK)
      if (auto st = inst_->finish(); st.failed())
        return fail(st.message());
    control(element::end_of_stream());
    ended_ = true;
    maybe_done();
  }

  void maybe_done() {
    if (!ended_ || reported_ || blocked())
      return;
    reported_ = true;
    for (auto& p : ports_)
      report_.records_out += p.records_out();
    report_.counters = inst_->counters();
    report_.gauges = inst_->gauges();
    dead_.log_rest();
    send(setup_.supervisor, done_atom::value, report_);
    quit();
  }

  void fail(const std::string& msg) {
    spdlog::error("{}", msg);
    ended_ = true;
    reported_ = true;
    quit(caf::make_error(caf::sec::runtime_error, msg));
  }

  flow::input_set inputs_;
  outbox out_{setup_.links};
  std::vector<upstream> upstream_;
  flow::batch_ptr work_; ///< the batch in hand, until the runner is through with it
  uint32_t work_channel_ = 0;
  bool work_replay_ = false; ///< the batch in hand is from the replay queue
  std::vector<flow::batch_ptr> replay_batches_; ///< replay batches not yet in hand
  std::vector<std::pair<swap_request, caf::typed_response_promise<swap_reply>>> pending_swaps_;
  bool retry_scheduled_ = false;
  bool ended_ = false;
  bool reported_ = false;
  bool pull_scheduled_ = false;
  bool stopping_ = false;
  bool source_done_ = false;
};

} // namespace

std::string state_key(const std::string& stage, uint32_t index) {
  return stage + "#" + std::to_string(index);
}

caf::actor spawn_stage(caf::actor_system& sys, stage_setup setup) {
  auto kind = setup.plugin.stage->kind;
  if (kind == SLUICE_KIND_TRANSFORM)
    return sys.spawn<stage_actor>(std::move(setup));
  return sys.spawn<stage_actor, caf::detached>(std::move(setup));
}

} // namespace sluice::actors
