#define BOOST_TEST_MODULE faults
#include <boost/test/unit_test.hpp>

#include <deque>

#include "faults/breaker.hpp"
#include "faults/runner.hpp"
#include "support/config_helpers.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using config_helpers::good;
using config_helpers::only_error;

namespace {

const std::string one_stage = "[[stage]]\nname = \"s\"\nplugin = \"stdout-sink\"\n";

/// A stage host whose plugin fails as `script` says, call by call.
struct fake_host : faults::runner_host {
  std::deque<plugin::call_failure> script; ///< failures, in order; an empty one = a success
  std::vector<std::pair<size_t, size_t>> calls; ///< (first record, count) of each call
  std::vector<std::string> dead;                ///< "offset:reason:attempts"
  std::vector<size_t> discards;
  std::map<std::string, int64_t> counts;
  const sluice_record* base = nullptr;

  bool call(const sluice_record* r, size_t n, plugin::call_failure& f) override {
    calls.emplace_back(static_cast<size_t>(r - base), n);
    if (script.empty() || script.front().message.empty()) {
      if (!script.empty())
        script.pop_front();
      return true;
    }
    f = script.front();
    script.pop_front();
    return false;
  }
  void discard_emitted(size_t keep) override { discards.push_back(keep); }
  void dead_letter(const sluice_record& r, const std::string& reason, uint32_t attempts) override {
    dead.push_back(std::to_string(r.position.offset) + ":" + reason + ":" + std::to_string(attempts));
  }
  void count(const char* name, int64_t d) override { counts[name] += d; }
  std::string label() const override { return "s#0 (fake)"; }
};

plugin::call_failure at(size_t index, size_t emitted, const char* msg, uint32_t blame = SLUICE_BLAME_READING) {
  plugin::call_failure f;
  f.message = msg;
  f.has_record = true;
  f.index = index;
  f.emitted = emitted;
  f.blame = blame;
  return f;
}

plugin::call_failure whole(const char* msg) {
  plugin::call_failure f;
  f.message = msg;
  return f;
}

std::vector<sluice_record> records(size_t n) {
  std::vector<sluice_record> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i].position.offset = i;
  return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_from_min_and_stops_at_max) {
  faults::backoff b{100'000'000, 1'000'000'000};
  BOOST_TEST(b.delay(1) == 100'000'000);
  BOOST_TEST(b.delay(2) == 200'000'000);
  BOOST_TEST(b.delay(4) == 800'000'000);
  BOOST_TEST(b.delay(5) == 1'000'000'000);
  BOOST_TEST(b.delay(60) == 1'000'000'000);
}

BOOST_AUTO_TEST_CASE(stage_fault_policies_default_as_documented_and_read_from_the_stage) {
  auto d = good(one_stage);
  auto& s = d.stages[0];
  BOOST_TEST(s.restart.max == 5u);
  BOOST_TEST(s.restart.within_ns == 60'000'000'000);
  BOOST_TEST(s.restart.wait.str() == "100ms..10s");
  BOOST_TEST(s.on_error.retries == 3u);
  BOOST_TEST(s.on_error.wait.str() == "100ms..5s");
  BOOST_TEST(faults::to_string(s.on_error.then) == "dead-letter");
  BOOST_TEST(s.breaker.failures == 5u);
  BOOST_TEST(s.breaker.open_for_ns == 30'000'000'000);
  auto p = good(one_stage + "restart = { max = 2, within = \"10s\", backoff = \"1s..2s\" }\n"
                            "on_error = { retries = 0, then = \"drop\" }\nbreaker = { failures = 3, open_for = \"1m\" }\n");
  BOOST_TEST(p.stages[0].restart.max == 2u);
  BOOST_TEST(p.stages[0].restart.wait.str() == "1s..2s");
  BOOST_TEST(p.stages[0].on_error.retries == 0u);
  BOOST_TEST(faults::to_string(p.stages[0].on_error.then) == "drop");
  BOOST_TEST(p.stages[0].breaker.open_for_ns == 60'000'000'000);
}

BOOST_AUTO_TEST_CASE(a_bad_fault_policy_is_refused_at_its_place_with_the_closest_word) {
  BOOST_TEST(only_error(one_stage + "on_error = { then = \"dead_letter\" }\n") ==
             "p.toml:4:21: `on_error.then` is \"dead_letter\"; expected \"dead-letter\", \"drop\" or \"fail\" (did "
             "you mean \"dead-letter\"?)");
  BOOST_TEST(only_error(one_stage + "restart = { max = 3, withn = \"1m\" }\n") ==
             "p.toml:4:30: stage s: `restart` has no field `withn` (did you mean `within`?)");
  BOOST_TEST(only_error(one_stage + "on_error = { backoff = \"5s..1s\" }\n") ==
             "p.toml:4:24: `on_error.backoff` is \"5s..1s\"; expected \"min..max\" like \"100ms..5s\" (min > 0, max "
             ">= min)");
  BOOST_TEST(only_error(one_stage + "breaker = 5\n") ==
             "p.toml:4:11: stage s: `breaker` expects a table like { failures, open_for }");
}

BOOST_AUTO_TEST_CASE(a_breaker_opens_after_failures_in_a_row_probes_once_half_open_and_closes_on_success) {
  faults::breaker b{{3, 1'000'000'000}};
  auto t0 = faults::breaker::clock::now();
  BOOST_TEST(b.allow(t0));
  BOOST_TEST(!b.failure(t0));
  BOOST_TEST(!b.failure(t0));
  BOOST_TEST(b.failure(t0)); // the third in a row opens it
  BOOST_TEST(!b.allow(t0 + 999ms));
  BOOST_TEST(b.allow(t0 + 1s));
  BOOST_TEST(faults::to_string(b.current()) == "half-open");
  BOOST_TEST(b.failure(t0 + 1s)); // a failed probe opens it again at once
  BOOST_TEST(!b.allow(t0 + 1500ms));
  BOOST_TEST(b.allow(t0 + 2s));
  BOOST_TEST(b.success());
  BOOST_TEST(faults::to_string(b.current()) == "closed");
  BOOST_TEST(!b.failure(t0 + 3s)); // the count starts over
}

BOOST_AUTO_TEST_CASE(a_transform_failing_on_one_record_keeps_the_ones_before_retries_it_alone_then_dead_letters_it) {
  fake_host h;
  auto rs = records(10);
  h.base = rs.data();
  h.script = {at(4, 3, "bad"), at(0, 0, "bad"), at(0, 0, "bad")};
  faults::runner r{false, {2, {1000, 1000}, faults::then_action::dead_letter}, {}, h};
  r.start(rs.data(), rs.size());
  auto now = faults::runner::clock::now();
  BOOST_TEST(r.run(now).what == faults::runner::outcome::wait);
  BOOST_TEST(r.run(now).what == faults::runner::outcome::wait);
  BOOST_TEST(r.run(now).what == faults::runner::outcome::done);
  BOOST_TEST(!r.busy());
  std::vector<std::pair<size_t, size_t>> calls{{0, 10}, {4, 1}, {4, 1}, {5, 5}};
  BOOST_TEST((h.calls == calls));
  BOOST_TEST(h.discards == (std::vector<size_t>{3, 0, 0})); // record 4's own early emits are taken back
  BOOST_TEST(h.dead == std::vector<std::string>{"4:bad:3"});
}

BOOST_AUTO_TEST_CASE(a_record_that_succeeds_on_retry_is_not_dead_lettered) {
  fake_host h;
  auto rs = records(3);
  h.base = rs.data();
  h.script = {at(1, 1, "glitch")};
  faults::runner r{false, {}, {}, h};
  r.start(rs.data(), rs.size());
  auto o = r.run(faults::runner::clock::now());
  BOOST_TEST(o.what == faults::runner::outcome::wait);
  BOOST_TEST(o.delay.count() == 100'000'000); // the default backoff starts at 100ms
  BOOST_TEST(r.run(faults::runner::clock::now()).what == faults::runner::outcome::done);
  BOOST_TEST(h.dead.empty());
  BOOST_TEST((h.calls == std::vector<std::pair<size_t, size_t>>{{0, 3}, {1, 1}, {2, 1}}));
}

BOOST_AUTO_TEST_CASE(then_fail_fails_the_stage_naming_the_attempts_and_the_message) {
  fake_host h;
  auto rs = records(2);
  h.base = rs.data();
  h.script = {at(0, 0, "nope")};
  faults::runner r{false, {0, {}, faults::then_action::fail}, {}, h};
  r.start(rs.data(), rs.size());
  auto o = r.run(faults::runner::clock::now());
  BOOST_TEST(o.what == faults::runner::outcome::failed);
  BOOST_TEST(o.message == "s#0 (fake) failed on a record after 1 attempt(s): nope");
}

BOOST_AUTO_TEST_CASE(a_failure_naming_no_record_applies_to_the_whole_call) {
  fake_host h;
  auto rs = records(3);
  h.base = rs.data();
  h.script = {whole("all bad")};
  faults::runner r{false, {0, {}, faults::then_action::dead_letter}, {}, h};
  r.start(rs.data(), rs.size());
  BOOST_TEST(r.run(faults::runner::clock::now()).what == faults::runner::outcome::done);
  BOOST_TEST(h.dead.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_sinks_delivery_failures_never_dead_letter_and_wait_for_the_breaker) {
  fake_host h;
  auto rs = records(4);
  h.base = rs.data();
  for (int i = 0; i < 6; ++i)
    h.script.push_back(whole("refused"));
  faults::runner r{true, {0, {1000, 1000}, faults::then_action::dead_letter}, {2, 5'000'000'000}, h};
  r.start(rs.data(), rs.size());
  auto t0 = faults::runner::clock::now();
  BOOST_TEST(r.run(t0).delay.count() == 1000); // first failure: backoff
  auto o = r.run(t0);                                           // second: the breaker opens
  BOOST_TEST(o.what == faults::runner::outcome::wait);
  BOOST_TEST(o.delay.count() == 5'000'000'000);
  BOOST_TEST(r.run(t0 + 1s).what == faults::runner::outcome::wait); // still open: no attempt
  BOOST_TEST(h.calls.size() == 2u);
  BOOST_TEST(h.dead.empty());
  BOOST_TEST(h.counts["breaker_opened"] == 1);
  h.script.clear();
  BOOST_TEST(r.run(t0 + 5s).what == faults::runner::outcome::done); // the probe goes through
  BOOST_TEST(h.counts["breaker_closed"] == 1);
  BOOST_TEST((h.calls.back() == std::pair<size_t, size_t>{0, 4}));
}

BOOST_AUTO_TEST_CASE(a_sink_record_error_goes_through_on_error_not_the_breaker) {
  fake_host h;
  auto rs = records(3);
  h.base = rs.data();
  h.script = {at(1, 0, "rejected", SLUICE_BLAME_RECORD)};
  faults::runner r{true, {0, {}, faults::then_action::dead_letter}, {}, h};
  r.start(rs.data(), rs.size());
  BOOST_TEST(r.run(faults::runner::clock::now()).what == faults::runner::outcome::done);
  BOOST_TEST(h.dead == std::vector<std::string>{"1:rejected:1"});
  BOOST_TEST(h.counts["breaker_opened"] == 0);
}

BOOST_AUTO_TEST_CASE(a_sink_failing_while_reading_a_record_gets_the_whole_call_again) {
  fake_host h;
  auto rs = records(5);
  h.base = rs.data();
  h.script = {at(4, 0, "timeout")}; // it may have buffered 0..3 and never sent them
  faults::runner r{true, {}, {}, h};
  r.start(rs.data(), rs.size());
  BOOST_TEST(r.run(faults::runner::clock::now()).what == faults::runner::outcome::wait);
  BOOST_TEST(r.run(faults::runner::clock::now()).what == faults::runner::outcome::done);
  BOOST_TEST((h.calls == std::vector<std::pair<size_t, size_t>>{{0, 5}, {0, 5}}));
}

BOOST_AUTO_TEST_CASE(a_failed_host_service_fails_the_stage_instead_of_dead_lettering_the_record) {
  fake_host h;
  auto rs = records(3);
  h.base = rs.data();
  auto f = at(1, 0, "state_put failed: no space left");
  f.has_record = false;
  f.host_error = true;
  h.script = {f};
  faults::runner r{false, {}, {}, h};
  r.start(rs.data(), rs.size());
  auto o = r.run(faults::runner::clock::now());
  BOOST_TEST(o.what == faults::runner::outcome::failed);
  BOOST_TEST(o.message == "s#0 (fake) failed: state_put failed: no space left");
  BOOST_TEST(h.dead.empty());
}
