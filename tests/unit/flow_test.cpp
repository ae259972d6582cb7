#define BOOST_TEST_MODULE flow
#include <boost/test/unit_test.hpp>

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

namespace {

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
/// "b1" (barrier epoch 1), "w10" (watermark 10), "eos".
std::vector<std::string> trace(const std::vector<input_set::item>& items) {
  std::vector<std::string> out;
  for (auto& it : items)
    switch (it.e.what) {
      case kind::data: out.push_back("d" + std::to_string(it.channel) + ":" + std::to_string(first_id(it.e))); break;
      case kind::barrier: out.push_back("b" + std::to_string(it.e.value)); break;
      case kind::watermark: out.push_back("w" + std::to_string(it.e.value)); break;
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

} // namespace

BOOST_AUTO_TEST_SUITE(batches)

BOOST_AUTO_TEST_CASE(append_copies_bytes_and_keys) {
  std::string a = R"({"user":"alice"})", ka = "alice";
  std::string b = R"({"user":"bob"})";
  batch bt;
  auto ra = record_of(a, ka);
  ra.event_time_ns = 42;
  ra.position.offset = 7;
  ra.position.partition = 3;
  bt.append(ra);
  bt.append(record_of(b));
  a.assign(a.size(), 'X');
  ka.assign(ka.size(), 'Y');
  b.assign(b.size(), 'Z');
  bt.seal();
  BOOST_TEST_REQUIRE(bt.size() == 2u);
  BOOST_TEST(!bt.empty());
  BOOST_TEST(bytes_of(bt[0]) == R"({"user":"alice"})");
  BOOST_TEST(std::string(bt[0].key, bt[0].key_size) == "alice");
  BOOST_TEST(bt[0].event_time_ns == 42);
  BOOST_TEST(bt[0].position.offset == 7u);
  BOOST_TEST(bt[0].position.partition == 3u);
  BOOST_TEST(bytes_of(bt[1]) == R"({"user":"bob"})");
  BOOST_TEST(bt[1].key == nullptr);
  BOOST_TEST(bt[1].key_size == 0u);
  BOOST_TEST(bt.bytes() == 16u + 5u + 14u);
  BOOST_TEST(bt.records() == &bt[0]);
}

BOOST_AUTO_TEST_CASE(seal_points_records_into_the_arena_even_after_it_grew) {
  batch bt; // no size hint: the arena reallocates many times
  std::vector<std::string> lines, keys;
  for (int i = 0; i < 1000; ++i) {
    lines.push_back(line(i) + std::string(static_cast<size_t>(i % 37), ' '));
    keys.push_back(i % 3 ? "key-" + std::to_string(i) : "");
  }
  for (size_t i = 0; i < lines.size(); ++i)
    bt.append(record_of(lines[i], keys[i]));
  bt.seal();
  BOOST_TEST_REQUIRE(bt.size() == lines.size());
  const char* lo = bt[0].data;
  const char* hi = lo + bt.bytes();
  for (size_t i = 0; i < lines.size(); ++i) {
    BOOST_TEST(bytes_of(bt[i]) == lines[i]);
    BOOST_TEST((bt[i].data >= lo && bt[i].data + bt[i].size <= hi), "record " << i << " outside the arena");
    if (keys[i].empty())
      BOOST_TEST(bt[i].key == nullptr);
    else
      BOOST_TEST(std::string(bt[i].key, bt[i].key_size) == keys[i]);
  }
  bt.seal(); // sealing twice changes nothing
  BOOST_TEST(bytes_of(bt[999]) == lines[999]);
}

BOOST_AUTO_TEST_CASE(every_record_is_padded_and_64_zero_bytes_follow_the_data) {
  for (size_t hint : {size_t{0}, size_t{3}, size_t{4096}}) {
    batch bt(1, hint);
    std::string a = "abc", b = R"({"x":1})";
    bt.append(record_of(a, "kk"));
    bt.append(record_of(b));
    bt.seal();
    for (size_t i = 0; i < bt.size(); ++i)
      BOOST_TEST((bt[i].flags & SLUICE_RECORD_PADDED) != 0u);
    auto& last = bt[1];
    BOOST_TEST(bt[1].data == bt[0].data + 3 + 2); // a, its key, then b
    for (size_t k = 0; k < batch::padding; ++k)
      BOOST_TEST_REQUIRE(last.data[last.size + k] == '\0', "hint " << hint << ", padding byte " << k);
  }
}

BOOST_AUTO_TEST_CASE(an_empty_record_is_kept) {
  batch bt;
  std::string empty;
  bt.append(record_of(empty));
  bt.seal();
  BOOST_TEST_REQUIRE(bt.size() == 1u);
  BOOST_TEST(bt[0].size == 0u);
  BOOST_TEST(bt[0].data != nullptr);
  BOOST_TEST(bt[0].data[0] == '\0');
}

BOOST_AUTO_TEST_CASE(an_element_counts_the_records_of_its_batch) {
  BOOST_TEST(element::of(batch_of(5)).records() == 5u);
  BOOST_TEST(element::barrier(3).records() == 0u);
  BOOST_TEST(element::barrier(3).value == 3);
  BOOST_TEST(element::watermark(9).value == 9);
  BOOST_TEST((element::end_of_stream().what == kind::end_of_stream));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gauges)

BOOST_AUTO_TEST_CASE(a_gauge_tracks_its_high_water_mark) {
  gauge g;
  BOOST_TEST(g.now() == 0);
  BOOST_TEST(g.max() == 0);
  g.add(5);
  g.add(3);
  BOOST_TEST(g.now() == 8);
  BOOST_TEST(g.max() == 8);
  g.sub(6);
  BOOST_TEST(g.now() == 2);
  BOOST_TEST(g.max() == 8);
  g.add(4);
  BOOST_TEST(g.now() == 6);
  BOOST_TEST(g.max() == 8);
  g.add(10);
  BOOST_TEST(g.now() == 16);
  BOOST_TEST(g.max() == 16);
  g.sub(16);
  BOOST_TEST(g.now() == 0);
  BOOST_TEST(g.max() == 16);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(receiving)

BOOST_AUTO_TEST_CASE(data_is_taken_round_robin_across_channels) {
  input_set in(3);
  for (int k = 0; k < 3; ++k)
    for (size_t c = 0; c < 3; ++c)
      in.push(c, element::of(batch_of(1, static_cast<int>(c) * 100 + k)));
  in.push(0, element::of(batch_of(1, 3)));
  in.push(2, element::of(batch_of(1, 203)));
  in.push(0, element::of(batch_of(1, 4)));
  BOOST_TEST(trace(take_all(in)) ==
                 (strings{"d0:0", "d1:100", "d2:200", "d0:1", "d1:101", "d2:201", "d0:2", "d1:102", "d2:202",
                          "d0:3", "d2:203", "d0:4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_busy_channel_does_not_starve_a_quiet_one) {
  input_set in(2);
  for (int k = 0; k < 10; ++k)
    in.push(0, element::of(batch_of(1, k)));
  BOOST_TEST(trace({*in.next()}) == strings{"d0:0"});
  in.push(1, element::of(batch_of(1, 100)));
  BOOST_TEST(trace({*in.next()}) == strings{"d1:100"});
  BOOST_TEST(trace({*in.next()}) == strings{"d0:1"});
}

BOOST_AUTO_TEST_CASE(a_barrier_aligns_on_all_inputs_before_it_is_forwarded) {
  input_set in(3);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::barrier(1));
  in.push(0, element::of(batch_of(1, 1))); // after the barrier: must wait
  in.push(1, element::of(batch_of(1, 100)));
  in.push(1, element::of(batch_of(1, 101)));
  in.push(1, element::of(batch_of(1, 102)));
  in.push(1, element::barrier(1));
  in.push(1, element::of(batch_of(1, 103)));
  in.push(2, element::of(batch_of(1, 200)));

  BOOST_TEST(trace({*in.next(), *in.next(), *in.next()}) == (strings{"d0:0", "d1:100", "d2:200"}),
             boost::test_tools::per_element());
  BOOST_TEST(!in.aligning());
  // Channel 0 delivers barrier 1 and is held; 1 keeps flowing.
  BOOST_TEST(trace({*in.next()}) == strings{"d1:101"});
  BOOST_TEST(in.aligning());
  BOOST_TEST(trace({*in.next()}) == strings{"d1:102"});
  // Channel 1 delivered it too; channel 2 has not: nothing may come out.
  BOOST_TEST(!in.next().has_value());
  BOOST_TEST(in.aligning());
  in.push(2, element::of(batch_of(1, 201)));
  BOOST_TEST(trace({*in.next()}) == strings{"d2:201"});
  BOOST_TEST(!in.next().has_value());
  in.push(2, element::barrier(1));
  in.push(2, element::of(batch_of(1, 202)));
  auto rest = take_all(in);
  BOOST_TEST(trace(rest) == (strings{"b1", "d0:1", "d1:103", "d2:202"}), boost::test_tools::per_element());
  BOOST_TEST(!in.aligning());
}

BOOST_AUTO_TEST_CASE(exactly_one_barrier_comes_out_per_epoch) {
  input_set in(4);
  for (int epoch = 1; epoch <= 3; ++epoch)
    for (size_t c = 0; c < 4; ++c) {
      in.push(c, element::of(batch_of(1, epoch * 10 + static_cast<int>(c))));
      in.push(c, element::barrier(epoch));
    }
  auto items = take_all(in);
  std::vector<int64_t> barriers;
  size_t data = 0;
  for (auto& it : items) {
    if (it.e.what == kind::barrier)
      barriers.push_back(it.e.value);
    else if (it.e.what == kind::data) {
      ++data;
      // Data of epoch e comes after barrier e-1 and before barrier e.
      BOOST_TEST(first_id(it.e) / 10 == static_cast<int>(barriers.size()) + 1, trace({it})[0]);
    }
  }
  BOOST_TEST(barriers == (std::vector<int64_t>{1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(data == 12u);
}

BOOST_AUTO_TEST_CASE(an_ended_channel_does_not_hold_a_barrier_back) {
  input_set in(2);
  in.push(1, element::end_of_stream());
  in.push(0, element::barrier(7));
  BOOST_TEST(trace(take_all(in)) == strings{"b7"}, boost::test_tools::per_element());
  // A channel ending while the other waits on a barrier releases it.
  input_set in2(2);
  in2.push(0, element::barrier(8));
  in2.push(0, element::of(batch_of(1, 1)));
  BOOST_TEST(!in2.next().has_value());
  in2.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in2)) == (strings{"b8", "d0:1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_watermark_out_is_the_minimum_over_open_channels_and_only_when_it_advances) {
  input_set in(2);
  in.push(0, element::watermark(10));
  BOOST_TEST(!in.next().has_value()); // channel 1 has no watermark yet
  in.push(1, element::watermark(5));
  BOOST_TEST(trace(take_all(in)) == strings{"w5"});
  in.push(1, element::watermark(20));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::watermark(10)); // no advance
  in.push(0, element::watermark(8));  // going back is ignored
  BOOST_TEST(take_all(in).empty());
  in.push(0, element::watermark(30));
  BOOST_TEST(trace(take_all(in)) == strings{"w20"});
  in.push(1, element::watermark(25));
  in.push(1, element::watermark(40));
  BOOST_TEST(trace(take_all(in)) == (strings{"w25", "w30"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(watermarks_keep_their_place_between_data) {
  input_set in(1);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::watermark(100));
  in.push(0, element::of(batch_of(1, 1)));
  BOOST_TEST(trace(take_all(in)) == (strings{"d0:0", "w100", "d0:1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_ended_channel_no_longer_holds_the_watermark_back) {
  input_set in(3);
  in.push(0, element::watermark(10));
  in.push(1, element::watermark(50));
  in.push(2, element::watermark(30));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == strings{"w30"});
  in.push(2, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == strings{"w50"});
  in.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == strings{"eos"});
}

BOOST_AUTO_TEST_CASE(a_channel_ending_during_alignment_still_releases_the_watermark) {
  input_set in(2);
  in.push(0, element::watermark(100));
  in.push(1, element::watermark(10));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::barrier(1));
  in.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"b1", "w100"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(end_of_stream_comes_out_exactly_once_after_every_channel_ended) {
  input_set in(3);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::end_of_stream());
  in.push(1, element::end_of_stream());
  in.push(1, element::end_of_stream()); // a duplicate must not produce a second one
  in.push(2, element::of(batch_of(1, 200)));
  BOOST_TEST(trace(take_all(in)) == (strings{"d0:0", "d2:200"}), boost::test_tools::per_element());
  BOOST_TEST(!in.ended());
  in.push(2, element::of(batch_of(1, 201)));
  in.push(2, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"d2:201", "eos"}), boost::test_tools::per_element());
  BOOST_TEST(in.ended());
  in.push(2, element::end_of_stream());
  BOOST_TEST(take_all(in).empty());
  BOOST_TEST(in.ended());
}

BOOST_AUTO_TEST_CASE(queued_records_counts_data_waiting_in_every_channel) {
  input_set in(2);
  BOOST_TEST(in.channels() == 2u);
  BOOST_TEST(in.queued_records() == 0u);
  in.push(0, element::of(batch_of(3)));
  in.push(1, element::of(batch_of(5)));
  in.push(1, element::watermark(1));
  in.push(0, element::barrier(1));
  in.push(0, element::of(batch_of(2)));
  BOOST_TEST(in.queued_records() == 10u);
  auto a = in.next();
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST(a->channel == 0u);
  BOOST_TEST(in.queued_records() == 7u);
  auto b = in.next();
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(b->channel == 1u);
  BOOST_TEST(in.queued_records() == 2u);
  in.push(1, element::barrier(1)); // releases channel 0's last batch
  take_all(in);
  BOOST_TEST(in.queued_records() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sending)

BOOST_AUTO_TEST_CASE(no_data_leaves_without_credit) {
  gauge g;
  edge e(partition_kind::forward, {}, 1, 4, &g);
  e.push(batch_of(4, 0));
  e.push(batch_of(4, 4));
  e.push(batch_of(2, 8));
  BOOST_TEST(e.destinations() == 1u);
  BOOST_TEST(drain(e).empty());
  BOOST_TEST(e.blocked());
  BOOST_TEST(e.queued_records() == 10u);
  BOOST_TEST(g.now() == 10);
  e.grant(0, 2);
  BOOST_TEST(e.credit(0) == 2u);
  auto s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 2u);
  BOOST_TEST(first_id(s[0][0]) == 0);
  BOOST_TEST(first_id(s[0][1]) == 4);
  BOOST_TEST(e.credit(0) == 0u);
  BOOST_TEST(e.blocked());
  BOOST_TEST(e.queued_records() == 2u);
  BOOST_TEST(drain(e).empty());
  e.grant(0, 5);
  s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 1u);
  BOOST_TEST(first_id(s[0][0]) == 8);
  BOOST_TEST(!e.blocked());
  BOOST_TEST(e.queued_records() == 0u);
  BOOST_TEST(e.credit(0) == 4u);
  BOOST_TEST(g.now() == 10); // the receiver, not the edge, retires records
}

BOOST_AUTO_TEST_CASE(controls_follow_data_in_order_and_need_no_credit) {
  edge e(partition_kind::forward, {}, 1, 4);
  e.push_control(element::watermark(1)); // nothing ahead of it: goes at once
  auto s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 1u);
  BOOST_TEST((s[0][0].what == kind::watermark));
  BOOST_TEST(!e.blocked());

  e.push(batch_of(1, 0));
  e.push_control(element::barrier(1));
  e.push(batch_of(1, 1));
  e.push_control(element::watermark(5));
  e.push_control(element::end_of_stream());
  BOOST_TEST(drain(e).empty()); // the barrier waits behind data without credit
  e.grant(0, 1);
  s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 2u);
  BOOST_TEST((s[0][0].what == kind::data));
  BOOST_TEST((s[0][1].what == kind::barrier));
  BOOST_TEST(s[0][1].value == 1);
  BOOST_TEST(e.blocked());
  e.grant(0, 1);
  s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 3u);
  BOOST_TEST(first_id(s[0][0]) == 1);
  BOOST_TEST((s[0][1].what == kind::watermark));
  BOOST_TEST((s[0][2].what == kind::end_of_stream));
  BOOST_TEST(e.credit(0) == 0u);
}

BOOST_AUTO_TEST_CASE(controls_reach_every_destination) {
  edge e(partition_kind::round_robin, {}, 3, 4);
  e.push_control(element::barrier(4));
  auto s = drain(e);
  for (size_t d = 0; d < 3; ++d) {
    BOOST_TEST_REQUIRE(s[d].size() == 1u);
    BOOST_TEST(s[d][0].value == 4);
  }
}

BOOST_AUTO_TEST_CASE(round_robin_spreads_batches_over_destinations) {
  edge e(partition_kind::round_robin, {}, 3, 4);
  for (size_t d = 0; d < 3; ++d)
    e.grant(d, 100);
  std::vector<size_t> per(3);
  for (int i = 0; i < 30; ++i) {
    e.push(batch_of(1, i));
    for (auto& [d, xs] : drain(e))
      per[d] += xs.size();
  }
  BOOST_TEST(per == (std::vector<size_t>{10, 10, 10}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_robin_spreads_even_when_nobody_has_credit) {
  edge e(partition_kind::round_robin, {}, 3, 4);
  for (int i = 0; i < 9; ++i)
    e.push(batch_of(1, i));
  for (size_t d = 0; d < 3; ++d)
    e.grant(d, 100);
  auto s = drain(e);
  for (size_t d = 0; d < 3; ++d)
    BOOST_TEST(s[d].size() == 3u);
}

BOOST_AUTO_TEST_CASE(round_robin_prefers_a_destination_that_can_take_the_batch_now) {
  edge e(partition_kind::round_robin, {}, 3, 4);
  e.grant(1, 100);
  e.grant(2, 100);
  std::vector<size_t> per(3);
  for (int i = 0; i < 10; ++i) {
    e.push(batch_of(1, i));
    for (auto& [d, xs] : drain(e))
      per[d] += xs.size();
  }
  BOOST_TEST(per == (std::vector<size_t>{0, 5, 5}), boost::test_tools::per_element());
  BOOST_TEST(!e.blocked());
}

BOOST_AUTO_TEST_CASE(broadcast_reaches_every_destination) {
  gauge g;
  edge e(partition_kind::broadcast, {}, 3, 4, &g);
  auto b = batch_of(2);
  e.push(b);
  BOOST_TEST(e.queued_records() == 6u);
  BOOST_TEST(g.now() == 6);
  for (size_t d = 0; d < 3; ++d)
    e.grant(d, 1);
  auto s = drain(e);
  for (size_t d = 0; d < 3; ++d) {
    BOOST_TEST_REQUIRE(s[d].size() == 1u);
    BOOST_TEST(s[d][0].data == b); // shared, not copied
  }
}

BOOST_AUTO_TEST_CASE(an_empty_batch_is_not_sent) {
  edge e(partition_kind::forward, {}, 1, 4);
  e.push(std::make_shared<batch>());
  BOOST_TEST(!e.blocked());
  BOOST_TEST(e.queued_records() == 0u);
}

BOOST_AUTO_TEST_CASE(key_hash_is_fnv1a_of_each_raw_field_and_a_separator) {
  // Each field contributes its raw JSON text, then a 0x1f separator, chained.
  BOOST_TEST(hash_of(R"({"user":"alice","n":1})", {"user"}) == fnv1a("\"alice\"\x1f"));
  BOOST_TEST(hash_of(R"({"region":"eu","user":"alice"})", {"user", "region"}) ==
             fnv1a("\"eu\"\x1f", fnv1a("\"alice\"\x1f")));
  BOOST_TEST(hash_of(R"({"a":{"b":7}})", {"a.b"}) == fnv1a("7\x1f"));
  BOOST_TEST(hash_of(R"({"other":1})", {"user"}) == fnv1a("null\x1f")); // missing: null
  BOOST_TEST(hash_of(R"({"user":1})", {"user"}) == fnv1a("1\x1f"));
  BOOST_TEST(hash_of(R"({"user":"1"})", {"user"}) == fnv1a("\"1\"\x1f"));
  // Without fields, the record key is hashed.
  std::string bytes = "ignored", key = "user-42";
  BOOST_TEST(key_hash(record_of(bytes, key), {}) == fnv1a("user-42"));
  // fnv1a chains: hashing in two parts equals hashing the whole.
  BOOST_TEST(fnv1a("bar", fnv1a("foo")) == fnv1a("foobar"));
}

BOOST_AUTO_TEST_CASE(key_hash_is_fnv1a_64_and_pinned) {
  BOOST_TEST(fnv1a("") == 0xcbf29ce484222325ULL);
  BOOST_TEST(fnv1a("a") == 0xaf63dc4c8601ec8cULL);
  BOOST_TEST(fnv1a("foobar") == 0x85944171f73967e8ULL);
  BOOST_TEST(hash_of(R"({"user":"alice","n":1})", {"user"}) == 0x16bd0062dbc78700ULL);
  BOOST_TEST(hash_of(R"({"region":"eu","user":"alice"})", {"user", "region"}) == 0x4de8c93809247837ULL);
  BOOST_TEST(hash_of(R"({"a":{"b":7}})", {"a.b"}) == 0x07f1e907b4b47dcbULL);
  BOOST_TEST(hash_of(R"({"other":1})", {"user"}) == 0x2ab8439a31424281ULL);
  BOOST_TEST(hash_of(R"({"user":1})", {"user"}) == 0x07f8a907b4ba2fb9ULL);
  BOOST_TEST(hash_of(R"({"user":"1"})", {"user"}) == 0xfa1e19852fc34f1fULL);
  std::string bytes = "ignored", key = "user-42";
  BOOST_TEST(key_hash(record_of(bytes, key), {}) == 0x32c6d7a54d35dacbULL);
  // Routing over 4 instances: "alice" goes to 0, "user-42" to 3.
  BOOST_TEST(hash_of(R"({"user":"alice"})", {"user"}) % 4 == 0u);
  BOOST_TEST(key_hash(record_of(bytes, key), {}) % 4 == 3u);
}

BOOST_AUTO_TEST_CASE(key_hash_ignores_layout_but_not_type) {
  auto h = hash_of(R"({"user":"alice"})", {"user"});
  BOOST_TEST(hash_of(R"({ "user" : "alice" , "x": [1,2] })", {"user"}) == h);
  BOOST_TEST(hash_of("{\"user\"\t:\n\"alice\"\n}", {"user"}) == h);
  BOOST_TEST(hash_of(R"({"n":2, "user":"alice"})", {"user"}) == h);
  BOOST_TEST(hash_of(R"({"user":1})", {"user"}) != hash_of(R"({"user":"1"})", {"user"}));
  BOOST_TEST(hash_of(R"({"user":null})", {"user"}) == hash_of(R"({})", {"user"}));
}

BOOST_AUTO_TEST_CASE(key_hash_reads_padded_and_unpadded_records_alike) {
  std::string json = R"({"user":"alice","n":1})";
  auto unpadded = record_of(json);
  auto b = batch_of_lines({json});
  BOOST_TEST(((*b)[0].flags & SLUICE_RECORD_PADDED) != 0u);
  BOOST_TEST(key_hash((*b)[0], {"user"}) == key_hash(unpadded, {"user"}));
  BOOST_TEST(key_hash((*b)[0], {"user"}) == fnv1a("\"alice\"\x1f"));
}

BOOST_AUTO_TEST_CASE(key_hash_of_a_record_that_is_not_json_is_the_hash_of_its_bytes) {
  BOOST_TEST(hash_of("hello", {"user"}) == fnv1a("hello"));
  BOOST_TEST(hash_of("hello", {"user"}) != hash_of("world", {"user"}));
  BOOST_TEST(hash_of("hello", {"user"}) != hash_of(R"({"other":1})", {"user"}));
}

BOOST_AUTO_TEST_CASE(key_hash_distinguishes_object_and_array_values) {
  BOOST_TEST(hash_of(R"({"k":[1]})", {"k"}) != hash_of(R"({"k":[2]})", {"k"}));
  BOOST_TEST(hash_of(R"({"k":{"a":1}})", {"k"}) != hash_of(R"({"k":{"a":2}})", {"k"}));
}

BOOST_AUTO_TEST_CASE(key_partition_sends_equal_keys_to_the_same_destination) {
  const size_t n = 4;
  gauge g;
  edge e(partition_kind::key, {"user"}, n, 64, &g);
  for (size_t d = 0; d < n; ++d)
    e.grant(d, 100);
  std::vector<std::string> users = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
  std::vector<std::string> lines;
  for (int i = 0; i < 64; ++i)
    lines.push_back("{\"user\":\"" + users[static_cast<size_t>(i * 7 % 8)] + "\",\"i\":" + std::to_string(i) + "}");
  for (int round = 0; round < 3; ++round)
    e.push(batch_of_lines(lines));
  BOOST_TEST(g.now() == 3 * 64);
  std::map<std::string, std::set<size_t>> where;
  std::map<std::string, size_t> count;
  size_t total = 0;
  for (auto& [d, xs] : drain(e))
    for (auto& x : xs)
      for (size_t i = 0; i < x.data->size(); ++i) {
        auto r = (*x.data)[i];
        auto s = bytes_of(r);
        auto user = s.substr(9, s.find('"', 9) - 9);
        where[user].insert(d);
        ++count[user];
        ++total;
        BOOST_TEST(d == key_hash(r, {"user"}) % n);
        BOOST_TEST((r.flags & SLUICE_RECORD_PADDED) != 0u);
      }
  BOOST_TEST(total == 3u * 64u);
  BOOST_TEST(where.size() == users.size());
  for (auto& [user, ds] : where) {
    BOOST_TEST(ds.size() == 1u, user << " went to " << ds.size() << " destinations");
    BOOST_TEST(count[user] == 3u * 8u);
  }
}

BOOST_AUTO_TEST_CASE(key_partition_keeps_record_order_within_a_destination) {
  edge e(partition_kind::key, {"user"}, 2, 64);
  e.grant(0, 10);
  e.grant(1, 10);
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i)
    lines.push_back("{\"user\":\"u" + std::to_string(i % 5) + "\",\"id\":" + std::to_string(i) + "}");
  e.push(batch_of_lines(lines));
  for (auto& [d, xs] : drain(e)) {
    int last = -1;
    for (auto& x : xs)
      for (size_t i = 0; i < x.data->size(); ++i) {
        auto s = bytes_of((*x.data)[i]);
        int id = std::atoi(s.c_str() + s.find("\"id\":") + 5);
        BOOST_TEST(id > last);
        last = id;
      }
  }
}

BOOST_AUTO_TEST_CASE(blocked_reflects_queued_data_only) {
  edge e(partition_kind::round_robin, {}, 2, 4);
  BOOST_TEST(!e.blocked());
  e.push_control(element::watermark(3));
  BOOST_TEST(!e.blocked());
  e.push(batch_of(1));
  BOOST_TEST(e.blocked());
  e.grant(0, 1);
  e.grant(1, 1);
  drain(e);
  BOOST_TEST(!e.blocked());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output_ports)

BOOST_AUTO_TEST_CASE(records_leave_in_batches_of_batch_size) {
  edge e(partition_kind::forward, {}, 1, 3);
  e.grant(0, 100);
  output_port port(3);
  port.add_edge(&e);
  BOOST_TEST(port.edges().size() == 1u);
  for (int i = 0; i < 7; ++i) {
    auto l = line(i);
    port.append(record_of(l));
  }
  auto s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 2u);
  BOOST_TEST(s[0][0].records() == 3u);
  BOOST_TEST(s[0][1].records() == 3u);
  BOOST_TEST(first_id(s[0][1]) == 3);
  BOOST_TEST(port.records_out() == 7u);
  port.flush();
  s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 1u);
  BOOST_TEST(s[0][0].records() == 1u);
  BOOST_TEST(first_id(s[0][0]) == 6);
  port.flush(); // nothing open: nothing sent
  BOOST_TEST(drain(e).empty());
}

BOOST_AUTO_TEST_CASE(a_control_flushes_the_open_batch_first) {
  edge e(partition_kind::forward, {}, 1, 8);
  e.grant(0, 100);
  output_port port(8);
  port.add_edge(&e);
  for (int i = 0; i < 2; ++i) {
    auto l = line(i);
    port.append(record_of(l));
  }
  port.control(element::barrier(3));
  port.control(element::watermark(9));
  auto s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 3u);
  BOOST_TEST((s[0][0].what == kind::data));
  BOOST_TEST(s[0][0].records() == 2u);
  BOOST_TEST((s[0][1].what == kind::barrier));
  BOOST_TEST((s[0][2].what == kind::watermark));
}

BOOST_AUTO_TEST_CASE(every_edge_of_a_port_gets_the_same_sealed_batch) {
  edge a(partition_kind::forward, {}, 1, 2), b(partition_kind::forward, {}, 1, 2);
  a.grant(0, 1);
  b.grant(0, 1);
  output_port port(2);
  port.add_edge(&a);
  port.add_edge(&b);
  std::string x = "x", y = "y";
  port.append(record_of(x));
  port.append(record_of(y));
  auto sa = drain(a), sb = drain(b);
  BOOST_TEST_REQUIRE(sa[0].size() == 1u);
  BOOST_TEST_REQUIRE(sb[0].size() == 1u);
  BOOST_TEST(sa[0][0].data == sb[0][0].data);
  BOOST_TEST(bytes_of((*sa[0][0].data)[1]) == "y");
}

BOOST_AUTO_TEST_CASE(a_port_nobody_reads_counts_and_drops) {
  output_port port(2);
  std::string x = "x";
  for (int i = 0; i < 5; ++i)
    port.append(record_of(x));
  port.flush();
  port.control(element::barrier(1));
  BOOST_TEST(port.records_out() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flow_control)

// One sender (output_port -> edge) and one receiver (input_set) joined by a
// wire that carries batches one way and credit grants the other, each step
// chosen at random. The sender reads a record only while its edge is not
// blocked, as a source reads only with credit.
BOOST_AUTO_TEST_CASE(records_in_flight_never_exceed_credits_times_batch_size_plus_one_batch) {
  const uint64_t seed = test_seed();
  BOOST_TEST_MESSAGE("flow-control bound: seed " << seed << " (set SLUICE_TEST_SEED to replay)");
  std::mt19937_64 rng(seed);
  int rounds_at_bound = 0;
  for (int round = 0; round < 200; ++round) {
    const uint32_t credits = 1 + static_cast<uint32_t>(rng() % 4);
    const uint32_t batch_size = 1 + static_cast<uint32_t>(rng() % 8);
    const int64_t bound = int64_t{credits} * batch_size + batch_size;
    gauge g;
    edge e(partition_kind::forward, {}, 1, batch_size, &g);
    output_port port(batch_size);
    port.add_edge(&e);
    input_set in(1);
    std::deque<element> wire;      // sender -> receiver
    std::deque<uint32_t> grants{credits}; // receiver -> sender
    int produced = 0, consumed = 0, last_id = -1;
    int64_t epoch = 0, max_in_flight = 0;
    for (int step = 0; step < 3000; ++step) {
      switch (rng() % 7) {
        case 0:
        case 1:
          if (!e.blocked()) {
            auto l = line(produced++);
            port.append(record_of(l));
          }
          break;
        case 2:
          if (rng() % 4 == 0)
            port.flush(); // a linger timer fired
          else if (rng() % 8 == 0)
            port.control(element::barrier(++epoch));
          break;
        case 3:
          e.drain([&](size_t, element x) { wire.push_back(std::move(x)); });
          break;
        case 4:
          if (!wire.empty()) {
            in.push(0, std::move(wire.front()));
            wire.pop_front();
          }
          break;
        case 5:
          if (auto it = in.next(); it && it->e.what == kind::data) {
            for (size_t i = 0; i < it->e.data->size(); ++i) {
              int id = id_of((*it->e.data)[i]);
              BOOST_TEST_REQUIRE(id == last_id + 1, "seed " << seed << " round " << round << ": order");
              last_id = id;
            }
            consumed += static_cast<int>(it->e.records());
            g.sub(static_cast<int64_t>(it->e.records()));
            grants.push_back(1);
          }
          break;
        case 6:
          if (!grants.empty()) {
            e.grant(0, grants.front());
            grants.pop_front();
          }
          break;
      }
      int64_t in_flight = produced - consumed;
      max_in_flight = std::max(max_in_flight, in_flight);
      BOOST_TEST_REQUIRE(in_flight <= bound, "seed " << seed << " round " << round << " step " << step
                                                     << ": " << in_flight << " records in flight, credits "
                                                     << credits << ", batch_size " << batch_size);
      BOOST_TEST_REQUIRE(g.now() <= bound);
    }
    BOOST_TEST(g.max() <= bound);
    rounds_at_bound += max_in_flight == bound;
    // Everything produced arrives, once and in order, when the run drains.
    port.control(element::end_of_stream());
    for (int spin = 0; spin < 100000 && !in.ended(); ++spin) {
      while (!grants.empty()) {
        e.grant(0, grants.front());
        grants.pop_front();
      }
      e.drain([&](size_t, element x) { wire.push_back(std::move(x)); });
      while (!wire.empty()) {
        in.push(0, std::move(wire.front()));
        wire.pop_front();
      }
      while (auto it = in.next())
        if (it->e.what == kind::data) {
          for (size_t i = 0; i < it->e.data->size(); ++i) {
            int id = id_of((*it->e.data)[i]);
            BOOST_TEST_REQUIRE(id == last_id + 1, "seed " << seed << " round " << round << ": order at end");
            last_id = id;
          }
          consumed += static_cast<int>(it->e.records());
          g.sub(static_cast<int64_t>(it->e.records()));
          grants.push_back(1);
        }
    }
    BOOST_TEST_REQUIRE(in.ended(), "seed " << seed << " round " << round << ": stream did not end");
    BOOST_TEST(consumed == produced);
    BOOST_TEST(g.now() == 0);
  }
  // The schedule should press against the limit, or the test proves little.
  BOOST_TEST_MESSAGE("rounds that reached the bound exactly: " << rounds_at_bound << " of 200");
}

BOOST_AUTO_TEST_SUITE_END()
