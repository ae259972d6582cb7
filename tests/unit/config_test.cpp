#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/pipeline.hpp"

// Boost.Test prints values of failed comparisons; teach it std::optional.
namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
  void operator()(std::ostream& os, const std::optional<T>& v) {
    if (v)
      os << *v;
    else
      os << "nullopt";
  }
};
} // namespace boost::test_tools::tt_detail

using namespace sluice::config;

namespace {

load_result load(const std::string& text, const std::string& node = {}) {
  return load_string(text, "p.toml", node);
}

/// Loads `text`, requires it to succeed and returns the pipeline.
pipeline good(const std::string& text, const std::string& node = {}) {
  auto r = load(text, node);
  std::string all;
  for (auto& e : r.errors)
    all += e.str() + "\n";
  BOOST_TEST_REQUIRE(r.value.has_value(), "unexpected errors:\n" << all);
  return std::move(*r.value);
}

/// Loads `text`, requires exactly one error and returns it as "file:line:column: message".
std::string only_error(const std::string& text, const std::string& node = {}) {
  auto r = load(text, node);
  BOOST_TEST(!r.value.has_value());
  std::string all;
  for (auto& e : r.errors)
    all += e.str() + "\n";
  BOOST_TEST_REQUIRE(r.errors.size() == 1u, "expected one error, got:\n" << all);
  return r.errors.front().str();
}

/// Sets an environment variable for the life of the object.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env() {
    if (had_)
      ::setenv(name_.c_str(), old_.c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  std::string name_, old_;
  bool had_ = false;
};

std::string option_string(const stage_config& s, const char* key) {
  BOOST_TEST_REQUIRE(s.table != nullptr);
  auto v = s.table->get(key);
  BOOST_TEST_REQUIRE(v != nullptr, key << " missing");
  return v->value<std::string>().value_or("<not a string>");
}

const char* const two_stages = R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["src"]
)";

} // namespace

BOOST_AUTO_TEST_SUITE(fields)

BOOST_AUTO_TEST_CASE(a_full_pipeline_reads_every_field) {
  auto p = good(R"([pipeline]
name = "orders"
state_dir = "/var/lib/sluice"
guarantee = "at-least-once"
checkpoint_interval = "2s"
batch_size = 256
credits = 8

[nodes.a]
address = "tcp://10.0.0.1:7000"

[nodes.b]
address = "tcp://10.0.0.2:7000"

[[stage]]
name = "src"
plugin = "generator"
node = "a"
rate = 5

[[stage]]
name = "agg"
plugin = "/opt/agg.so"
inputs = ["src", "src.late"]
parallelism = 3
partition = "key"
key = ["user", "region"]
nodes = ["a", "b"]
)");
  BOOST_TEST(p.file == "p.toml");
  BOOST_TEST(p.name == "orders");
  BOOST_TEST(p.state_dir == "/var/lib/sluice");
  BOOST_TEST(p.guarantee == "at-least-once");
  BOOST_TEST(p.checkpoint_interval_ns == std::optional<int64_t>{2000000000});
  BOOST_TEST(p.batch_size == 256u);
  BOOST_TEST(p.credits == 8u);
  BOOST_TEST_REQUIRE(p.nodes.size() == 2u);
  BOOST_TEST(p.nodes.at("a").address == "tcp://10.0.0.1:7000");
  BOOST_TEST(p.nodes.at("b").name == "b");
  BOOST_TEST(p.nodes.at("b").address == "tcp://10.0.0.2:7000");
  BOOST_TEST(p.coordinator == "a"); // the node of the first stage
  BOOST_TEST(p.node == "a");

  BOOST_TEST_REQUIRE(p.stages.size() == 2u);
  auto& src = p.stages[0];
  BOOST_TEST(src.name == "src");
  BOOST_TEST(src.plugin == "generator");
  BOOST_TEST(src.inputs.empty());
  BOOST_TEST(src.nodes == std::vector<std::string>{"a"});
  BOOST_TEST(src.where.str() == "p.toml:15:1");
  BOOST_TEST(src.plugin_where.str() == "p.toml:17:10");
  BOOST_TEST(src.table->get("rate")->value<int64_t>() == std::optional<int64_t>{5});

  auto& agg = p.stages[1];
  BOOST_TEST(agg.plugin == "/opt/agg.so");
  BOOST_TEST_REQUIRE(agg.inputs.size() == 2u);
  BOOST_TEST(agg.inputs[0].stage == "src");
  BOOST_TEST(agg.inputs[0].port == "");
  BOOST_TEST(agg.inputs[0].str() == "src");
  BOOST_TEST(agg.inputs[0].where.str() == "p.toml:24:11");
  BOOST_TEST(agg.inputs[1].stage == "src");
  BOOST_TEST(agg.inputs[1].port == "late");
  BOOST_TEST(agg.inputs[1].str() == "src.late");
  BOOST_TEST(agg.inputs[1].where.str() == "p.toml:24:18");
  BOOST_TEST(agg.parallelism == 3u);
  BOOST_TEST_REQUIRE(agg.partition.has_value());
  BOOST_TEST(to_string(*agg.partition) == std::string{"key"});
  BOOST_TEST(agg.key == (std::vector<std::string>{"user", "region"}));
  BOOST_TEST(agg.nodes == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(p.find("agg") == &agg);
  BOOST_TEST(p.find("nope") == nullptr);
  BOOST_TEST(p.index_of("agg") == 1);
  BOOST_TEST(p.index_of("nope") == -1);
}

BOOST_AUTO_TEST_CASE(an_omitted_field_takes_its_default) {
  auto p = good(R"([[stage]]
name = "src"
plugin = "generator"
)");
  BOOST_TEST(p.name == "pipeline");
  BOOST_TEST(p.guarantee == "exactly-once");
  BOOST_TEST(p.checkpoint_interval_ns == std::optional<int64_t>{10000000000});
  BOOST_TEST(p.batch_size == 512u);
  BOOST_TEST(p.credits == 4u);
  BOOST_TEST(p.nodes.empty());
  BOOST_TEST(p.coordinator == "local");
  BOOST_TEST(p.node == "local");
  BOOST_TEST(p.default_node() == "local");
  BOOST_TEST(p.state_dir == "sluice-state/pipeline/local");
  auto& s = p.stages.front();
  BOOST_TEST(s.parallelism == 1u);
  BOOST_TEST(!s.partition.has_value());
  BOOST_TEST(s.key.empty());
  BOOST_TEST(s.nodes.empty());
  BOOST_TEST(s.inputs.empty());
}

BOOST_AUTO_TEST_CASE(the_state_dir_default_names_the_pipeline_and_the_node) {
  auto p = good(std::string{R"([pipeline]
name = "w1"
[nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"
)"} + two_stages,
                "b");
  BOOST_TEST(p.node == "b");
  BOOST_TEST(p.coordinator == "a");
  BOOST_TEST(p.state_dir == "sluice-state/w1/b");
}

BOOST_AUTO_TEST_CASE(checkpoint_interval_off_disables_checkpoints) {
  auto p = good(std::string{"[pipeline]\ncheckpoint_interval = \"off\"\n"} + two_stages);
  BOOST_TEST(!p.checkpoint_interval_ns.has_value());
}

BOOST_AUTO_TEST_CASE(an_explicit_coordinator_is_the_default_node) {
  auto p = good(std::string{R"([pipeline]
coordinator = "b"
[nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"
)"} + two_stages);
  BOOST_TEST(p.coordinator == "b");
  BOOST_TEST(p.node == "b");
  BOOST_TEST(p.node_of(p.stages[0], 0) == "b");
}

BOOST_AUTO_TEST_SUITE_END()

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

BOOST_AUTO_TEST_SUITE(graph)

BOOST_AUTO_TEST_CASE(topological_order_puts_every_input_before_its_consumers) {
  auto p = good(R"([[stage]]
name = "sink"
plugin = "stdout-sink"
inputs = ["join"]

[[stage]]
name = "join"
plugin = "filter"
inputs = ["left", "right"]

[[stage]]
name = "right"
plugin = "filter"
inputs = ["src"]

[[stage]]
name = "left"
plugin = "filter"
inputs = ["src"]

[[stage]]
name = "src"
plugin = "generator"
)");
  auto order = p.topological_order();
  BOOST_TEST_REQUIRE(order.size() == p.stages.size());
  std::vector<int> pos(order.size(), -1);
  for (size_t i = 0; i < order.size(); ++i)
    pos[static_cast<size_t>(order[i])] = static_cast<int>(i);
  for (int x : pos)
    BOOST_TEST(x >= 0);
  for (size_t s = 0; s < p.stages.size(); ++s)
    for (auto& in : p.stages[s].inputs)
      BOOST_TEST(pos[static_cast<size_t>(p.index_of(in.stage))] < pos[s],
                 in.stage << " should come before " << p.stages[s].name);
  BOOST_TEST(p.stages[static_cast<size_t>(order.front())].name == "src");
  BOOST_TEST(p.stages[static_cast<size_t>(order.back())].name == "sink");
}

BOOST_AUTO_TEST_CASE(instance_i_runs_on_nodes_i_modulo_their_count) {
  auto p = good(R"([nodes.a]
address = "tcp://127.0.0.1:7000"
[nodes.b]
address = "tcp://127.0.0.1:7001"
[nodes.c]
address = "tcp://127.0.0.1:7002"

[[stage]]
name = "src"
plugin = "generator"
node = "a"

[[stage]]
name = "work"
plugin = "filter"
inputs = ["src"]
parallelism = 5
nodes = ["b", "c"]

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["work"]
)");
  auto& work = *p.find("work");
  std::vector<std::string> got;
  for (uint32_t i = 0; i < 5; ++i)
    got.push_back(p.node_of(work, i));
  BOOST_TEST(got == (std::vector<std::string>{"b", "c", "b", "c", "b"}), boost::test_tools::per_element());
  BOOST_TEST(p.node_of(*p.find("src"), 0) == "a");
  // A stage without placement runs on the default node, the coordinator.
  BOOST_TEST(p.node_of(*p.find("out"), 0) == "a");
  BOOST_TEST(p.node_of(*p.find("out"), 3) == "a");
}

BOOST_AUTO_TEST_SUITE_END()
