#define BOOST_TEST_MODULE flow sending
#include <boost/test/unit_test.hpp>

#include "support/flow_helpers.hpp"

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
