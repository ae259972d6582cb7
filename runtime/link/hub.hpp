/// A node's links: it listens on its one address and connects to every peer's; all traffic
/// is multiplexed there. One thread receives; `send` may be called from any thread and hands
/// the bytes to ZeroMQ at once (no hop through the hub's thread).
/// The API names no ZeroMQ type (hub.cpp is the only user of ZeroMQ).
///
/// ZeroMQ reconnects by itself, but what sat in a broken connection's buffers is gone while
/// what was still queued goes out on the new one: a peer may see a gap. So every message is
/// numbered per link, and every (re)connection sends an empty probe; the first message after
/// a gap (a probe included) arrives marked `after_loss`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace sluice::link {

class hub {
public:
  /// One message as it arrived: each of its `parts` stays valid while its `owner` (or a copy
  /// of it) lives, so a decoded batch can keep pointing into it instead of copying.
  struct part {
    std::string_view bytes;
    std::shared_ptr<const void> owner; ///< keeps `bytes` (this part only) alive
  };
  struct received {
    std::vector<part> parts; ///< none: a probe (only ever delivered after a loss)
    bool after_loss = false; ///< messages the peer sent before this one never arrived
    uint64_t tag = 0;        ///< the sender's tag when it sent this (see set_tag)
  };
  /// Called on the hub's thread for every message a peer sent (`peer` is its node name), in
  /// the order it sent them.
  using receive_fn = std::function<void(const std::string& peer, received message)>;

  /// `self` listens on `bind`; `peers` maps every other node to its address.
  hub(std::string self, std::string bind, std::map<std::string, std::string> peers, receive_fn on_receive);
  ~hub(); ///< stops the thread, closes the sockets (pending messages are dropped)
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  /// Binds, connects and starts the thread; the error names the address.
  status start();
  /// Hands `bytes` for `peer` to ZeroMQ, which delivers them in order once the link is up
  /// and reconnects by itself. Only after start(); callers on several threads are serialised
  /// per peer, so each peer gets every caller's messages in the order of the calls.
  void send(const std::string& peer, std::string bytes);
  /// The same for several parts sent as one message: they arrive together (one wake-up of the
  /// I/O threads and of the receiver for all of them), or not at all. At most max_parts; none
  /// sends nothing.
  void send(const std::string& peer, std::vector<std::string> parts);
  /// A message of more parts is refused whole by its receiver.
  static constexpr size_t max_parts = 4096;
  /// Stamped on every message sent from now on; never lowered. The node's generation: a
  /// message's tag is at least the generation of anything sent before it on its link.
  void set_tag(uint64_t tag);

  struct counters {
    uint64_t frames_out = 0, bytes_out = 0, frames_in = 0, bytes_in = 0;
    uint64_t messages_out = 0, messages_in = 0; ///< a message carries one or more frames
  };
  counters stats() const;

private:
  struct impl;
  void run();
  void receive();    ///< one message, on the hub's thread
  void on_connection_event(const std::string& peer); ///< a probe when the link to `peer` (re)connects

  std::string self_, bind_;
  std::map<std::string, std::string> peers_;
  receive_fn on_receive_;
  std::unique_ptr<impl> impl_;
  std::atomic<bool> started_{false};
  std::atomic<uint64_t> tag_{0};
  uint64_t incarnation_; ///< numbers restart at 1 in every process: the receiver tells them apart
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::atomic<uint64_t> frames_out_{0}, bytes_out_{0}, frames_in_{0}, bytes_in_{0}, messages_out_{0}, messages_in_{0};
  uint64_t refused_ = 0; ///< hub thread
};

} // namespace sluice::link
