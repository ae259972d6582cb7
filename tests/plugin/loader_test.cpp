#define BOOST_TEST_MODULE loader
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "plugin/instance.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"
#include "support/harness.hpp"
#include "support/process.hpp"

using namespace sluice;
using sluice::test::harness;

namespace {

std::string stages_so() { return test::test_plugins() + "/test-stages.so"; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A one-stage pipeline using `spec`, with its options bound against the plugin's table.
struct bound_stage {
  config::pipeline p;
  plugin::registry reg{plugin::exe_dir()};
  plugin::resolved res;
  plugin::bind_result bound;

  bound_stage(const std::string& spec, const std::string& options) {
    auto text = "[[stage]]\nname = \"s\"\nplugin = \"" + spec + "\"\n" + options;
    auto loaded = config::load_string(text, "t.toml");
    std::string all;
    for (auto& e : loaded.errors)
      all += e.str() + "\n";
    BOOST_TEST_REQUIRE(loaded.value.has_value(), all);
    p = std::move(*loaded.value);
    auto r = reg.resolve(spec);
    BOOST_TEST_REQUIRE(bool(r), (r ? std::string{} : r.message()));
    res = *r;
    bound = plugin::bind_options(*res.stage, p.stages.front(), "t.toml");
  }

  std::string joined() const {
    std::string all;
    for (auto& e : bound.errors)
      all += e.str() + "\n";
    return all;
  }

  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (auto& e : bound.errors)
      out.push_back(e.str());
    return out;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(resolving)

BOOST_AUTO_TEST_CASE(a_path_with_a_stage_name_resolves_that_stage) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve(stages_so() + "#slow-sink");
  BOOST_TEST_REQUIRE(bool(r), (r ? std::string{} : r.message()));
  BOOST_TEST(std::string{r->stage->name} == "slow-sink");
  BOOST_TEST(r->stage->kind == uint32_t{SLUICE_KIND_SINK});
  BOOST_TEST(r->lib->path() == std::filesystem::absolute(stages_so()).lexically_normal().string());
  // A second stage of the same file shares the open library.
  auto r2 = reg.resolve(stages_so() + "#seq-source");
  BOOST_TEST_REQUIRE(bool(r2), (r2 ? std::string{} : r2.message()));
  BOOST_TEST(std::string{r2->stage->name} == "seq-source");
  BOOST_TEST(r2->lib == r->lib);
}

BOOST_AUTO_TEST_CASE(a_library_with_several_stages_needs_a_stage_name) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve(stages_so());
  BOOST_TEST_REQUIRE(!r);
  auto m = r.message();
  BOOST_TEST(contains(m, "provides stages seq-source, slow-sink, failing-transform"), m);
  BOOST_TEST(contains(m, "pick one with \"" + stages_so() + "#NAME\""), m);
}

BOOST_AUTO_TEST_CASE(an_unknown_stage_name_lists_the_stages_of_the_library) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve(stages_so() + "#seq-sourse");
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), "provides stages seq-source, slow-sink, failing-transform, throttle, not \"seq-sourse\""),
             r.message());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_named) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve(test::test_plugins() + "/nothing-here.so#x");
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(r.message() == "plugin file " + test::test_plugins() + "/nothing-here.so does not exist");
}

BOOST_AUTO_TEST_CASE(a_built_in_name_is_found_on_the_plugin_path) {
  plugin::registry reg{"/nonexistent-sluice-bin"};
  BOOST_TEST(reg.search_dirs().back() == test::env("SLUICE_PLUGIN_PATH"));
  auto r = reg.resolve("filter");
  BOOST_TEST_REQUIRE(bool(r), (r ? std::string{} : r.message()));
  BOOST_TEST(std::string{r->stage->name} == "filter");
  BOOST_TEST(std::filesystem::path(r->lib->path()).filename() == "sluice-filter.so");
  auto names = reg.available();
  BOOST_TEST((std::find(names.begin(), names.end(), "filter") != names.end()));
}

BOOST_AUTO_TEST_CASE(an_unknown_built_in_lists_where_it_looked_and_suggests_a_close_name) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve("filtr");
  BOOST_TEST_REQUIRE(!r);
  auto m = r.message();
  BOOST_TEST(m.rfind("unknown plugin \"filtr\" (did you mean \"filter\"?); looked in:", 0) == 0u, m);
  BOOST_TEST_REQUIRE(reg.search_dirs().size() >= 3u);
  for (auto& d : reg.search_dirs())
    BOOST_TEST(contains(m, "\n  " + d), m);
  BOOST_TEST(contains(m, "\n  " + test::env("SLUICE_PLUGIN_PATH")), m);
  BOOST_TEST(contains(m, "set SLUICE_PLUGIN_PATH or give a path to a .so"), m);
}

BOOST_AUTO_TEST_CASE(an_unrelated_unknown_name_gets_no_suggestion) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve("zzzzzzzzzzzzzzzz");
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(!contains(r.message(), "did you mean"), r.message());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(defaults_are_applied_for_omitted_options) {
  bound_stage b(stages_so() + "#seq-source", "");
  BOOST_TEST(b.errors().empty(), b.joined());
  auto count = b.bound.options.find("count");
  BOOST_TEST_REQUIRE(count != nullptr);
  BOOST_TEST(count->type == uint32_t{SLUICE_OPT_INT});
  BOOST_TEST(count->i == 1000);
  BOOST_TEST(count->f == 1000.0);
  BOOST_TEST(std::string{count->str} == "1000");
  BOOST_TEST(b.bound.options.find("keys")->i == 10);
  BOOST_TEST(b.bound.options.find("nope") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_duration_default_is_applied) {
  bound_stage slow(stages_so() + "#slow-sink", "");
  BOOST_TEST(slow.errors().empty(), slow.joined());
  auto delay = slow.bound.options.find("delay");
  BOOST_TEST_REQUIRE(delay != nullptr);
  BOOST_TEST(delay->type == uint32_t{SLUICE_OPT_DURATION});
  BOOST_TEST(delay->i == 10000000);
  BOOST_TEST(std::string{delay->str} == "10ms");
}

BOOST_AUTO_TEST_CASE(given_options_override_defaults) {
  bound_stage b(stages_so() + "#seq-source", "count = 25\n");
  BOOST_TEST(b.errors().empty());
  BOOST_TEST(b.bound.options.find("count")->i == 25);
  BOOST_TEST(b.bound.options.find("keys")->i == 10);
  bound_stage slow(stages_so() + "#slow-sink", "delay = \"2s\"\n");
  BOOST_TEST(slow.bound.options.find("delay")->i == 2000000000);
}

BOOST_AUTO_TEST_CASE(a_missing_required_option_is_reported_at_the_stage) {
  bound_stage b(stages_so() + "#failing-transform", "");
  BOOST_TEST(b.errors() == (std::vector<std::string>{
                             "t.toml:1:1: stage s needs option `fail_at` (0-based record number to fail on)"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_wrong_type_is_reported_at_the_value) {
  bound_stage b(stages_so() + "#seq-source", "keys = 3\ncount = \"ten\"\n");
  BOOST_TEST(b.errors() == (std::vector<std::string>{
                             "t.toml:5:9: stage s: option `count` expects an integer, found a string"}),
             boost::test_tools::per_element());
  bound_stage slow(stages_so() + "#slow-sink", "delay = \"soon\"\n");
  BOOST_TEST(slow.errors() == (std::vector<std::string>{
                                "t.toml:4:9: stage s: option `delay` is \"soon\"; expected a duration like "
                                "\"200ms\", \"1s\", \"5m\""}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unknown_option_is_reported_at_its_key_with_a_suggestion) {
  bound_stage b(stages_so() + "#seq-source", "cuont = 5\n");
  BOOST_TEST(b.errors() == (std::vector<std::string>{
                             "t.toml:4:1: stage s (plugin seq-source) has no option `cuont` (did you mean "
                             "`count`?); see `sluice inspect seq-source`"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(runtime_keys_are_not_plugin_options) {
  bound_stage b(stages_so() + "#seq-source", "parallelism = 2\npartition = \"round_robin\"\n");
  BOOST_TEST(b.errors().empty(), b.joined());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(instances)

BOOST_AUTO_TEST_CASE(a_source_is_drained_through_the_real_loader) {
  harness h(stages_so() + "#seq-source", "count = 25\nkeys = 3");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  BOOST_TEST(h.stage().label() == "under-test#0");
  BOOST_TEST(std::string{h.stage().desc().name} == "seq-source");
  BOOST_TEST(h.drain(4) == int{SLUICE_END});
  BOOST_TEST_REQUIRE(h.out.size() == 25u);
  for (size_t i = 0; i < h.out.size(); ++i) {
    BOOST_TEST(h.out[i].bytes == "{\"id\":" + std::to_string(i) + ",\"k\":\"k" + std::to_string(i % 3) + "\"}");
    BOOST_TEST(h.out[i].offset == i);
    BOOST_TEST(h.out[i].event_time == SLUICE_NO_TIME);
    BOOST_TEST(h.out[i].port == 0u);
  }
  BOOST_TEST(h.dead.empty());
}

BOOST_AUTO_TEST_CASE(instance_i_of_n_emits_its_share) {
  harness h(stages_so() + "#seq-source", "count = 10", 1, 3);
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  BOOST_TEST(h.stage().index() == 1u);
  BOOST_TEST(h.drain() == int{SLUICE_END});
  std::vector<uint64_t> offsets;
  for (auto& e : h.out)
    offsets.push_back(e.offset);
  BOOST_TEST(offsets == (std::vector<uint64_t>{1, 4, 7}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_plugin_exception_becomes_an_error_with_its_text) {
  harness h(stages_so() + "#failing-transform", "fail_at = 2");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  sluice::status st;
  BOOST_CHECK_NO_THROW(st = h.process({"{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}"}));
  BOOST_TEST_REQUIRE(st.failed());
  BOOST_TEST(contains(st.message(), "refusing record 2 on purpose"), st.message());
  BOOST_TEST(st.message() ==
             "stage under-test#0 (failing-transform) failed in process: refusing record 2 on purpose");
  BOOST_TEST(h.out_bytes() == (std::vector<std::string>{"{\"n\":0}", "{\"n\":1}"}), boost::test_tools::per_element());
  // The next call succeeds and carries no stale message.
  BOOST_CHECK_NO_THROW(st = h.process({"{\"n\":4}"}));
  BOOST_TEST(!st.failed());
  BOOST_TEST(h.out.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_missing_required_option_stops_the_harness_before_create) {
  harness h(stages_so() + "#failing-transform", "");
  BOOST_TEST(contains(h.setup_error(), "needs option `fail_at`"), h.setup_error());
}

BOOST_AUTO_TEST_CASE(host_services_count_gauges_and_options_reach_the_instance) {
  harness h(stages_so() + "#slow-sink", "delay = \"0ms\"");
  BOOST_TEST_REQUIRE(h.setup_error().empty(), h.setup_error());
  BOOST_TEST(!h.process({"a", "b", "c"}).failed());
  BOOST_TEST(!h.process({"d"}).failed());
  BOOST_TEST(h.stage().counters().at("records") == 4);
  BOOST_TEST(h.stage().gauges().at("max_batch") == 3);
  BOOST_TEST(!h.stage().flush().failed());
  BOOST_TEST(!h.stage().finish().failed());
  auto snap = h.stage().snapshot();
  BOOST_TEST_REQUIRE(bool(snap), (snap ? std::string{} : snap.message()));
  BOOST_TEST(snap->empty());
}

BOOST_AUTO_TEST_SUITE_END()
