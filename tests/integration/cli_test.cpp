#define BOOST_TEST_MODULE sluice command line
#include <boost/test/unit_test.hpp>

#include "support/process.hpp"
#include "sluice/abi.h"

using namespace sluice::test;

namespace {

std::string test_stage(const std::string& stage) {
  return test_plugins() + "/test-stages.so#" + stage;
}

/// A two-stage pipeline file; `extra` goes into the sink stage.
std::string two_stage(const std::string& extra_source = "", const std::string& extra_sink = "") {
  return "[pipeline]\nname = \"cli\"\n\n"
         "[[stage]]\nname = \"src\"\nplugin = \"" + test_stage("seq-source") + "\"\ncount = 10\n" + extra_source +
         "\n[[stage]]\nname = \"sink\"\nplugin = \"" + test_stage("slow-sink") + "\"\ninputs = [\"src\"]\ndelay = \"0ms\"\n" +
         extra_sink;
}

bool no_crash(const outcome& o) {
  return o.err.find("terminate called") == std::string::npos && o.err.find("Aborted") == std::string::npos &&
         o.exit_code < 128;
}

} // namespace

BOOST_AUTO_TEST_CASE(help_is_available_for_every_verb_and_exits_zero) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--help"}, {"run", "--help"}, {"validate", "--help"}, {"graph", "--help"}, {"inspect", "--help"}}) {
    auto o = run_sluice(args);
    BOOST_TEST(o.exit_code == 0);
    BOOST_TEST(o.out.find("Usage") != std::string::npos);
  }
  auto o = run_sluice({"--help"});
  for (auto verb : {"run", "validate", "graph", "inspect"})
    BOOST_TEST(o.out.find(verb) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_usage_exits_two) {
  BOOST_TEST(run_sluice({}).exit_code == 2);
  BOOST_TEST(run_sluice({"frobnicate"}).exit_code == 2);
  BOOST_TEST(run_sluice({"run"}).exit_code == 2);
  BOOST_TEST(run_sluice({"validate"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(validate_takes_the_file_positionally_or_with_config) {
  temp_dir t;
  write_file(t / "p.toml", two_stage());
  auto a = run_sluice({"validate", t / "p.toml"});
  auto b = run_sluice({"validate", "--config", t / "p.toml"});
  BOOST_TEST(a.exit_code == 0);
  BOOST_TEST(b.exit_code == 0);
  BOOST_TEST(a.out.find("ok") != std::string::npos);
  BOOST_TEST(a.out == b.out);
}

BOOST_AUTO_TEST_CASE(a_bad_toml_line_is_refused_with_its_line_and_column) {
  temp_dir t;
  write_file(t / "p.toml", "[pipeline]\nname = \"x\"\nstate_dir = /var/lib\n");
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(t / "p.toml:3:") != std::string::npos, o.err);
  BOOST_TEST(no_crash(o));
}

BOOST_AUTO_TEST_CASE(an_unknown_option_names_the_stage_the_key_and_the_closest_valid_key) {
  temp_dir t;
  write_file(t / "p.toml", two_stage("cont = 5\n"));
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(t / "p.toml:8:1") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("stage src") != std::string::npos);
  BOOST_TEST(o.err.find("`cont`") != std::string::npos);
  BOOST_TEST(o.err.find("did you mean `count`") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_option_of_the_wrong_type_is_refused_with_file_line_and_column) {
  temp_dir t;
  write_file(t / "p.toml", two_stage("", "").replace(two_stage().find("count = 10"), 10, "count = \"ten\""));
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(t / "p.toml:7:9") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("expects an integer, found a string") != std::string::npos, o.err);
}

BOOST_AUTO_TEST_CASE(a_cycle_is_refused_before_anything_runs) {
  temp_dir t;
  auto plugin = test_stage("failing-transform");
  write_file(t / "p.toml", two_stage() +
                             "\n[[stage]]\nname = \"a\"\nplugin = \"" + plugin + "\"\ninputs = [\"b\"]\nfail_at = 1\n"
                             "\n[[stage]]\nname = \"b\"\nplugin = \"" + plugin + "\"\ninputs = [\"a\"]\nfail_at = 1\n");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find("cycle") != std::string::npos, o.err);
  BOOST_TEST(o.err.find(t / "p.toml:") != std::string::npos);
  BOOST_TEST(o.err.find("running") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_input_is_refused_with_a_suggestion) {
  temp_dir t;
  auto text = two_stage();
  text.replace(text.find("inputs = [\"src\"]"), 16, "inputs = [\"srx\"]");
  write_file(t / "p.toml", text);
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find("which no [[stage]] defines (did you mean `src`?)") != std::string::npos, o.err);
  BOOST_TEST(o.err.find(t / "p.toml:12:") != std::string::npos, o.err);
}

BOOST_AUTO_TEST_CASE(an_unknown_plugin_is_refused_at_its_plugin_line) {
  temp_dir t;
  write_file(t / "p.toml", "[[stage]]\nname = \"src\"\nplugin = \"no-such-plugin\"\n");
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(t / "p.toml:3:10") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("unknown plugin \"no-such-plugin\"") != std::string::npos, o.err);
}

BOOST_AUTO_TEST_CASE(a_wrong_abi_plugin_is_refused_naming_both_versions_and_the_file) {
  temp_dir t;
  auto so = test_plugins() + "/wrong-major.so";
  write_file(t / "p.toml", "[[stage]]\nname = \"src\"\nplugin = \"" + so + "\"\n");
  auto o = run_sluice({"run", "--config", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(so) != std::string::npos, o.err);
  BOOST_TEST(o.err.find("ABI 2.0") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("supports ABI " + std::to_string(SLUICE_ABI_MAJOR) + "." + std::to_string(SLUICE_ABI_MINOR)) != std::string::npos, o.err);
  BOOST_TEST(no_crash(o));
  auto newer = run_sluice({"inspect", test_plugins() + "/newer-minor.so"});
  BOOST_TEST(newer.exit_code == 2);
  BOOST_TEST(newer.err.find("ABI 1." + std::to_string(SLUICE_ABI_MINOR + 1)) != std::string::npos, newer.err);
}

BOOST_AUTO_TEST_CASE(an_unset_environment_variable_is_an_error_and_a_default_is_used) {
  temp_dir t;
  auto text = two_stage();
  text.replace(text.find("name = \"cli\""), 12, "name = \"${SLUICE_TEST_UNSET_VAR}\"");
  write_file(t / "p.toml", text);
  auto o = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(o.exit_code == 2);
  BOOST_TEST(o.err.find(t / "p.toml:2:8") != std::string::npos, o.err);
  BOOST_TEST(o.err.find("SLUICE_TEST_UNSET_VAR is not set") != std::string::npos);
  text.replace(text.find("${SLUICE_TEST_UNSET_VAR}"), 24, "${SLUICE_TEST_UNSET_VAR:-fallback}");
  write_file(t / "p.toml", text);
  auto ok = run_sluice({"validate", t / "p.toml"});
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(ok.out.find("pipeline fallback") != std::string::npos, ok.out);
}

BOOST_AUTO_TEST_CASE(graph_prints_dot_and_mermaid_with_stages_edges_and_placement) {
  temp_dir t;
  write_file(t / "p.toml", two_stage());
  auto dot = run_sluice({"graph", t / "p.toml"});
  BOOST_TEST(dot.exit_code == 0);
  BOOST_TEST(dot.out.find("digraph \"cli\"") != std::string::npos, dot.out);
  BOOST_TEST(dot.out.find("\"src\" -> \"sink\" [label=\"forward\"]") != std::string::npos, dot.out);
  BOOST_TEST(dot.out.find("node local") != std::string::npos);
  auto mm = run_sluice({"graph", "--config", t / "p.toml", "--format", "mermaid"});
  BOOST_TEST(mm.exit_code == 0);
  BOOST_TEST(mm.out.find("flowchart LR") != std::string::npos);
  BOOST_TEST(mm.out.find("s_src -->|forward| s_sink") != std::string::npos, mm.out);
}

BOOST_AUTO_TEST_CASE(inspect_lists_stages_versions_and_options) {
  auto o = run_sluice({"inspect", test_plugins() + "/test-stages.so"});
  BOOST_TEST(o.exit_code == 0, o.err);
  BOOST_TEST(o.out.find("stage seq-source") != std::string::npos);
  BOOST_TEST(o.out.find("kind:           source") != std::string::npos);
  BOOST_TEST(o.out.find("version:        1.0.0") != std::string::npos);
  BOOST_TEST(o.out.find("fail_at") != std::string::npos);
  BOOST_TEST(o.out.find("required") != std::string::npos);
  auto missing = run_sluice({"inspect", test_plugins() + "/no-entry.so"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("does not export sluice_plugin_entry") != std::string::npos, missing.err);
}
