#include "actors/links.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::link::instance_ref)

namespace sluice::actors {

namespace {

struct proxy_args {
  node_links* links;
  std::string node;
  link::instance_ref ref;
};

/// Stands for a stage instance on another node: what is sent to it goes over the link.
caf::behavior remote_instance(caf::event_based_actor* self, proxy_args a) {
  return {
    [=](hello_atom, uint32_t channel, uint32_t edge, uint32_t dest) {
      link::frame f;
      f.kind = link::frame_kind::hello;
      f.to = a.ref;
      f.from = a.links->ref_of(caf::actor_cast<caf::actor_addr>(self->current_sender()));
      f.channel = channel;
      f.edge = edge;
      f.dest = dest;
      a.links->send(a.node, f);
    },
    [=](elem_atom, uint32_t channel, flow::element& e) {
      link::frame f;
      f.kind = link::frame_kind::element;
      f.to = a.ref;
      f.channel = channel;
      f.elem = std::move(e);
      if (auto g = a.links->in_flight())
        g->sub(static_cast<int64_t>(f.elem.records())); // it leaves this node
      a.links->send(a.node, f);
    },
    [=](stop_atom) { return true; }, // drain(): everything sent before is with the hub now
    [=](credit_atom, uint32_t edge, uint32_t dest, uint32_t n) {
      link::frame f;
      f.kind = link::frame_kind::credit;
      f.to = a.ref;
      f.edge = edge;
      f.dest = dest;
      f.n = n;
      a.links->send(a.node, f);
    },
  };
}

} // namespace

node_links::node_links(caf::actor_system& sys, const config::pipeline& p, flow::gauge* in_flight)
  : sys_(sys), in_flight_(in_flight) {
  std::map<std::string, std::string> peers;
  for (auto& [name, n] : p.nodes)
    if (name != p.node)
      peers[name] = n.address;
  auto self = p.nodes.find(p.node);
  hub_ = std::make_unique<link::hub>(p.node, self == p.nodes.end() ? std::string{} : self->second.address,
                                     std::move(peers),
                                     [this](const std::string& peer, std::string_view bytes) {
                                       on_receive(peer, bytes);
                                     });
}

node_links::~node_links() {
  hub_.reset(); // stops the thread that calls on_receive before the maps go
  std::lock_guard lock(mu_);
  for (auto& [_, p] : proxies_)
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

status node_links::start() { return hub_->start(); }

void node_links::drain() {
  std::vector<caf::actor> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, p] : proxies_)
      all.push_back(p);
  }
  caf::scoped_actor self{sys_};
  for (auto& p : all)
    self->request(p, std::chrono::seconds{5}, stop_atom::value).receive([](bool) {}, [](caf::error&) {});
}

caf::actor node_links::proxy(const std::string& node, const link::instance_ref& ref) {
  std::lock_guard lock(mu_);
  auto& p = proxies_[{node, ref}];
  if (!p)
    p = sys_.spawn(remote_instance, proxy_args{this, node, ref});
  return p;
}

void node_links::add_local(const link::instance_ref& ref, const caf::actor& a) {
  std::vector<std::pair<std::string, link::frame>> early;
  {
    std::lock_guard lock(mu_);
    local_[ref] = a;
    refs_[a.address()] = ref;
    if (auto it = early_.find(ref); it != early_.end()) {
      early = std::move(it->second);
      early_.erase(it);
    }
  }
  for (auto& [peer, f] : early)
    deliver(peer, f, a);
}

link::instance_ref node_links::ref_of(const caf::actor_addr& a) const {
  std::lock_guard lock(mu_);
  auto it = refs_.find(a);
  return it == refs_.end() ? link::instance_ref{} : it->second;
}

void node_links::send(const std::string& node, const link::frame& f) { hub_->send(node, link::encode(f)); }

void node_links::on_receive(const std::string& peer, std::string_view bytes) {
  auto f = link::decode(bytes);
  if (!f) {
    if (++refused_ <= 5)
      spdlog::error("link: refused a frame from node {}: {}", peer, f.message());
    return;
  }
  caf::actor to;
  {
    std::lock_guard lock(mu_);
    auto it = local_.find(f->to);
    if (it == local_.end()) { // its instance is not up yet
      early_[f->to].emplace_back(peer, std::move(*f));
      return;
    }
    to = it->second;
  }
  deliver(peer, *f, to);
}

void node_links::deliver(const std::string& peer, link::frame& f, const caf::actor& to) {
  switch (f.kind) {
    case link::frame_kind::hello:
      caf::send_as(proxy(peer, f.from), to, hello_atom::value, f.channel, f.edge, f.dest);
      break;
    case link::frame_kind::element:
      if (in_flight_)
        in_flight_->add(static_cast<int64_t>(f.elem.records())); // queued here now
      caf::anon_send(to, elem_atom::value, f.channel, std::move(f.elem));
      break;
    case link::frame_kind::credit:
      caf::anon_send(to, credit_atom::value, f.edge, f.dest, f.n);
      break;
    case link::frame_kind::node:
      break;
  }
}

} // namespace sluice::actors
