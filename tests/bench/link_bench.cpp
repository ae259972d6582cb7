/// link_bench [BATCHES] [BATCH_SIZE]: raw link throughput between two nodes on loopback, side by
/// side in one run: sluice's hub with msgpack frames of W1 batches (encode, send, receive,
/// decode into a batch) vs. a plain ZeroMQ PUSH/PULL carrying the same record bytes, no framing.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/memory.hpp"
#include "generator/w1.hpp"
#include "link/frame.hpp"
#include "link/hub.hpp"

using namespace sluice;
using clock_type = std::chrono::steady_clock;

namespace {

/// CPU seconds this process used so far, all threads (ZeroMQ's I/O threads included).
double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

/// Wall and CPU seconds of one transfer.
struct cost {
  double seconds = 0, cpu = 0;
};

/// Measures from construction to stop().
struct meter {
  clock_type::time_point t0 = clock_type::now();
  double cpu0 = cpu_seconds();
  cost stop() const { return {std::chrono::duration<double>(clock_type::now() - t0).count(), cpu_seconds() - cpu0}; }
};

std::vector<flow::batch_ptr> w1_batches(size_t batches, size_t size) {
  builtin::w1::generator gen(42);
  std::vector<flow::batch_ptr> out;
  std::string line;
  for (size_t b = 0; b < batches; ++b) {
    auto batch = std::make_shared<flow::batch>(size);
    for (size_t i = 0; i < size; ++i) {
      line.clear();
      gen.append_next(line);
      sluice_record r{};
      r.data = line.data();
      r.size = line.size();
      r.event_time_ns = SLUICE_NO_TIME;
      r.position.source = "read";
      r.position.offset = b * size + i;
      batch->append(r);
    }
    batch->seal();
    out.push_back(batch);
  }
  return out;
}

cost sluice_link(const std::vector<flow::batch_ptr>& batches, int port) {
  auto addr = [](int p) { return "tcp://127.0.0.1:" + std::to_string(p); };
  std::mutex mu;
  std::condition_variable cv;
  size_t got = 0, records = 0;
  link::hub b("b", addr(port + 1), {{"a", addr(port)}}, [&](const std::string&, link::hub::received m) {
    std::lock_guard lock(mu);
    for (auto& p : m.parts)
      if (auto f = link::decode(p.bytes, p.owner))
        records += f->elem.records();
    ++got;
    cv.notify_all();
  });
  link::hub a("a", addr(port), {{"b", addr(port + 1)}}, [](const std::string&, link::hub::received) {});
  if (a.start().failed() || b.start().failed())
    return {-1, -1};
  a.send("b", "warm-up");
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return got == 1; });
  }
  meter m0;
  for (auto& batch : batches) {
    link::frame f;
    f.kind = link::frame_kind::element;
    f.to = {"filter", 0};
    f.elem = flow::element::of(batch);
    a.send("b", link::encode(f));
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return got == batches.size() + 1; });
  return m0.stop();
}

cost zmq_push_pull(const std::vector<flow::batch_ptr>& batches, int port) {
  zmq::context_t ctx{1};
  zmq::socket_t pull{ctx, zmq::socket_type::pull}, push{ctx, zmq::socket_type::push};
  auto addr = "tcp://127.0.0.1:" + std::to_string(port + 2);
  pull.bind(addr);
  push.connect(addr);
  std::vector<std::string> payloads; // the same record bytes, concatenated, no framing
  for (auto& b : batches) {
    std::string p;
    for (size_t i = 0; i < b->size(); ++i)
      p.append((*b)[i].data, (*b)[i].size).push_back('\n');
    payloads.push_back(std::move(p));
  }
  push.send(zmq::str_buffer("warm-up"), zmq::send_flags::none);
  zmq::message_t m;
  (void)pull.recv(m);
  meter m0;
  std::thread sender([&] {
    for (auto& p : payloads)
      push.send(zmq::buffer(p), zmq::send_flags::none);
  });
  for (size_t i = 0; i < payloads.size(); ++i)
    (void)pull.recv(m);
  sender.join();
  return m0.stop();
}

} // namespace

int main(int argc, char** argv) {
  keep_large_buffers(); // as sluice does
  size_t batches = argc > 1 ? std::stoul(argv[1]) : 4000;
  size_t size = argc > 2 ? std::stoul(argv[2]) : 512;
  auto data = w1_batches(batches, size);
  size_t bytes = 0;
  for (auto& b : data)
    bytes += b->bytes();
  int port = 22000 + static_cast<int>(::getpid() % 1000) * 8; // below the ephemeral ports
  auto z = zmq_push_pull(data, port);
  auto l = sluice_link(data, port);
  double records = static_cast<double>(batches * size);
  std::printf("%zu batches of %zu W1 records (%.1f MB of records)\n", batches, size, bytes / 1e6);
  std::printf("%-28s %9s %14s %9s %7s %9s\n", "transport", "seconds", "records/s", "MB/s", "CPU s", "CPU ns/B");
  auto row = [&](const char* name, cost c) {
    std::printf("%-28s %9.3f %14.0f %9.1f %7.3f %9.2f\n", name, c.seconds, records / c.seconds,
                bytes / 1e6 / c.seconds, c.cpu, c.cpu * 1e9 / static_cast<double>(bytes));
  };
  row("zeromq push/pull (raw)", z);
  row("sluice link (msgpack frames)", l);
  std::printf("ratio sluice/raw: %.2f (throughput), %.2f (CPU)\n", z.seconds / l.seconds, l.cpu / z.cpu);
  return 0;
}
