#define BOOST_TEST_MODULE generator_plugin
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "support/harness.hpp"

using sluice::test::harness;

namespace {

/// The text of string field `name` in a W1 line.
std::string field(const std::string& line, const std::string& name) {
  auto key = "\"" + name + "\":";
  auto p = line.find(key);
  if (p == std::string::npos)
    return "";
  p += key.size();
  if (line[p] == '"') {
    auto q = line.find('"', p + 1);
    return line.substr(p + 1, q - p - 1);
  }
  auto q = line.find_first_of(",}", p);
  return line.substr(p, q - p);
}

/// "2026-01-01T00:00:04.563Z" as ns since the epoch.
int64_t ns_of(const std::string& ts) {
  std::tm tm{};
  BOOST_TEST_REQUIRE(::strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr);
  int64_t ms = std::stoi(ts.substr(20, 3));
  return (static_cast<int64_t>(::timegm(&tm)) * 1000 + ms) * 1000000;
}

} // namespace

BOOST_AUTO_TEST_CASE(count_records_are_emitted_then_the_source_ends) {
  harness h("generator", "count = 250");
  BOOST_TEST_REQUIRE(h.setup_error() == "");
  BOOST_TEST(h.drain(100) == SLUICE_END);
  BOOST_TEST(h.out.size() == 250u);
  harness dflt("generator", "");
  BOOST_TEST(dflt.drain() == SLUICE_END);
  BOOST_TEST(dflt.out.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(ids_are_unique_and_sequential_and_are_the_offsets) {
  harness h("generator", "count = 2000");
  BOOST_TEST(h.drain(333) == SLUICE_END);
  BOOST_TEST_REQUIRE(h.out.size() == 2000u);
  for (size_t i = 0; i < h.out.size(); ++i) {
    BOOST_TEST(field(h.out[i].bytes, "id") == std::to_string(i));
    BOOST_TEST(h.out[i].offset == i);
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_records_and_another_seed_does_not) {
  harness one("generator", "count = 500\nseed = 7");
  harness two("generator", "count = 500\nseed = 7");
  harness other("generator", "count = 500\nseed = 8");
  BOOST_TEST(one.drain(64) == SLUICE_END);
  BOOST_TEST(two.drain(100) == SLUICE_END);
  BOOST_TEST(other.drain() == SLUICE_END);
  BOOST_TEST(one.out_bytes() == two.out_bytes());
  BOOST_TEST(one.out_bytes() != other.out_bytes());
}

BOOST_AUTO_TEST_CASE(records_have_the_w1_shape) {
  harness h("generator", "count = 1");
  BOOST_TEST(h.drain() == SLUICE_END);
  BOOST_TEST_REQUIRE(h.out.size() == 1u);
  auto& line = h.out[0].bytes;
  BOOST_TEST(line.rfind(R"({"id":0,"ts":"2026-01-01T00:00:00.000Z","category":"cat)", 0) == 0u, line);
  BOOST_TEST(field(line, "category").size() == 5u);
  BOOST_TEST(field(line, "user").size() == 5u);
  auto amount = field(line, "amount");
  BOOST_TEST(amount.size() - amount.find('.') == 3u, amount);
}

BOOST_AUTO_TEST_CASE(about_seventy_percent_of_orders_are_active) {
  harness h("generator", "count = 10000");
  BOOST_TEST(h.drain() == SLUICE_END);
  size_t active = 0, other = 0;
  std::set<std::string> categories, statuses;
  for (auto& e : h.out) {
    auto s = field(e.bytes, "status");
    statuses.insert(s);
    categories.insert(field(e.bytes, "category"));
    (s == "active" ? active : other)++;
  }
  BOOST_TEST(active > 6700u);
  BOOST_TEST(active < 7300u);
  BOOST_TEST(statuses == (std::set<std::string>{"active", "inactive", "pending"}));
  BOOST_TEST(categories.size() == 10u);
}

BOOST_AUTO_TEST_CASE(event_time_equals_ts_which_never_goes_back) {
  harness h("generator", "count = 10000");
  BOOST_TEST(h.drain() == SLUICE_END);
  int64_t last = 0;
  for (auto& e : h.out) {
    BOOST_TEST_REQUIRE(e.event_time == ns_of(field(e.bytes, "ts")));
    BOOST_TEST_REQUIRE(e.event_time >= last);
    last = e.event_time;
  }
  // 10,000 steps of 0..120 s average a minute: close to a week.
  double days = (last - h.out.front().event_time) / 86400e9;
  BOOST_TEST(days > 6.0);
  BOOST_TEST(days < 8.0);
}

BOOST_AUTO_TEST_CASE(snapshot_and_restore_continue_the_same_sequence) {
  harness whole("generator", "count = 300\nseed = 3");
  BOOST_TEST(whole.drain() == SLUICE_END);

  harness first("generator", "count = 300\nseed = 3");
  BOOST_TEST(*first.stage().poll(120) == SLUICE_OK);
  auto snap = first.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap));
  harness rest("generator", "count = 300\nseed = 3");
  BOOST_TEST_REQUIRE(!rest.stage().restore(*snap, 1).failed());
  BOOST_TEST(rest.drain() == SLUICE_END);

  auto joined = first.out_bytes();
  for (auto& s : rest.out_bytes())
    joined.push_back(s);
  BOOST_TEST(joined == whole.out_bytes());
  BOOST_TEST(rest.out.front().offset == 120u);
}

BOOST_AUTO_TEST_CASE(a_rate_paces_the_source_without_sleeping) {
  harness h("generator", "count = 0\nrate = 1");
  BOOST_TEST(*h.stage().poll(100) == SLUICE_OK); // the first record is due at once
  BOOST_TEST(h.out.size() == 1u);
  BOOST_TEST(*h.stage().poll(100) == SLUICE_AGAIN); // the next one a second later
  BOOST_TEST(h.out.size() == 1u);
}

BOOST_AUTO_TEST_CASE(count_zero_is_unbounded) {
  harness h("generator", "count = 0");
  BOOST_TEST(h.drain(1000, 50) == SLUICE_AGAIN); // still going after 50 polls
  BOOST_TEST(h.out.size() == 50000u);
}

BOOST_AUTO_TEST_CASE(a_negative_count_or_rate_is_refused) {
  harness h("generator", "count = -1");
  BOOST_TEST(h.setup_error().find("count must be") != std::string::npos, h.setup_error());
  harness r("generator", "rate = -5");
  BOOST_TEST(r.setup_error().find("rate must be") != std::string::npos, r.setup_error());
}
