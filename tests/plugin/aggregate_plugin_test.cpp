#define BOOST_TEST_MODULE aggregate_plugin
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/harness.hpp"
#include "support/records.hpp"

using sluice::test::at;
using sluice::test::feed;
using sluice::test::harness;
using sluice::test::rec;
using lines = std::vector<std::string>;

namespace {

void watermark(harness& h, int64_t t) { BOOST_TEST_REQUIRE(!h.stage().watermark(t).failed()); }

std::string row(const std::string& start, const std::string& end, const std::string& rest) {
  return R"({"window_start":"2026-01-01T)" + start + R"(Z","window_end":"2026-01-01T)" + end + "Z\"," + rest + "}";
}

int64_t counter(harness& h, const std::string& name) {
  auto& c = h.stage().counters();
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

const std::string orders_by_category =
  "group_by = [\"category\"]\naggregations = { orders = \"count()\", total = \"sum(amount)\" }\n";

} // namespace

BOOST_AUTO_TEST_CASE(tumbling_windows_count_and_sum_per_group_in_key_order) {
  harness h("aggregate", orders_by_category + "window = \"1m\"");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, {{R"({"category":"b","amount":2})", at(1)},
           {R"({"category":"a","amount":1.5})", at(2)},
           {R"({"category":"a","amount":2.25})", at(59.999)},
           {R"({"category":"a","amount":10})", at(60)}});
  BOOST_TEST(h.out.empty());
  watermark(h, at(60));
  BOOST_TEST(h.out_bytes() == (lines{row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":2,"total":3.75)"),
                                     row("00:00:00.000", "00:01:00.000", R"("category":"b","orders":1,"total":2)")}));
  BOOST_TEST(h.out[0].event_time == at(60) - 1);
  BOOST_TEST(h.out[1].offset == 1u);
  watermark(h, at(119));
  BOOST_TEST(h.out.size() == 2u);
  watermark(h, at(120));
  BOOST_TEST(h.out_bytes().back() == row("00:01:00.000", "00:02:00.000", R"("category":"a","orders":1,"total":10)"));
}

BOOST_AUTO_TEST_CASE(sliding_windows_count_a_record_in_every_window_that_holds_it) {
  harness h("aggregate", "aggregations = { n = \"count()\" }\nwindow = \"10s\"\nslide = \"5s\"");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, {{"{}", at(7)}, {"{}", at(12)}});
  watermark(h, at(20));
  BOOST_TEST(h.out_bytes() == (lines{row("00:00:00.000", "00:00:10.000", R"("n":1)"),
                                     row("00:00:05.000", "00:00:15.000", R"("n":2)"),
                                     row("00:00:10.000", "00:00:20.000", R"("n":1)")}));
}

BOOST_AUTO_TEST_CASE(min_max_avg_read_nested_fields_and_group_values_keep_their_json) {
  harness h("aggregate", "group_by = [\"user.id\", \"region\"]\nwindow = \"1m\"\n"
                         "aggregations = { lo = \"min(m.v)\", hi = \"max(m.v)\", mean = \"avg(m.v)\" }");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  feed(h, {{R"({"user":{"id":7},"m":{"v":4}})", at(1)},
           {R"({"user":{"id":7},"m":{"v":-1.5}})", at(2)},
           {R"({"user":{"id":7},"region":{"x":[1, 2]},"m":{"v":3}})", at(3)}});
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(h.out_bytes() == (lines{row("00:00:00.000", "00:01:00.000", R"("user.id":7,"region":null,"hi":4,"lo":-1.5,"mean":1.25)"),
                                     row("00:00:00.000", "00:01:00.000", R"("user.id":7,"region":{"x":[1, 2]},"hi":3,"lo":3,"mean":3)")}));
}

BOOST_AUTO_TEST_CASE(a_watermark_delay_holds_a_window_open_longer) {
  harness h("aggregate", orders_by_category + "window = \"1m\"\nwatermark_delay = \"5s\"");
  feed(h, {{R"({"category":"a","amount":1})", at(10)}});
  watermark(h, at(64));
  BOOST_TEST(h.out.empty());
  feed(h, {{R"({"category":"a","amount":2})", at(50)}});
  watermark(h, at(65));
  BOOST_TEST(h.out_bytes() == lines{row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":2,"total":3)")});
}

BOOST_AUTO_TEST_CASE(a_record_within_the_allowed_lateness_emits_an_updated_row) {
  harness h("aggregate", orders_by_category + "window = \"1m\"\nallowed_lateness = \"30s\"");
  feed(h, {{R"({"category":"a","amount":1})", at(10)}});
  watermark(h, at(60));
  BOOST_TEST(h.out.size() == 1u);
  feed(h, {{R"({"category":"a","amount":2})", at(20)}, {R"({"category":"b","amount":5})", at(30)}});
  BOOST_TEST(h.out_bytes() == (lines{row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":1,"total":1)"),
                                     row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":2,"total":3)"),
                                     row("00:00:00.000", "00:01:00.000", R"("category":"b","orders":1,"total":5)")}));
  watermark(h, at(89));
  feed(h, {{R"({"category":"a","amount":4})", at(40)}});
  BOOST_TEST(h.out.back().bytes == row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":3,"total":7)"));
  watermark(h, at(90)); // expired now: nothing more is emitted for it
  BOOST_TEST(h.out.size() == 4u);
  feed(h, {{R"({"category":"a","amount":8})", at(50)}});
  BOOST_TEST(h.out_bytes(1) == lines{R"({"category":"a","amount":8})"});
  BOOST_TEST(counter(h, "late_records") == 1);
}

BOOST_AUTO_TEST_CASE(late_records_go_unchanged_to_port_1_and_are_counted) {
  harness h("aggregate", orders_by_category + "window = \"1m\"");
  BOOST_TEST(h.stage().desc().side_outputs[0] == std::string{"late"});
  BOOST_TEST(h.stage().desc().side_outputs[1] == nullptr);
  watermark(h, at(120));
  feed(h, {{R"({"category":"a", "amount":1})", at(119)}, {R"({"category":"a","amount":1})", at(120)}}, 7);
  BOOST_TEST_REQUIRE(h.out.size() == 1u);
  BOOST_TEST(h.out[0].port == 1u);
  BOOST_TEST(h.out[0].bytes == R"({"category":"a", "amount":1})");
  BOOST_TEST(h.out[0].event_time == at(119));
  BOOST_TEST(h.out[0].offset == 7u);
  BOOST_TEST(counter(h, "late_records") == 1);
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(h.out_bytes() == lines{row("00:02:00.000", "00:03:00.000", R"("category":"a","orders":1,"total":1)")});
}

BOOST_AUTO_TEST_CASE(finish_emits_every_open_window_in_order) {
  harness h("aggregate", orders_by_category + "window = \"1m\"");
  feed(h, {{R"({"category":"b","amount":1})", at(200)}, {R"({"category":"a","amount":1})", at(5)}});
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(h.out_bytes() == (lines{row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":1,"total":1)"),
                                     row("00:03:00.000", "00:04:00.000", R"("category":"b","orders":1,"total":1)")}));
}

BOOST_AUTO_TEST_CASE(records_without_time_or_numeric_input_are_skipped_and_counted) {
  harness h("aggregate", orders_by_category + "window = \"1m\"");
  feed(h, {{R"({"category":"a","amount":1})", SLUICE_NO_TIME},
           {R"({"category":"a"})", at(1)},
           {R"({"category":"a","amount":"12"})", at(1)},
           {"not json", at(1)},
           {R"({"category":"a","amount":3})", at(1)}});
  BOOST_TEST(!h.stage().finish().failed());
  BOOST_TEST(h.out_bytes() == lines{row("00:00:00.000", "00:01:00.000", R"("category":"a","orders":1,"total":3)")});
  BOOST_TEST(counter(h, "skipped_records") == 4);
  BOOST_TEST_REQUIRE(h.dead.size() == 1u);
  BOOST_TEST(h.dead[0].second == "aggregate: record at offset 3 is not a JSON object");
}

BOOST_AUTO_TEST_CASE(bad_options_fail_create_with_the_option_named) {
  auto error_of = [](const std::string& options) { return harness("aggregate", options).setup_error(); };
  BOOST_TEST(error_of("aggregations = { total = \"summ(amount)\" }\nwindow = \"1m\"").find(
               R"(aggregations.total: unknown function "summ" (expected count, sum, min, max, avg))") !=
             std::string::npos);
  BOOST_TEST(error_of("aggregations = { n = \"count(x)\" }\nwindow = \"1m\"").find("count() takes no field") !=
             std::string::npos);
  BOOST_TEST(error_of("aggregations = { s = \"sum()\" }\nwindow = \"1m\"").find("aggregations.s: sum() needs") !=
             std::string::npos);
  BOOST_TEST(error_of("aggregations = { s = \"sum amount\" }\nwindow = \"1m\"").find("aggregations.s: expected") !=
             std::string::npos);
  BOOST_TEST(error_of("aggregations = { n = \"count()\" }\nwindow = \"1m\"\nslide = \"2m\"").find("slide:") !=
             std::string::npos);
  BOOST_TEST(error_of("group_by = [\"n\"]\naggregations = { n = \"count()\" }\nwindow = \"1m\"").find("clashes") !=
             std::string::npos);
  BOOST_TEST(error_of("aggregations = { n = \"count()\" }").find("window") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_snapshot_from_other_options_or_schema_is_refused) {
  harness a("aggregate", orders_by_category + "window = \"1m\"");
  auto snap = a.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  harness b("aggregate", orders_by_category + "window = \"2m\"");
  auto st = b.stage().restore(*snap, 1);
  BOOST_TEST_REQUIRE(st.failed());
  BOOST_TEST(st.message().find("cannot change on a restore") != std::string::npos);
  harness c("aggregate", orders_by_category + "window = \"1m\"");
  BOOST_TEST(c.stage().restore(*snap, 2).failed());
  BOOST_TEST(c.stage().restore("sluice-aggregate 1\nfingerprint 9999:x", 1).failed());
  BOOST_TEST(!c.stage().restore(*snap, 1).failed());
}

// ---- exactness: batch boundaries and a restore at a checkpoint change nothing ----

namespace {

/// A script item: a record, or a watermark when `line` is empty.
using script = std::vector<rec>;

const std::string property_options =
  "group_by = [\"g\"]\nwindow = \"20s\"\nslide = \"10s\"\nwatermark_delay = \"3s\"\nallowed_lateness = \"8s\"\n"
  "aggregations = { n = \"count()\", s = \"sum(v)\", lo = \"min(v)\", hi = \"max(v)\", mean = \"avg(v)\" }";

script make_script(std::mt19937_64& rng, size_t n) {
  script s;
  double now = 0, high = -1;
  std::uniform_real_distribution<double> step(0, 2.5), back(0, 25), u(0, 1);
  const char* groups[] = {R"("a")", R"("b")", "3", "null"};
  for (size_t i = 0; i < n; ++i) {
    now += step(rng);
    double t = u(rng) < 0.25 ? now - back(rng) : now;
    std::string v = std::to_string(static_cast<int>(u(rng) * 100000) - 20000) + "." + std::to_string(rng() % 1000);
    std::string line = R"({"g":)" + std::string{groups[rng() % 4]} + (u(rng) < 0.05 ? "" : R"(,"v":)" + v) + "}";
    s.push_back({line, at(t)});
    high = std::max(high, t);
    if (u(rng) < 0.15)
      s.push_back({"", at(high)});
  }
  return s;
}

/// Runs items [from, to) of `s` in random batches (watermarks split batches).
void run(harness& h, const script& s, size_t from, size_t to, std::mt19937_64& rng) {
  size_t i = from;
  while (i < to) {
    if (s[i].line.empty()) {
      watermark(h, s[i++].t);
      continue;
    }
    size_t j = i, limit = i + 1 + rng() % 12;
    while (j < to && j < limit && !s[j].line.empty())
      ++j;
    feed(h, script(s.begin() + static_cast<long>(i), s.begin() + static_cast<long>(j)), i);
    i = j;
  }
}

std::vector<std::string> described(const harness& h) {
  std::vector<std::string> v;
  for (auto& e : h.out)
    v.push_back(std::to_string(e.port) + " " + std::to_string(e.event_time) + " " + std::to_string(e.offset) +
                " " + e.bytes);
  return v;
}

uint64_t base_seed() {
  if (const char* s = std::getenv("SLUICE_TEST_SEED"))
    return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_restore_at_any_checkpoint_and_any_batching_give_the_uninterrupted_output) {
  const uint64_t seed = base_seed();
  std::cout << "aggregate property test seed " << seed << " (rerun with SLUICE_TEST_SEED=" << seed << ")\n";
  size_t late = 0, updates = 0;
  for (uint64_t k = 0; k < 40; ++k) {
    BOOST_TEST_CONTEXT("seed " << seed << " case " << k) {
      std::mt19937_64 rng(seed + k);
      script s = make_script(rng, 150 + rng() % 150);

      harness whole("aggregate", property_options);
      BOOST_TEST_REQUIRE(whole.setup_error() == "");
      run(whole, s, 0, s.size(), rng);
      BOOST_TEST_REQUIRE(!whole.stage().finish().failed());

      size_t cut = rng() % (s.size() + 1);
      harness before("aggregate", property_options);
      run(before, s, 0, cut, rng);
      BOOST_TEST_REQUIRE(!before.stage().flush().failed());
      auto snap = before.stage().snapshot();
      BOOST_TEST_REQUIRE(bool(snap));
      const size_t committed = before.out.size();
      run(before, s, cut, std::min(s.size(), cut + 20), rng); // work after the checkpoint is lost in the crash

      harness after("aggregate", property_options);
      BOOST_TEST_REQUIRE(!after.stage().restore(*snap, 1).failed());
      run(after, s, cut, s.size(), rng);
      BOOST_TEST_REQUIRE(!after.stage().finish().failed());

      auto joined = described(before);
      joined.resize(committed);
      for (auto& line : described(after))
        joined.push_back(line);
      BOOST_TEST_REQUIRE(joined == described(whole), "cut at item " << cut << " of " << s.size());
      BOOST_TEST(whole.out.size() > 10u);
      std::set<std::string> rows;
      for (auto& e : whole.out) {
        late += e.port == 1 ? 1 : 0;
        updates += e.port == 0 && !rows.insert(e.bytes.substr(0, e.bytes.find(",\"hi\":"))).second ? 1 : 0;
      }
    }
  }
  BOOST_TEST(late > 0u); // the scripts exercise late records and late updates
  BOOST_TEST(updates > 0u);
}
