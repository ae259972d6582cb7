/// A node's links seen from its actors: a proxy actor for every remote stage instance (it
/// turns hello, elem and credit messages into frames), and delivery of incoming frames to the
/// local instances, sent as if from the remote sender's proxy so credit finds its way back.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "config/pipeline.hpp"
#include "flow/gauge.hpp"
#include "link/frame.hpp"
#include "link/hub.hpp"

namespace sluice::actors {

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

  /// The proxy of instance `ref` on `node` (made once).
  caf::actor proxy(const std::string& node, const link::instance_ref& ref);

  /// A local instance is up: frames for it are delivered (those that came early, now).
  void add_local(const link::instance_ref& ref, const caf::actor& a);
  /// Which local instance `a` is (for the `from` of frames it sends).
  link::instance_ref ref_of(const caf::actor_addr& a) const;

  void send(const std::string& node, const link::frame& f);
  flow::gauge* in_flight() const { return in_flight_; }
  link::hub::counters stats() const { return hub_ ? hub_->stats() : link::hub::counters{}; }

private:
  void on_receive(const std::string& peer, std::string_view bytes);
  void deliver(const std::string& peer, link::frame& f, const caf::actor& to);

  caf::actor_system& sys_;
  flow::gauge* in_flight_;
  std::unique_ptr<link::hub> hub_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, link::instance_ref>, caf::actor> proxies_;
  std::map<link::instance_ref, caf::actor> local_;
  std::map<caf::actor_addr, link::instance_ref> refs_;
  std::map<link::instance_ref, std::vector<std::pair<std::string, link::frame>>> early_;
  uint64_t refused_ = 0;
};

} // namespace sluice::actors
