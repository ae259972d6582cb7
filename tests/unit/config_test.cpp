#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "support/config_helpers.hpp"

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
  BOOST_TEST(p.retain_interval_ns == std::optional<int64_t>{60000000000});
  BOOST_TEST(p.retain == 2u);
  BOOST_TEST(p.batch_size == 512u);
  BOOST_TEST(p.credits == 8u);
  BOOST_TEST(p.nodes.empty());
  BOOST_TEST(p.coordinator == "local");
  BOOST_TEST(p.node == "local");
  BOOST_TEST(p.default_node() == "local");
  BOOST_TEST(p.state_dir.empty()); // no state_dir: checkpoints are off
  auto& s = p.stages.front();
  BOOST_TEST(s.parallelism == 1u);
  BOOST_TEST(!s.partition.has_value());
  BOOST_TEST(s.key.empty());
  BOOST_TEST(s.nodes.empty());
  BOOST_TEST(s.inputs.empty());
}

BOOST_AUTO_TEST_CASE(retained_copies_are_set_by_retain_interval_and_retain) {
  auto p = good(R"([pipeline]
retain_interval = "5m"
retain = 3
[[stage]]
name = "src"
plugin = "generator"
)");
  BOOST_TEST(p.retain_interval_ns == std::optional<int64_t>{300000000000});
  BOOST_TEST(p.retain == 3u);
  BOOST_TEST(!good("[pipeline]\nretain_interval = \"off\"\n[[stage]]\nname = \"s\"\nplugin = \"generator\"\n")
                  .retain_interval_ns.has_value());
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
  BOOST_TEST(p.state_dir.empty());
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
