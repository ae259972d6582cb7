#define BOOST_TEST_MODULE link
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>

#include <zmq.hpp>

#include "link/frame.hpp"
#include "link/hub.hpp"
#include "support/process.hpp"

using namespace sluice;
using link::frame;
using link::frame_kind;

namespace {

frame data_frame() {
  auto b = std::make_shared<flow::batch>();
  std::string rows[] = {R"({"id":1})", R"({"id":2,"s":"x\u0000y"})", std::string("\0bin\xff", 5)};
  for (int i = 0; i < 3; ++i) {
    sluice_record r{};
    r.data = rows[i].data();
    r.size = rows[i].size();
    std::string key = "k" + std::to_string(i);
    if (i != 1) {
      r.key = key.data();
      r.key_size = key.size();
    }
    r.event_time_ns = i == 2 ? SLUICE_NO_TIME : 1000 + i;
    r.position.source = i == 0 ? "read" : nullptr;
    r.position.partition = static_cast<uint32_t>(i);
    r.position.offset = 42u + static_cast<uint64_t>(i);
    b->append(r);
  }
  b->seal();
  frame f;
  f.kind = frame_kind::element;
  f.to = {"agg", 1};
  f.from = {"orders", 0};
  f.channel = 3;
  f.elem = flow::element::of(b);
  return f;
}

/// `b`, sealed, as the bytes of an element frame.
std::string encoded_batch(const std::shared_ptr<flow::batch>& b) {
  b->seal();
  frame f;
  f.kind = frame_kind::element;
  f.elem = flow::element::of(b);
  return link::encode(f);
}

} // namespace

BOOST_AUTO_TEST_CASE(a_data_frame_comes_back_record_for_record_with_keys_times_and_positions) {
  auto f = data_frame();
  auto back = link::decode(link::encode(f));
  BOOST_TEST_REQUIRE(static_cast<bool>(back), (back ? std::string{} : back.message()));
  BOOST_TEST((back->to == f.to));
  BOOST_TEST(back->channel == 3u);
  auto& a = *f.elem.data;
  auto& b = *back->elem.data;
  BOOST_TEST_REQUIRE(b.size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST(std::string(b[i].data, b[i].size) == std::string(a[i].data, a[i].size));
    BOOST_TEST(std::string(b[i].key ? b[i].key : "", b[i].key_size) ==
               std::string(a[i].key ? a[i].key : "", a[i].key_size));
    BOOST_TEST(b[i].event_time_ns == a[i].event_time_ns);
    BOOST_TEST(b[i].position.offset == a[i].position.offset);
    BOOST_TEST(b[i].position.partition == a[i].position.partition);
    BOOST_TEST((b[i].flags & SLUICE_RECORD_PADDED) != 0u);
  }
  BOOST_TEST(std::string(b[0].position.source) == "read");
  BOOST_TEST(b[1].position.source == nullptr);
}

BOOST_AUTO_TEST_CASE(a_received_frame_is_adopted_by_its_batch_which_keeps_it_alive_without_copying) {
  auto bytes = std::make_shared<std::string>(link::encode(data_frame()));
  std::string_view view{*bytes};
  auto back = link::decode(view, bytes);
  BOOST_TEST_REQUIRE(static_cast<bool>(back), (back ? std::string{} : back.message()));
  std::weak_ptr<std::string> alive = bytes;
  bytes.reset(); // only the batch holds the frame now
  BOOST_TEST(!alive.expired());
  auto& b = *back->elem.data;
  BOOST_TEST_REQUIRE(b.size() == 3u);
  for (size_t i = 0; i < 3; ++i) { // the records are the frame's own bytes
    BOOST_TEST((b[i].data >= view.data() && b[i].data + b[i].size <= view.data() + view.size()));
    BOOST_TEST((b[i].flags & SLUICE_RECORD_PADDED) != 0u, "64 bytes of columns follow every record");
  }
  BOOST_TEST(std::string(b[1].data, b[1].size) == R"({"id":2,"s":"x\u0000y"})");
  BOOST_TEST(std::string(b[2].key, b[2].key_size) == "k2");
  back->elem.data.reset();
  BOOST_TEST(alive.expired());
}

BOOST_AUTO_TEST_CASE(columns_every_record_shares_travel_once_and_come_back_for_every_record) {
  auto encoded = [](bool shared) {
    auto b = std::make_shared<flow::batch>();
    std::string row = R"({"id":7})", key = "kk";
    for (uint32_t i = 0; i < 100; ++i) {
      sluice_record r{};
      r.data = row.data();
      r.size = row.size();
      r.key = shared ? nullptr : key.data();
      r.key_size = shared ? 0 : 1 + i % 2;
      r.event_time_ns = shared ? SLUICE_NO_TIME : i;
      r.position.source = "read";
      r.position.partition = shared ? 3 : i;
      r.position.offset = 1000u + i;
      b->append(r);
    }
    return encoded_batch(b);
  };
  auto shared = encoded(true), varied = encoded(false);
  BOOST_TEST(varied.size() - shared.size() >= 99u * (4 + 8 + 4), "key sizes, times and partitions sent once");
  auto back = link::decode(shared);
  BOOST_TEST_REQUIRE(static_cast<bool>(back), (back ? std::string{} : back.message()));
  auto& b = *back->elem.data;
  BOOST_TEST_REQUIRE(b.size() == 100u);
  for (size_t i = 0; i < 100; ++i) {
    BOOST_TEST(b[i].key == nullptr);
    BOOST_TEST(b[i].event_time_ns == SLUICE_NO_TIME);
    BOOST_TEST(std::string(b[i].position.source) == "read");
    BOOST_TEST(b[i].position.partition == 3u);
    BOOST_TEST(b[i].position.offset == 1000u + i);
  }
}

BOOST_AUTO_TEST_CASE(a_batch_whose_records_share_everything_but_bytes_is_framed_as_the_general_path_frames_it) {
  // Equal source names behind different pointers take the general path; one pointer, the short one.
  static const char one[] = "read", other[] = "read";
  auto encoded = [](bool same_pointer) {
    auto b = std::make_shared<flow::batch>();
    for (uint32_t i = 0; i < 50; ++i) {
      std::string row = R"({"id":)" + std::to_string(i) + "}";
      sluice_record r{};
      r.data = row.data();
      r.size = row.size();
      r.event_time_ns = 42;
      r.position.source = same_pointer || i % 2 == 0 ? one : other;
      r.position.partition = 2;
      r.position.offset = 7u * i;
      b->append(r);
    }
    return encoded_batch(b);
  };
  auto fast = encoded(true), general = encoded(false);
  BOOST_TEST(fast == general);
  auto back = link::decode(fast, std::make_shared<std::string>(fast));
  BOOST_TEST_REQUIRE(static_cast<bool>(back), (back ? std::string{} : back.message()));
  auto& b = *back->elem.data;
  BOOST_TEST_REQUIRE(b.size() == 50u);
  for (uint32_t i = 0; i < 50; ++i) {
    BOOST_TEST(std::string(b[i].data, b[i].size) == R"({"id":)" + std::to_string(i) + "}");
    BOOST_TEST(b[i].event_time_ns == 42);
    BOOST_TEST(std::string(b[i].position.source) == "read");
    BOOST_TEST(b[i].position.partition == 2u);
    BOOST_TEST(b[i].position.offset == 7u * i);
    BOOST_TEST(b[i].key == nullptr);
  }
}

BOOST_AUTO_TEST_CASE(control_and_credit_frames_keep_their_fields) {
  frame f;
  f.kind = frame_kind::element;
  f.elem = flow::element::barrier(17);
  auto back = link::decode(link::encode(f));
  BOOST_TEST_REQUIRE(static_cast<bool>(back));
  BOOST_TEST((back->elem.what == flow::element::kind::barrier));
  BOOST_TEST(back->elem.value == 17);
  frame c;
  c.kind = frame_kind::credit;
  c.to = {"src", 0};
  c.edge = 2;
  c.dest = 1;
  c.n = 4;
  auto cb = link::decode(link::encode(c));
  BOOST_TEST_REQUIRE(static_cast<bool>(cb));
  BOOST_TEST(cb->edge == 2u);
  BOOST_TEST(cb->dest == 1u);
  BOOST_TEST(cb->n == 4u);
  frame k;
  k.kind = frame_kind::control;
  k.gen = 1764000000123456789ull;
  k.op = link::control_op::rollback;
  k.epoch = 41;
  k.inc = 0xfeedfacecafebeefull;
  auto kb = link::decode(link::encode(k));
  BOOST_TEST_REQUIRE(static_cast<bool>(kb));
  BOOST_TEST(kb->gen == k.gen);
  BOOST_TEST((kb->op == link::control_op::rollback));
  BOOST_TEST(kb->epoch == 41);
  BOOST_TEST(kb->inc == k.inc);
  k.op = static_cast<link::control_op>(99);
  auto unknown = link::decode(link::encode(k));
  BOOST_TEST_REQUIRE(!unknown);
  BOOST_TEST(unknown.message().find("unknown control op 99") != std::string::npos, unknown.message());
}

BOOST_AUTO_TEST_CASE(garbage_truncated_and_foreign_frames_are_refused_with_a_reason_never_a_crash) {
  unsigned seed = 20261124;
  std::cout << "seed " << seed << "\n";
  std::mt19937 rng{seed};
  auto good = link::encode(data_frame());
  for (size_t cut = 0; cut < good.size(); ++cut)
    BOOST_TEST(!link::decode(std::string_view{good}.substr(0, cut)));
  for (int i = 0; i < 2000; ++i) {
    auto bad = good;
    for (int k = 0; k < 1 + i % 8; ++k)
      bad[rng() % bad.size()] = static_cast<char>(rng());
    (void)link::decode(bad); // may be refused or, by luck, still a frame: never a crash or a throw
    std::string noise(rng() % 300, '\0');
    for (auto& ch : noise)
      ch = static_cast<char>(rng());
    (void)link::decode(noise);
  }
  auto other = good;
  other[good.find("SLUICE") + 6] = 9; // the version byte, after the magic
  auto r = link::decode(other);
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(r.message().find("version 9") != std::string::npos, r.message());
}

/// A received message's parts joined by '+' (a probe: "").
std::string joined(const link::hub::received& m) {
  std::string s;
  for (auto& p : m.parts)
    s += (s.empty() ? "" : "+") + std::string{p.bytes};
  return s;
}

/// Hub "b" that writes down what it receives ("peer:parts/loss/tag"), and a hand-made peer "x"
/// that sends as hub.cpp does: a header (incarnation, number, tag), then the parts.
struct hand_made_peer {
  explicit hand_made_peer(int salt)
    : address("tcp://127.0.0.1:" + std::to_string(test::loopback_ports(salt))),
      b("b", address, {{"x", "tcp://127.0.0.1:" + std::to_string(test::loopback_ports(salt) + 1)}},
        [this](const std::string& peer, link::hub::received m) {
          std::lock_guard lock(mu);
          got.push_back(peer + ":" + joined(m) + (m.after_loss ? "/loss/" : "/ok/") + std::to_string(m.tag));
          cv.notify_all();
        }) {
    BOOST_TEST_REQUIRE(!b.start().failed());
    x.set(zmq::sockopt::routing_id, "x");
    x.connect(address);
  }
  void send(uint64_t inc, uint64_t seq, uint64_t tag, const std::vector<std::string>& parts) {
    uint64_t h[3] = {inc, seq, tag};
    x.send(zmq::buffer(h, sizeof h), zmq::send_flags::sndmore);
    for (size_t i = 0; i < parts.size(); ++i)
      x.send(zmq::buffer(parts[i]), i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  /// What b received once it has `n` messages (fails after 20 s).
  std::vector<std::string> received(size_t n) {
    std::unique_lock lock(mu);
    BOOST_TEST_REQUIRE(cv.wait_for(lock, std::chrono::seconds{20}, [&] { return got.size() >= n; }));
    return got;
  }

  std::string address;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  link::hub b;
  zmq::context_t ctx;
  zmq::socket_t x{ctx, zmq::socket_type::dealer};
};

BOOST_AUTO_TEST_CASE(two_hubs_on_loopback_exchange_messages_in_order_whoever_starts_first) {
  int port = test::loopback_ports(0);
  auto addr = [](int p) { return "tcp://127.0.0.1:" + std::to_string(p); };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  link::hub b("b", addr(port + 1), {{"a", addr(port)}}, [&](const std::string& peer, link::hub::received m) {
    std::lock_guard lock(mu);
    got.push_back(peer + ":" + joined(m));
    cv.notify_all();
  });
  link::hub a("a", addr(port), {{"b", addr(port + 1)}}, [](const std::string&, link::hub::received) {});
  BOOST_TEST_REQUIRE(!a.start().failed());
  a.send("b", std::vector<std::string>{}); // no parts: nothing is sent, the numbers stay in step
  for (int i = 0; i < 100; ++i) // queued before b listens
    a.send("b", "m" + std::to_string(i));
  a.send("b", std::vector<std::string>{"p", std::string(2000, 'q'), "r"}); // several parts: one message
  BOOST_TEST_REQUIRE(!b.start().failed());
  std::unique_lock lock(mu);
  BOOST_TEST_REQUIRE(cv.wait_for(lock, std::chrono::seconds{20}, [&] { return got.size() == 101; }));
  for (int i = 0; i < 100; ++i)
    BOOST_TEST(got[static_cast<size_t>(i)] == "a:m" + std::to_string(i));
  BOOST_TEST(got[100] == "a:p+" + std::string(2000, 'q') + "+r");
}

BOOST_AUTO_TEST_CASE(a_message_after_a_gap_in_a_links_numbers_arrives_marked_as_after_a_loss) {
  hand_made_peer p(1); // b's own link to x is never used here
  auto send = [&](uint64_t inc, uint64_t seq, uint64_t tag, const std::string& body) {
    p.send(inc, seq, tag, {body});
  };
  send(7, 1, 1, "one");
  send(7, 2, 1, "two");
  send(7, 3, 1, ""); // a probe with nothing lost: not delivered
  send(7, 5, 2, "five"); // 4 never came
  send(7, 7, 3, "");     // a probe after a gap: delivered, empty
  send(9, 4, 3, "new");  // a new process whose first messages are gone
  send(11, 1, 3, "fresh"); // a new process from its start
  p.x.send(zmq::str_buffer("no header"), zmq::send_flags::none); // refused, never a crash
  send(11, 2, 4, "last");
  zmq::socket_t stranger{p.ctx, zmq::socket_type::dealer}; // not a node of the pipeline: dropped
  stranger.set(zmq::sockopt::routing_id, "y");
  stranger.connect(p.address);
  uint64_t h[3] = {5, 1, 1};
  stranger.send(zmq::buffer(h, sizeof h), zmq::send_flags::sndmore);
  stranger.send(zmq::str_buffer("from y"), zmq::send_flags::none);
  send(11, 3, 4, "after y");
  std::vector<std::string> want{"x:one/ok/1",   "x:two/ok/1",   "x:five/loss/2", "x:/loss/3",
                                "x:new/loss/3", "x:fresh/ok/3", "x:last/ok/4",   "x:after y/ok/4"};
  BOOST_TEST(p.received(8) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_message_of_too_many_parts_is_refused_whole_and_the_next_shows_the_loss) {
  hand_made_peer p(2);
  p.send(7, 1, 1, {"p", "p"});
  p.send(7, 2, 1, std::vector<std::string>(link::hub::max_parts + 1, "p")); // a peer's bug: refused, no crash
  p.send(7, 3, 1, {"p"});
  std::vector<std::string> want{"x:p+p/ok/1", "x:p/loss/1"};
  BOOST_TEST(p.received(2) == want, boost::test_tools::per_element());
}
