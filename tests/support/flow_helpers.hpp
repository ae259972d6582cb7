/// Shared helpers for the flow unit tests.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "flow/batch.hpp"
#include "flow/edge.hpp"
#include "flow/gauge.hpp"
#include "flow/input_set.hpp"
#include "flow/key_hash.hpp"
#include "flow/output_port.hpp"


using namespace sluice::flow;
using sluice::config::partition_kind;
using kind = element::kind;

// One test executable includes this once: plain definitions are fine.
namespace flow_helpers {

sluice_record record_of(const std::string& bytes, const std::string& key = {}) {
  sluice_record r{};
  r.data = bytes.data();
  r.size = bytes.size();
  r.key = key.empty() ? nullptr : key.data();
  r.key_size = key.size();
  r.event_time_ns = SLUICE_NO_TIME;
  return r;
}

std::string line(int id) { return "{\"id\":" + std::to_string(id) + "}"; }

std::string bytes_of(const sluice_record& r) { return {r.data, r.size}; }

/// The id of a record written by line().
int id_of(const sluice_record& r) { return std::atoi(bytes_of(r).c_str() + 6); }

/// A sealed batch of `n` records {"id":first..first+n-1}.
batch_ptr batch_of(size_t n, int first = 0) {
  auto b = std::make_shared<batch>(n, 0);
  for (size_t i = 0; i < n; ++i) {
    auto l = line(first + static_cast<int>(i));
    b->append(record_of(l));
  }
  b->seal();
  return b;
}

batch_ptr batch_of_lines(const std::vector<std::string>& lines) {
  auto b = std::make_shared<batch>();
  for (auto& l : lines)
    b->append(record_of(l));
  b->seal();
  return b;
}

/// The id of the first record of a data element.
int first_id(const element& e) { return id_of((*e.data)[0]); }

uint64_t hash_of(const std::string& json, const std::vector<std::string>& fields) {
  return key_hash(record_of(json), fields);
}

/// What one drain() handed on, per destination.
using sent = std::map<size_t, std::vector<element>>;

sent drain(edge& e) {
  sent out;
  e.drain([&](size_t d, element x) { out[d].push_back(std::move(x)); });
  return out;
}

/// Everything input_set::next() gives until it has nothing.
std::vector<input_set::item> take_all(input_set& in) {
  std::vector<input_set::item> out;
  while (auto it = in.next())
    out.push_back(std::move(*it));
  return out;
}

/// A compact trace of items: "d0:5" (data from channel 0, first id 5),
/// "b1" (barrier epoch 1), "w10" (watermark 10), "eoi" (end of input), "eos".
std::vector<std::string> trace(const std::vector<input_set::item>& items) {
  std::vector<std::string> out;
  for (auto& it : items)
    switch (it.e.what) {
      case kind::data: out.push_back("d" + std::to_string(it.channel) + ":" + std::to_string(first_id(it.e))); break;
      case kind::barrier: out.push_back("b" + std::to_string(it.e.value)); break;
      case kind::watermark: out.push_back("w" + std::to_string(it.e.value)); break;
      case kind::end_of_input: out.push_back("eoi"); break;
      case kind::end_of_stream: out.push_back("eos"); break;
    }
  return out;
}

using strings = std::vector<std::string>;

/// Seed for the randomized tests: $SLUICE_TEST_SEED or a fixed default.
uint64_t test_seed() {
  const char* s = std::getenv("SLUICE_TEST_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : 20240611ULL;
}

} // namespace flow_helpers

using namespace flow_helpers;
