#include "actors/links.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::link::instance_ref)

namespace sluice::actors {

namespace {

struct proxy_args {
  node_links* links;
  remote_target to;
};

/// Stands for a stage instance on another node: what is sent to it goes over the link.
caf::behavior remote_instance(caf::event_based_actor*, proxy_args a) {
  return {
    [=](hello_atom, uint32_t channel, uint32_t edge, uint32_t dest, const std::string& stage, uint32_t index) {
      a.links->send_hello(a.to, channel, edge, dest, stage, index);
    },
    [=](elem_atom, uint32_t channel, flow::element& e) { a.links->send_elem(a.to, channel, std::move(e)); },
    [=](stop_atom) { return true; }, // drain(): everything sent before is with the hub now
    [=](credit_atom, uint32_t edge, uint32_t dest, uint32_t n) { a.links->send_credit(a.to, edge, dest, n); },
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
                                     [this](const std::string& peer, link::hub::received m) {
                                       on_receive(peer, std::move(m));
                                     });
}

node_links::~node_links() {
  auto c = hub_->stats();
  spdlog::info("link: sent {} frame(s) in {} message(s) ({} bytes), received {} in {} ({} bytes)", c.frames_out,
               c.messages_out, c.bytes_out, c.frames_in, c.messages_in, c.bytes_in);
  hub_.reset(); // stops the thread that calls on_receive before the maps go
  std::lock_guard lock(mu_);
  if (stale_ > 0)
    spdlog::info("link: dropped {} frame(s) of earlier generations (in flight when the pipeline rolled back)", stale_);
  if (after_loss_ > 0)
    spdlog::info("link: dropped {} frame(s) that came after lost ones (their generation was redone)", after_loss_);
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

caf::actor node_links::proxy(const std::string& node, const link::instance_ref& ref, uint64_t gen) {
  std::lock_guard lock(mu_);
  return proxy_locked(node, ref, gen);
}

caf::actor node_links::proxy_locked(const std::string& node, const link::instance_ref& ref, uint64_t gen) {
  if (gen != gen_) // an instance of a generation that is over: what it sends is dropped
    return sys_.spawn(remote_instance, proxy_args{this, {node, ref, gen}});
  auto& p = proxies_[{node, ref}];
  if (!p) {
    p = sys_.spawn(remote_instance, proxy_args{this, {node, ref, gen}});
    targets_[p.address()] = std::make_shared<const remote_target>(remote_target{node, ref, gen});
  }
  return p;
}

remote_ptr node_links::remote_of(const caf::actor& proxy) const {
  std::lock_guard lock(mu_);
  auto it = targets_.find(proxy.address());
  return it == targets_.end() ? nullptr : it->second;
}

void node_links::send_hello(const remote_target& to, uint32_t channel, uint32_t edge, uint32_t dest,
                            const std::string& stage, uint32_t index) {
  link::frame f;
  f.kind = link::frame_kind::hello;
  f.gen = to.gen;
  f.to = to.ref;
  f.from = {stage, index};
  f.channel = channel;
  f.edge = edge;
  f.dest = dest;
  send(to, f);
}

std::string node_links::frame_elem(const remote_target& to, uint32_t channel, flow::element e) {
  link::frame f;
  f.kind = link::frame_kind::element;
  f.gen = to.gen;
  f.to = to.ref;
  f.channel = channel;
  f.elem = std::move(e);
  return link::encode(f);
}

void node_links::send_elem(const remote_target& to, uint32_t channel, flow::element e) {
  auto records = static_cast<int64_t>(e.records());
  std::vector<std::string> frames;
  frames.push_back(frame_elem(to, channel, std::move(e)));
  send_frames(to.node, to.gen, std::move(frames), records);
}

void node_links::send_frames(const std::string& node, uint64_t gen, std::vector<std::string> frames,
                             int64_t records) {
  if (in_flight_)
    in_flight_->sub(records); // they leave this node
  if (gen == current_gen_.load(std::memory_order_acquire)) // else peers would drop them
    hub_->send(node, std::move(frames));
}

void node_links::send_credit(const remote_target& to, uint32_t edge, uint32_t dest, uint32_t n) {
  link::frame f;
  f.kind = link::frame_kind::credit;
  f.gen = to.gen;
  f.to = to.ref;
  f.edge = edge;
  f.dest = dest;
  f.n = n;
  send(to, f);
}

void node_links::send(const remote_target& to, const link::frame& f) {
  if (to.gen == current_gen_.load(std::memory_order_acquire)) // else peers would drop it
    hub_->send(to.node, link::encode(f));
}

void node_links::set_generation(uint64_t gen) {
  std::lock_guard lock(mu_);
  gen_ = gen;
  hub_->set_tag(gen); // first: a frame of `gen` never goes out under a lower tag
  current_gen_.store(gen, std::memory_order_release);
  for (auto& [_, p] : proxies_)
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  proxies_.clear();
  targets_.clear();
  local_.clear();
  for (auto it = early_.begin(); it != early_.end();) {
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](auto& pf) { return pf.second.gen < gen; }), v.end());
    it = v.empty() ? early_.erase(it) : std::next(it);
  }
}

uint64_t node_links::generation() const {
  std::lock_guard lock(mu_);
  return gen_;
}

void node_links::set_member(const caf::actor& member) {
  std::lock_guard lock(mu_);
  member_ = member;
  for (auto& [peer, gen] : broken_) // losses seen before the member was there (a restart's first probes)
    if (gen >= gen_)
      caf::anon_send(member_, broken_atom::value, peer, gen);
}

void node_links::send_control(const std::string& node, link::control_op op, uint64_t gen, int64_t epoch,
                              uint64_t inc, uint32_t n) {
  link::frame f;
  f.kind = link::frame_kind::control;
  f.op = op;
  f.gen = gen;
  f.epoch = epoch;
  f.inc = inc;
  f.n = n;
  if (link::for_coordinator(op))
    f.to = coordinator_ref;
  send(node, f);
}

void node_links::add_local(const link::instance_ref& ref, const caf::actor& a, uint64_t gen) {
  std::lock_guard lock(mu_); // held while early frames go out: a newer frame cannot overtake them
  if (gen != gen_)
    return;
  local_[ref] = a;
  auto it = early_.find(ref);
  if (it == early_.end())
    return;
  auto& v = it->second; // frames of a later generation wait for it
  auto later = std::stable_partition(v.begin(), v.end(), [&](auto& pf) { return pf.second.gen == gen_; });
  for (auto e = v.begin(); e != later; ++e)
    deliver(e->first, e->second, a);
  v.erase(v.begin(), later);
  if (v.empty())
    early_.erase(it);
}

void node_links::send(const std::string& node, const link::frame& f) { hub_->send(node, link::encode(f)); }

void node_links::on_receive(const std::string& peer, link::hub::received m) {
  if (m.after_loss) {
    std::lock_guard lock(mu_);
    auto& b = broken_[peer];
    b = std::max(b, m.tag); // the sender's generation when it sent this: no lost frame is later
    if (b >= gen_ && member_) // the current generation (or a later one) has a gap: roll back
      caf::anon_send(member_, broken_atom::value, peer, b);
  }
  std::vector<link::frame> frames; // decoded before the lock is taken
  frames.reserve(m.parts.size());
  for (auto& part : m.parts) { // none: a probe that told of a loss
    auto f = link::decode(part.bytes, std::move(part.owner)); // batches keep the part: no copy
    if (f)
      frames.push_back(std::move(*f));
    else if (++refused_ <= 5)
      spdlog::error("link: refused a frame from node {}: {}", peer, f.message());
  }
  std::lock_guard lock(mu_);
  element_run run; // consecutive elements for one instance go to it as one message
  caf::actor run_to;
  for (auto& f : frames)
    route(peer, f, run, run_to);
  deliver(run, run_to);
}

void node_links::route(const std::string& peer, link::frame& f, element_run& run, caf::actor& run_to) {
  if (f.kind == link::frame_kind::control && !link::for_coordinator(f.op)) {
    deliver(run, run_to);
    if (member_) // membership: whatever the generation
      deliver(peer, f, member_);
  } else if (auto b = broken_.find(peer); b != broken_.end() && f.gen <= b->second) {
    ++after_loss_; // behind a gap: the whole generation is redone
  } else if (f.gen < gen_) {
    ++stale_; // the old generation's instances are gone
  } else if (auto it = local_.find(f.to); it != local_.end() && f.gen == gen_) {
    if (f.kind != link::frame_kind::element || run_to != it->second)
      deliver(run, run_to);
    if (f.kind != link::frame_kind::element)
      return deliver(peer, f, it->second);
    if (in_flight_)
      in_flight_->add(static_cast<int64_t>(f.elem.records())); // queued here now
    run_to = it->second;
    run.items.emplace_back(f.channel, std::move(f.elem));
  } else { // its instance (or generation) is not up yet
    early_[f.to].emplace_back(peer, std::move(f));
  }
}

void node_links::deliver(element_run& run, caf::actor& to) {
  if (run.items.size() == 1)
    caf::anon_send(to, elem_atom::value, run.items[0].first, std::move(run.items[0].second));
  else if (!run.items.empty())
    caf::anon_send(to, elems_atom::value, std::move(run));
  run.items.clear();
  to = nullptr;
}

void node_links::deliver(const std::string& peer, link::frame& f, const caf::actor& to) {
  switch (f.kind) {
    case link::frame_kind::hello:
      caf::send_as(proxy_locked(peer, f.from, f.gen), to, hello_atom::value, f.channel, f.edge, f.dest, f.from.stage, f.from.index);
      break;
    case link::frame_kind::element:
      if (in_flight_)
        in_flight_->add(static_cast<int64_t>(f.elem.records())); // queued here now
      caf::anon_send(to, elem_atom::value, f.channel, std::move(f.elem));
      break;
    case link::frame_kind::credit:
      caf::anon_send(to, credit_atom::value, f.edge, f.dest, f.n);
      break;
    case link::frame_kind::control:
      caf::anon_send(to, ctl_atom::value, control_msg{peer, f.op, f.gen, f.epoch, f.inc, f.n});
      break;
    case link::frame_kind::node:
      break;
  }
}

void outbox::add(const remote_target& to, uint32_t channel, flow::element e) {
  if (held_ == 0)
    return links_->send_elem(to, channel, std::move(e));
  auto p = std::find_if(pending_.begin(), pending_.end(), [&](auto& q) { return q.node == to.node; });
  if (p == pending_.end())
    p = pending_.insert(pending_.end(), pending{to.node, to.gen, {}, 0});
  p->records += static_cast<int64_t>(e.records());
  p->frames.push_back(node_links::frame_elem(to, channel, std::move(e)));
  if (p->frames.size() >= max_group) { // a huge window: send in groups the receiver takes
    links_->send_frames(p->node, p->gen, std::move(p->frames), p->records);
    p->frames.clear();
    p->records = 0;
  }
}

void outbox::release() {
  if (--held_ == 0)
    flush();
}

void outbox::flush() {
  for (auto& p : pending_)
    if (!p.frames.empty())
      links_->send_frames(p.node, p.gen, std::move(p.frames), p.records);
  pending_.clear();
}

} // namespace sluice::actors
