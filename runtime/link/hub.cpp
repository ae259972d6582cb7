// The only file that includes ZeroMQ. A ROUTER socket listens on the node's address; one
// DEALER per peer, whose routing id is this node's name, connects to the peer's ROUTER. So a
// message from a to b leaves a's DEALER "b" and arrives at b's ROUTER tagged "a". ZMTP
// heartbeats find a dead peer; ZeroMQ reconnects by itself.
#include "link/hub.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

namespace sluice::link {

struct hub::impl {
  /// A peer's DEALER: only senders touch it (the hub's thread never polls it), one at a time.
  struct dealer {
    std::mutex mu;
    zmq::socket_t socket;
  };
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  std::map<std::string, std::unique_ptr<dealer>> dealers; // fixed once started
};

hub::hub(std::string self, std::string bind, std::map<std::string, std::string> peers, receive_fn on_receive)
  : self_(std::move(self)), bind_(std::move(bind)), peers_(std::move(peers)), on_receive_(std::move(on_receive)),
    impl_(std::make_unique<impl>()) {}

hub::~hub() {
  stop_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable())
    thread_.join();
  for (auto& [_, d] : impl_->dealers) {
    std::lock_guard lock(d->mu);
    d->socket.set(zmq::sockopt::linger, 2000); // a peer that is up gets the last frames (end of stream)
  }
  impl_->router.set(zmq::sockopt::linger, 0);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

status hub::start() {
  try {
    auto& r = impl_->router;
    r.set(zmq::sockopt::router_mandatory, 0);
    r.set(zmq::sockopt::router_handover, 1); // a restarted peer reconnects under its old name
    r.set(zmq::sockopt::rcvhwm, 0); // credits bound what arrives
    r.set(zmq::sockopt::heartbeat_ivl, 1000);
    r.set(zmq::sockopt::heartbeat_timeout, 5000);
    r.bind(bind_);
    for (auto& [name, address] : peers_) {
      zmq::socket_t d{impl_->ctx, zmq::socket_type::dealer};
      d.set(zmq::sockopt::routing_id, self_);
      d.set(zmq::sockopt::sndhwm, 0); // credits bound what is sent; never drop
      d.set(zmq::sockopt::heartbeat_ivl, 1000);
      d.set(zmq::sockopt::heartbeat_timeout, 5000);
      d.set(zmq::sockopt::reconnect_ivl, 10); // a peer starting a moment later is reached at once
      d.set(zmq::sockopt::reconnect_ivl_max, 2000);
      d.connect(address);
      auto& slot = impl_->dealers[name] = std::make_unique<impl::dealer>();
      slot->socket = std::move(d);
    }
  } catch (const zmq::error_t& e) {
    return error{"node " + self_ + " cannot listen on " + bind_ + ": " + e.what()};
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
  started_ = true;
  return status::ok();
}

void hub::send(const std::string& peer, std::string bytes) {
  auto d = started_ ? impl_->dealers.find(peer) : impl_->dealers.end();
  if (d == impl_->dealers.end()) {
    spdlog::error("link: no link to node {} ({}); message dropped", peer,
                  started_ ? "not in [nodes]" : "links not started");
    return;
  }
  frames_out_ += 1;
  bytes_out_ += bytes.size();
  zmq::message_t m;
  if (bytes.size() < 1024) { // small (credit, control): a copy is cheaper than a free callback
    m.rebuild(bytes.data(), bytes.size());
  } else {
    auto* owned = new std::string(std::move(bytes)); // ZeroMQ frees it once sent: no copy
    m.rebuild(owned->data(), owned->size(), [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned);
  }
  try {
    std::lock_guard lock(d->second->mu);
    d->second->socket.send(m, zmq::send_flags::none); // never blocks: no high-water mark, credits bound it
  } catch (const zmq::error_t& e) {
    spdlog::error("link: sending to node {}: {}", peer, e.what());
  }
}

hub::counters hub::stats() const {
  return {frames_out_.load(), bytes_out_.load(), frames_in_.load(), bytes_in_.load()};
}

void hub::run() {
  std::vector<zmq::pollitem_t> items{{impl_->router.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  while (!stop_) {
    try {
      zmq::poll(items, std::chrono::milliseconds{100});
      while (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t id;
        if (!impl_->router.recv(id, zmq::recv_flags::dontwait))
          break;
        auto body = std::make_shared<zmq::message_t>(); // what was decoded from it may keep it
        if (!id.more() || !impl_->router.recv(*body, zmq::recv_flags::none))
          continue;
        frames_in_ += 1;
        bytes_in_ += body->size();
        std::string_view bytes{static_cast<const char*>(body->data()), body->size()};
        on_receive_(id.to_string(), received{bytes, std::move(body)});
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR)
        spdlog::error("link: {}", e.what());
    }
  }
}

} // namespace sluice::link
