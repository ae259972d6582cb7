#define BOOST_TEST_MODULE flow batches
#include <boost/test/unit_test.hpp>

#include "support/flow_helpers.hpp"

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

BOOST_AUTO_TEST_CASE(a_held_port_sends_nothing_keeps_batch_size_and_takes_back_the_newest_records) {
  edge e(partition_kind::forward, {}, 1, 3);
  e.grant(0, 100);
  output_port port(3);
  port.add_edge(&e);
  port.hold();
  for (int i = 0; i < 8; ++i) {
    auto l = line(i);
    port.append(record_of(l));
  }
  BOOST_TEST(drain(e).empty()); // held: nothing leaves during the call
  port.take_back(4);            // keep records 0..3: drops 4..7 across two batches
  BOOST_TEST(port.records_out() == 4u);
  port.release();
  auto s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 1u); // the full batch 0..2; record 3 stays open
  BOOST_TEST(s[0][0].records() == 3u);
  port.flush();
  s = drain(e);
  BOOST_TEST_REQUIRE(s[0].size() == 1u);
  BOOST_TEST(s[0][0].records() == 1u);
  BOOST_TEST(first_id(s[0][0]) == 3);
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
