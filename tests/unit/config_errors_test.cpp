#define BOOST_TEST_MODULE config errors
#include <boost/test/unit_test.hpp>

#include "support/config_helpers.hpp"

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(bad_toml_is_reported_at_its_place) {
  auto e = only_error("[pipeline]\nname = \"x\"\nbatch_size = = 3\n");
  BOOST_TEST(e.rfind("p.toml:3:14: ", 0) == 0u, e);
}

BOOST_AUTO_TEST_CASE(an_unterminated_string_is_reported_on_its_line) {
  auto e = only_error("[pipeline]\nname = \"x\n");
  BOOST_TEST(e.rfind("p.toml:2:", 0) == 0u, e);
}

BOOST_AUTO_TEST_CASE(a_wrong_type_in_pipeline_names_the_key_and_both_types) {
  BOOST_TEST(only_error(std::string{"[pipeline]\nname = \"x\"\nbatch_size = \"big\"\n"} + two_stages) ==
             "p.toml:3:14: `batch_size` expects an integer, found a string");
  BOOST_TEST(only_error(std::string{"[pipeline]\nname = 7\n"} + two_stages) ==
             "p.toml:2:8: `name` expects a string, found an integer");
  BOOST_TEST(only_error(std::string{"[pipeline]\ncheckpoint_interval = 5\n"} + two_stages) ==
             "p.toml:2:23: `checkpoint_interval` expects a string, found an integer");
}

BOOST_AUTO_TEST_CASE(an_out_of_range_or_malformed_pipeline_value_is_refused) {
  BOOST_TEST(only_error(std::string{"[pipeline]\ncredits = 0\n"} + two_stages) ==
             "p.toml:2:11: `credits` is 0; expected 1..1000000");
  BOOST_TEST(only_error(std::string{"[pipeline]\ncheckpoint_interval = \"soon\"\n"} + two_stages) ==
             "p.toml:2:23: `checkpoint_interval` is \"soon\"; expected a duration like \"1s\" or \"off\"");
  BOOST_TEST(only_error(std::string{"[pipeline]\ncheckpoint_interval = \"0s\"\n"} + two_stages) ==
             "p.toml:2:23: `checkpoint_interval` is \"0s\"; expected a duration like \"1s\" or \"off\"");
  BOOST_TEST(only_error(std::string{"[pipeline]\nretain_interval = \"often\"\n"} + two_stages) ==
             "p.toml:2:19: `retain_interval` is \"often\"; expected a duration like \"60s\" or \"off\"");
  BOOST_TEST(only_error(std::string{"[pipeline]\npeer_timeout = \"off\"\n"} + two_stages) ==
             "p.toml:2:16: `peer_timeout` is \"off\"; expected a duration like \"5s\"");
  BOOST_TEST(only_error(std::string{"[pipeline]\nretain = 0\n"} + two_stages) ==
             "p.toml:2:10: `retain` is 0; expected 1..1000");
  BOOST_TEST(only_error(std::string{"[pipeline]\nguarantee = \"exactly-twice\"\n"} + two_stages) ==
             "p.toml:2:13: `guarantee` is \"exactly-twice\"; expected \"exactly-once\" or \"at-least-once\"");
}

BOOST_AUTO_TEST_CASE(a_wrong_type_in_a_stage_names_the_key_and_both_types) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"
parallelism = "2"
)") == "p.toml:4:15: `parallelism` expects an integer, found a string");
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"
key = ["a", 1]
)") == "p.toml:4:13: `key` expects strings, found an integer");
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"
inputs = { a = 1 }
)") == "p.toml:4:10: `inputs` expects a string or an array of strings, found a table");
}

BOOST_AUTO_TEST_CASE(an_unknown_pipeline_key_suggests_the_closest) {
  BOOST_TEST(only_error(std::string{"[pipeline]\nbatch_sise = 10\n"} + two_stages) ==
             "p.toml:2:14: unknown key `batch_sise` in [pipeline] (did you mean `batch_size`?)");
  BOOST_TEST(only_error(std::string{"[pipeline]\nwhatever_this_is = 10\n"} + two_stages) ==
             "p.toml:2:20: unknown key `whatever_this_is` in [pipeline]");
}

BOOST_AUTO_TEST_CASE(a_stage_without_name_or_plugin_is_reported_at_its_header) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
plugin = "stdout-sink"
inputs = ["src"]
)") == "p.toml:5:1: [[stage]] needs `name = \"...\"`");
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"

  [[stage]]
  name = "out"
  inputs = ["src"]
)") == "p.toml:5:3: [[stage]] out needs `plugin = \"...\"` (a built-in name or a path to a .so)");
}

BOOST_AUTO_TEST_CASE(a_stage_name_with_a_dot_is_refused) {
  BOOST_TEST(only_error(R"([[stage]]
name = "a.b"
plugin = "generator"
)") == "p.toml:2:8: stage name \"a.b\" may use letters, digits, `_` and `-` only");
}

BOOST_AUTO_TEST_CASE(a_duplicate_stage_name_is_reported_at_the_second_stage) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
name = "src"
plugin = "generator"
)") == "p.toml:5:1: a second stage is named src; stage names must be unique");
}

BOOST_AUTO_TEST_CASE(a_missing_input_is_reported_at_the_input_with_a_suggestion) {
  BOOST_TEST(only_error(R"([[stage]]
name = "source"
plugin = "generator"

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["source", "sorce.late"]
)") == "p.toml:8:21: stage out reads from \"sorce\", which no [[stage]] defines (did you mean `source`?)");
}

BOOST_AUTO_TEST_CASE(a_stage_reading_itself_is_a_cycle) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
name = "loop"
plugin = "filter"
inputs = ["src", "loop"]
)") == "p.toml:8:18: stage loop reads from itself (a cycle)");
}

BOOST_AUTO_TEST_CASE(a_three_stage_cycle_lists_its_path) {
  auto e = only_error(R"([[stage]]
name = "a"
plugin = "filter"
inputs = ["c"]

[[stage]]
name = "b"
plugin = "filter"
inputs = ["a"]

[[stage]]
name = "c"
plugin = "filter"
inputs = ["b"]
)");
  // a reads c, c reads b, b reads a.
  BOOST_TEST(e == "p.toml:9:11: the inputs form a cycle: a -> c -> b -> a (a pipeline must be a DAG)");
}

BOOST_AUTO_TEST_CASE(key_partition_without_key_is_refused) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
name = "agg"
plugin = "filter"
inputs = ["src"]
partition = "key"
)") == "p.toml:5:1: stage agg has partition = \"key\" but no `key = [\"field\", ...]`");
}

BOOST_AUTO_TEST_CASE(an_unknown_partition_suggests_the_closest) {
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"
partition = "roundrobin"
)") == "p.toml:4:13: `partition` is \"roundrobin\"; expected \"forward\", \"round_robin\", \"key\" or "
        "\"broadcast\" (did you mean `round_robin`?)");
}

BOOST_AUTO_TEST_CASE(placement_on_an_unknown_node_is_refused_with_a_suggestion) {
  BOOST_TEST(only_error(R"([nodes.alpha]
address = "tcp://127.0.0.1:7000"
[nodes.beta]
address = "tcp://127.0.0.1:7001"

[[stage]]
name = "src"
plugin = "generator"
node = "alpha"

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["src"]
nodes = ["beta", "alpah"]
)") == "p.toml:11:1: stage out is placed on node \"alpah\", which no [nodes.alpah] defines (did you mean "
        "`alpha`?)");
}

BOOST_AUTO_TEST_CASE(node_and_nodes_together_are_refused) {
  BOOST_TEST(only_error(R"([nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"

[[stage]]
name = "src"
plugin = "generator"
nodes = ["a", "b"]
node = "a"
)") == "p.toml:9:9: a stage takes `node` or `nodes`, not both");
}

BOOST_AUTO_TEST_CASE(an_unknown_node_name_for_this_process_is_refused) {
  auto e = only_error(std::string{"[nodes.a]\naddress = \"tcp://127.0.0.1:7000\"\n"} + two_stages, "z");
  BOOST_TEST(e == "p.toml:1:1: --node z is not a [nodes.*] entry of this file");
}

BOOST_AUTO_TEST_CASE(every_error_of_a_file_is_reported_not_just_the_first) {
  auto r = load(R"([pipeline]
credits = "many"

[[stage]]
name = "src"
plugin = "generator"
parallelism = 0

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["nowhere"]
)");
  BOOST_TEST(!r.value.has_value());
  BOOST_TEST_REQUIRE(r.errors.size() == 3u);
  BOOST_TEST(r.errors[0].where.line == 2u);
  BOOST_TEST(r.errors[1].where.line == 7u);
  BOOST_TEST(r.errors[2].where.line == 12u);
}

BOOST_AUTO_TEST_CASE(a_file_without_stages_is_refused) {
  BOOST_TEST(only_error("[pipeline]\nname = \"empty\"\n") == "p.toml:1:1: the pipeline has no [[stage]]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(env_references_expand_in_every_string) {
  scoped_env a{"SLUICE_TEST_CFG_DIR", "/data/x"};
  scoped_env b{"SLUICE_TEST_CFG_FILE", "orders.ndjson"};
  auto p = good(R"([pipeline]
state_dir = "${SLUICE_TEST_CFG_DIR}/state"

[[stage]]
name = "src"
plugin = "file-source"
path = "${SLUICE_TEST_CFG_DIR}/${SLUICE_TEST_CFG_FILE}"
globs = ["in/${SLUICE_TEST_CFG_FILE}", "plain"]
nested = { inner = "<${SLUICE_TEST_CFG_DIR}>" }
)");
  BOOST_TEST(p.state_dir == "/data/x/state");
  auto& s = p.stages.front();
  BOOST_TEST(option_string(s, "path") == "/data/x/orders.ndjson");
  auto globs = s.table->get("globs")->as_array();
  BOOST_TEST_REQUIRE(globs != nullptr);
  BOOST_TEST(globs->get(0)->value<std::string>() == std::optional<std::string>{"in/orders.ndjson"});
  BOOST_TEST(globs->get(1)->value<std::string>() == std::optional<std::string>{"plain"});
  auto inner = s.table->get("nested")->as_table()->get("inner");
  BOOST_TEST(inner->value<std::string>() == std::optional<std::string>{"</data/x>"});
}

BOOST_AUTO_TEST_CASE(a_default_is_used_only_when_the_variable_is_unset_or_empty) {
  scoped_env set{"SLUICE_TEST_CFG_SET", "given"};
  scoped_env unset{"SLUICE_TEST_CFG_UNSET", nullptr};
  scoped_env empty{"SLUICE_TEST_CFG_EMPTY", ""};
  auto p = good(R"([[stage]]
name = "src"
plugin = "generator"
a = "${SLUICE_TEST_CFG_SET:-fallback}"
b = "${SLUICE_TEST_CFG_UNSET:-fallback}"
c = "${SLUICE_TEST_CFG_EMPTY:-fallback}"
d = "x${SLUICE_TEST_CFG_UNSET:-}y"
e = "${SLUICE_TEST_CFG_UNSET:-tcp://h:1}"
)");
  auto& s = p.stages.front();
  BOOST_TEST(option_string(s, "a") == "given");
  BOOST_TEST(option_string(s, "b") == "fallback");
  BOOST_TEST(option_string(s, "c") == "fallback");
  BOOST_TEST(option_string(s, "d") == "xy");
  BOOST_TEST(option_string(s, "e") == "tcp://h:1");
}

BOOST_AUTO_TEST_CASE(an_unset_variable_is_reported_at_the_string_that_uses_it) {
  scoped_env unset{"SLUICE_TEST_CFG_UNSET", nullptr};
  BOOST_TEST(only_error(R"([[stage]]
name = "src"
plugin = "generator"
path = "/in/${SLUICE_TEST_CFG_UNSET}/x"
)") == "p.toml:4:8: environment variable SLUICE_TEST_CFG_UNSET is not set (write "
        "${SLUICE_TEST_CFG_UNSET:-default} to give a default)");
}

BOOST_AUTO_TEST_CASE(an_unterminated_reference_is_reported) {
  auto e = only_error(R"([[stage]]
name = "src"
plugin = "generator"
path = "${HOME"
)");
  BOOST_TEST(e.rfind("p.toml:4:8: unterminated `${`", 0) == 0u, e);
}

BOOST_AUTO_TEST_CASE(sluice_node_expands_to_the_node_name_even_when_unset) {
  scoped_env unset{"SLUICE_NODE", nullptr};
  auto text = R"([pipeline]
state_dir = "/state/${SLUICE_NODE}"
[nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"

[[stage]]
name = "src"
plugin = "generator"
node = "a"
)";
  BOOST_TEST(good(text, "b").state_dir == "/state/b");
  BOOST_TEST(good(text, "a").state_dir == "/state/a");
  BOOST_TEST(good(text).state_dir == "/state/a");
}

BOOST_AUTO_TEST_CASE(sluice_node_without_nodes_is_local) {
  scoped_env unset{"SLUICE_NODE", nullptr};
  BOOST_TEST(good(R"([pipeline]
state_dir = "/state/${SLUICE_NODE}"
[[stage]]
name = "src"
plugin = "generator"
)").state_dir == "/state/local");
}

BOOST_AUTO_TEST_CASE(sluice_node_without_node_argument_is_the_node_the_process_runs_as) {
  scoped_env unset{"SLUICE_NODE", nullptr};
  auto p = good(R"([pipeline]
state_dir = "/state/${SLUICE_NODE}"
[nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"

[[stage]]
name = "src"
plugin = "generator"
node = "b"
)");
  BOOST_TEST(p.node == "b");
  BOOST_TEST(p.state_dir == "/state/b");
}

BOOST_AUTO_TEST_SUITE_END()
