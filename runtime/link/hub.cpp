// The only file that includes ZeroMQ. A ROUTER socket listens on the node's address; one
// DEALER per peer, whose routing id is this node's name, connects to the peer's ROUTER. So a
// message from a to b leaves a's DEALER "b" and arrives at b's ROUTER tagged "a". ZMTP
// heartbeats find a dead peer; ZeroMQ reconnects by itself.
//
// Every message is a header (sender incarnation, sequence number on this link, tag; three
// little-endian u64) and one or more body parts, one frame each. A single empty part is a
// probe: sent whenever a DEALER (re)connects, so a peer learns of messages lost with the old
// connection even when nothing else follows them.
#include "link/hub.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <random>
#include <vector>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

namespace sluice::link {

struct hub::impl {
  /// A peer's DEALER: only senders touch it (the hub's thread never polls it), one at a time.
  struct dealer {
    std::mutex mu;
    zmq::socket_t socket;
    uint64_t seq = 0;          ///< of the last message sent
    bool ever_connected = false; ///< hub thread (then the destructor, after it joined)
  };
  /// What this node last heard on the link from a peer.
  struct inbound {
    uint64_t incarnation = 0;
    uint64_t next = 1; ///< the sequence number due
  };
  std::map<std::string, inbound> heard; // hub thread only
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  std::map<std::string, std::unique_ptr<dealer>> dealers; // fixed once started
  std::map<std::string, zmq::socket_t> monitors;           // per dealer: its connection events

  /// Header (numbered in the order messages enter the socket), then the `parts`.
  static void send_numbered(const std::string& peer, dealer& d, std::vector<zmq::message_t>& parts,
                            uint64_t incarnation, const std::atomic<uint64_t>& tag);
};

namespace {

constexpr size_t header_size = 3 * sizeof(uint64_t);

} // namespace

hub::hub(std::string self, std::string bind, std::map<std::string, std::string> peers, receive_fn on_receive)
  : self_(std::move(self)), bind_(std::move(bind)), peers_(std::move(peers)), on_receive_(std::move(on_receive)),
    impl_(std::make_unique<impl>()) {
  std::random_device rd;
  incarnation_ = (static_cast<uint64_t>(rd()) << 32 | rd()) | 1; // never 0
}

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
    // A peer that is up gets the last frames (end of stream); one never reached would only
    // hold the exit up.
    d->socket.set(zmq::sockopt::linger, d->ever_connected ? 2000 : 0);
  }
  for (auto& [_, m] : impl_->monitors)
    m.set(zmq::sockopt::linger, 0);
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
      // A connect the network swallows (a cut link drops the SYN) is given up after a second
      // and tried again, instead of waiting out the kernel's SYN backoff once the link is back.
      d.set(zmq::sockopt::connect_timeout, 1000);
      auto events = "inproc://sluice-link-events-" + name;
      if (zmq_socket_monitor(d.handle(), events.c_str(), ZMQ_EVENT_CONNECTED) != 0)
        throw zmq::error_t{};
      zmq::socket_t m{impl_->ctx, zmq::socket_type::pair};
      m.connect(events);
      impl_->monitors.emplace(name, std::move(m));
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
  std::vector<std::string> parts;
  parts.push_back(std::move(bytes));
  send(peer, std::move(parts));
}

void hub::send(const std::string& peer, std::vector<std::string> parts) {
  if (parts.empty())
    return; // a header alone would glue itself to the next message
  auto d = started_ ? impl_->dealers.find(peer) : impl_->dealers.end();
  if (d == impl_->dealers.end() || parts.size() > max_parts) {
    spdlog::error("link: {}; message dropped", d == impl_->dealers.end()
                    ? "no link to node " + peer + (started_ ? " (not in [nodes])" : " (links not started)")
                    : "a message of " + std::to_string(parts.size()) + " parts for node " + peer);
    return;
  }
  messages_out_ += 1;
  std::vector<zmq::message_t> messages(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    auto& bytes = parts[i];
    frames_out_ += 1;
    bytes_out_ += bytes.size();
    if (bytes.size() < 1024) { // small (credit, control): a copy is cheaper than a free callback
      messages[i].rebuild(bytes.data(), bytes.size());
    } else {
      auto* owned = new std::string(std::move(bytes)); // ZeroMQ frees it once sent: no copy
      messages[i].rebuild(owned->data(), owned->size(),
                          [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned);
    }
  }
  impl::send_numbered(peer, *d->second, messages, incarnation_, tag_);
}

void hub::set_tag(uint64_t tag) {
  for (auto t = tag_.load(); t < tag && !tag_.compare_exchange_weak(t, tag);) {
  }
}

void hub::impl::send_numbered(const std::string& peer, dealer& d, std::vector<zmq::message_t>& parts,
                              uint64_t incarnation, const std::atomic<uint64_t>& tag) {
  try {
    std::lock_guard lock(d.mu);
    uint64_t header[3] = {incarnation, ++d.seq, tag.load()};
    d.socket.send(zmq::buffer(header, header_size), zmq::send_flags::sndmore);
    for (size_t i = 0; i < parts.size(); ++i) // never blocks: no high-water mark, credits bound it
      d.socket.send(parts[i], i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    spdlog::error("link: sending to node {}: {}", peer, e.what());
  }
}

void hub::on_connection_event(const std::string& peer) {
  auto& m = impl_->monitors.at(peer);
  zmq::message_t event, address;
  if (!m.recv(event, zmq::recv_flags::dontwait) || !event.more() || !m.recv(address, zmq::recv_flags::none))
    return;
  uint16_t what;
  std::memcpy(&what, event.data(), sizeof what);
  if (what == ZMQ_EVENT_CONNECTED) { // a probe: shows the peer any gap the old connection left
    auto& d = *impl_->dealers.at(peer);
    d.ever_connected = true;
    std::vector<zmq::message_t> empty(1);
    impl::send_numbered(peer, d, empty, incarnation_, tag_);
  }
}

void hub::receive() {
  zmq::message_t id, header;
  if (!impl_->router.recv(id, zmq::recv_flags::dontwait))
    return;
  std::vector<std::shared_ptr<zmq::message_t>> parts; // what is decoded from one may keep it
  bool complete = id.more() && impl_->router.recv(header, zmq::recv_flags::none) && header.more();
  for (bool more = complete; more;) {
    auto part = std::make_shared<zmq::message_t>();
    more = impl_->router.recv(*part, zmq::recv_flags::none) && part->more();
    if (parts.size() < max_parts + 1) // more is refused: read on to the message's end, keep nothing
      parts.push_back(std::move(part));
  }
  auto peer = id.to_string();
  if (!complete || header.size() != header_size || parts.size() > max_parts) {
    if (++refused_ <= 5) // its number is not taken: the next message shows the loss
      spdlog::error("link: refused a message from {}: {}", peer,
                    parts.size() > max_parts ? "over " + std::to_string(max_parts) + " parts"
                                             : std::string{"not a header and a body (an old sluice?)"});
    return;
  }
  if (!peers_.count(peer)) { // not a node of the pipeline: e.g. the name ZeroMQ gives an old
    if (++refused_ <= 5)    // connection a reconnected peer took over (router_handover)
      spdlog::warn("link: dropped a message from an unknown sender {:?}", peer);
    return; // if it was the peer's, the gap shows on its next message
  }
  uint64_t h[3];
  std::memcpy(h, header.data(), header_size);
  auto& in = impl_->heard[peer];
  // A number out of turn, or a new sender process not starting at 1, means messages were lost.
  bool loss = in.incarnation == h[0] ? h[1] != in.next : h[1] != 1;
  if (loss)
    spdlog::warn("link: messages from node {} were lost (got number {}, expected {}{})", peer, h[1],
                 in.incarnation == h[0] ? in.next : 1, in.incarnation == h[0] ? "" : " of a new process");
  in.incarnation = h[0];
  in.next = h[1] + 1;
  messages_in_ += 1;
  received m{{}, loss, h[2]};
  bool probe = parts.size() == 1 && parts.front()->size() == 0;
  if (!probe)
    for (auto& p : parts) {
      frames_in_ += 1;
      bytes_in_ += p->size();
      m.parts.push_back({{static_cast<const char*>(p->data()), p->size()}, p});
    }
  if (probe && !loss)
    return;
  on_receive_(peer, std::move(m));
}

hub::counters hub::stats() const {
  return {frames_out_.load(), bytes_out_.load(), frames_in_.load(), bytes_in_.load(), messages_out_.load(),
          messages_in_.load()};
}

void hub::run() {
  std::vector<zmq::pollitem_t> items{{impl_->router.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  std::vector<std::string> monitored;
  for (auto& [peer, m] : impl_->monitors) {
    items.push_back({m.handle(), 0, ZMQ_POLLIN, 0});
    monitored.push_back(peer);
  }
  while (!stop_) {
    try {
      zmq::poll(items, std::chrono::milliseconds{100});
      if (items[0].revents & ZMQ_POLLIN)
        while (impl_->router.get(zmq::sockopt::events) & ZMQ_POLLIN)
          receive();
      for (size_t i = 0; i < monitored.size(); ++i)
        if (items[2 + i].revents & ZMQ_POLLIN)
          on_connection_event(monitored[i]);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR)
        spdlog::error("link: {}", e.what());
    }
  }
}

} // namespace sluice::link
