/// A node's links seen from its actors: a proxy actor for every remote stage instance (it
/// turns hello, elem and credit messages into frames), and delivery of incoming frames to the
/// local instances, sent as if from the remote sender's proxy so credit finds its way back.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "config/pipeline.hpp"
#include "flow/gauge.hpp"
#include "link/frame.hpp"
#include "link/hub.hpp"

namespace sluice::actors {

/// A control frame as the member actor or a coordinator receives it.
struct control_msg {
  std::string peer; ///< the node that sent it
  link::control_op op = link::control_op::none;
  uint64_t gen = 0;
  int64_t epoch = 0;
  uint64_t inc = 0;
  uint32_t n = 0;
};

/// What carries a control_msg: (ctl, control_msg).
using ctl_atom = caf::atom_constant<caf::atom("ctl")>;

/// To the member actor: frames from `peer` were lost on the link; every generation up to `gen`
/// is damaged there (broken, peer, gen).
using broken_atom = caf::atom_constant<caf::atom("broken")>;

/// Where checkpoint control frames go on a node: its coordinator, registered like an instance.
inline const link::instance_ref coordinator_ref{"#coordinator", 0};

/// A stage instance on another node as a local sender sees it: what it sends there is framed
/// and handed to the link on the sender's own thread, without a hop through the proxy actor.
struct remote_target {
  std::string node;
  link::instance_ref ref;
  uint64_t gen = 0; ///< what its frames are stamped with
};
using remote_ptr = std::shared_ptr<const remote_target>;

class node_links;

/// What one sender (a stage instance, on its own thread) frames for other nodes. Frames go to
/// the link at once, except while held: then they wait, and the release sends each node's
/// frames as one link message. A stage holds it while it handles what arrived together (a
/// source's run of polls, a run of elements from one link message), so frames travel in
/// groups as large as the groups they came in, without waiting for anything that is not
/// already there.
class outbox {
public:
  explicit outbox(node_links* links) : links_(links) {}
  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  /// Frames `e` for `to`; sent now unless held.
  void add(const remote_target& to, uint32_t channel, flow::element e);
  /// Frames sent from now on wait for the matching release.
  void hold() { ++held_; }
  void release();
  /// Holds for the lifetime of the guard.
  struct guard {
    explicit guard(outbox* o) : o_(o) { if (o_) o_->hold(); }
    ~guard() { if (o_) o_->release(); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
  private:
    outbox* o_;
  };

private:
  static constexpr size_t max_group = 1024; ///< frames a message at most (the hub takes 4096)
  void flush();
  struct pending {
    std::string node;
    uint64_t gen = 0;
    std::vector<std::string> frames;
    int64_t records = 0;
  };
  node_links* links_;
  int held_ = 0;
  std::vector<pending> pending_; ///< per node, in the order they were first sent to
};

class node_links {
public:
  /// `in_flight` counts the records queued on this node: what leaves is subtracted, what
  /// arrives added.
  node_links(caf::actor_system& sys, const config::pipeline& p, flow::gauge* in_flight);
  ~node_links();

  /// Starts listening and connecting; the error names the address.
  status start();

  /// Waits until every proxy has handed what it was sent to the hub (before the node exits:
  /// the hub then sends it, end of stream included).
  void drain();

  /// The proxy of instance `ref` on `node` for generation `gen`: its frames are stamped with
  /// `gen` (made once while `gen` is current; a throwaway whose frames peers drop otherwise).
  caf::actor proxy(const std::string& node, const link::instance_ref& ref, uint64_t gen);

  /// The target `proxy` stands for, or null when it is not one of this generation's proxies
  /// (a local actor, or a proxy of a generation that is over).
  remote_ptr remote_of(const caf::actor& proxy) const;
  /// What a proxy does, done by the caller: frame it and hand it to the link (dropped when
  /// `to` belongs to a generation that is over).
  void send_hello(const remote_target& to, uint32_t channel, uint32_t edge, uint32_t dest, const std::string& stage,
                  uint32_t index);
  void send_elem(const remote_target& to, uint32_t channel, flow::element e);
  /// An element frame for `to`, as send_elem would send it.
  static std::string frame_elem(const remote_target& to, uint32_t channel, flow::element e);
  /// Frames of generation `gen` (with `records` records) to `node` as one link message
  /// (dropped when `gen` is over).
  void send_frames(const std::string& node, uint64_t gen, std::vector<std::string> frames, int64_t records);
  void send_credit(const remote_target& to, uint32_t edge, uint32_t dest, uint32_t n);

  /// A local instance of generation `gen` is up: frames for it are delivered (those that came
  /// early, now, in order). Ignored once `gen` is no longer current. The coordinator registers
  /// as `coordinator_ref`.
  void add_local(const link::instance_ref& ref, const caf::actor& a, uint64_t gen);

  /// Starts generation `gen`: the old generation's proxies and instances are forgotten, what
  /// arrives for it from now on is dropped, and frames that came early for `gen` are kept.
  void set_generation(uint64_t gen);
  uint64_t generation() const;
  /// Membership control frames (status, rollback, go, ...) go to `member`, whatever their generation.
  void set_member(const caf::actor& member);
  /// Sends a control frame to `node`.
  void send_control(const std::string& node, link::control_op op, uint64_t gen, int64_t epoch = 0, uint64_t inc = 0,
                    uint32_t n = 0);

  void send(const std::string& node, const link::frame& f);
  link::hub::counters stats() const { return hub_ ? hub_->stats() : link::hub::counters{}; }

private:
  void send(const remote_target& to, const link::frame& f); ///< dropped once `to`'s generation is over
  void on_receive(const std::string& peer, link::hub::received m);
  void route(const std::string& peer, link::frame& f, element_run& run, caf::actor& run_to); ///< holds mu_
  void deliver(const std::string& peer, link::frame& f, const caf::actor& to); ///< holds mu_
  void deliver(element_run& run, caf::actor& to); ///< holds mu_; sends the run, if any, and empties it
  caf::actor proxy_locked(const std::string& node, const link::instance_ref& ref, uint64_t gen);

  caf::actor_system& sys_;
  flow::gauge* in_flight_;
  std::unique_ptr<link::hub> hub_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, link::instance_ref>, caf::actor> proxies_;
  std::map<caf::actor_addr, remote_ptr> targets_; ///< this generation's proxies by address
  std::map<link::instance_ref, caf::actor> local_;
  std::map<link::instance_ref, std::vector<std::pair<std::string, link::frame>>> early_;
  caf::actor member_;
  uint64_t gen_ = 0;
  std::atomic<uint64_t> current_gen_{0}; ///< gen_, read by senders without the lock
  uint64_t refused_ = 0;
  uint64_t stale_ = 0; ///< frames of an older generation, dropped
  /// Per peer: frames of generations up to this one were lost on its link, so the rest of
  /// them are dropped too (what arrives is a prefix of what was sent, never a stream with a gap).
  std::map<std::string, uint64_t> broken_;
  uint64_t after_loss_ = 0; ///< frames dropped for that
};

} // namespace sluice::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::control_msg)
