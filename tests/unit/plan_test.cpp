#define BOOST_TEST_MODULE plan
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "plan/graph.hpp"
#include "plan/plan.hpp"

using namespace sluice;
using config::partition_kind;

namespace {

config::pipeline load(const std::string& text) {
  auto r = config::load_string(text, "p.toml");
  std::string all;
  for (auto& e : r.errors)
    all += e.str() + "\n";
  BOOST_TEST_REQUIRE(r.value.has_value(), "config errors:\n" << all);
  return std::move(*r.value);
}

plan::plan build(const config::pipeline& p, const plan::port_names& ports = {}) {
  auto r = plan::build(p, ports);
  BOOST_TEST_REQUIRE(bool(r), (r ? std::string{} : r.message()));
  return std::move(*r);
}

std::string build_error(const config::pipeline& p, const plan::port_names& ports = {}) {
  auto r = plan::build(p, ports);
  BOOST_TEST_REQUIRE(!r, "the plan was built but should not be");
  return r.message();
}

/// "e<edge>/u<from_instance>" for each channel of instance `i` of stage `s`.
std::vector<std::string> channels(const plan::plan& pl, size_t s, size_t i) {
  std::vector<std::string> out;
  for (auto& c : pl.stages[s].channels[i])
    out.push_back("e" + std::to_string(c.edge) + "/u" + std::to_string(c.from_instance));
  return out;
}

using strings = std::vector<std::string>;

std::string two(uint32_t p_from, uint32_t p_to, const std::string& extra = {}) {
  return "[[stage]]\nname = \"src\"\nplugin = \"generator\"\nparallelism = " + std::to_string(p_from) +
         "\n\n[[stage]]\nname = \"t\"\nplugin = \"filter\"\ninputs = [\"src\"]\nparallelism = " +
         std::to_string(p_to) + "\n" + extra;
}

} // namespace

BOOST_AUTO_TEST_SUITE(channels_and_edges)

BOOST_AUTO_TEST_CASE(forward_connects_instance_i_to_instance_i) {
  auto p = load(two(3, 3));
  auto pl = build(p);
  BOOST_TEST(pl.p == &p);
  BOOST_TEST_REQUIRE(pl.edges.size() == 1u);
  auto& e = pl.edges[0];
  BOOST_TEST(e.from == 0);
  BOOST_TEST(e.to == 1);
  BOOST_TEST(e.port == 0u);
  BOOST_TEST((e.kind == partition_kind::forward));
  BOOST_TEST(pl.stages[0].out_edges == std::vector<size_t>{0});
  BOOST_TEST(pl.stages[1].out_edges.empty());
  BOOST_TEST(pl.stages[0].channels.size() == 3u);
  for (auto& c : pl.stages[0].channels)
    BOOST_TEST(c.empty()); // a source has no inputs
  for (uint32_t i = 0; i < 3; ++i) {
    BOOST_TEST(channels(pl, 1, i) == strings{"e0/u" + std::to_string(i)});
    BOOST_TEST(e.destinations(i, 3) == std::vector<uint32_t>{i});
    for (uint32_t u = 0; u < 3; ++u)
      BOOST_TEST(pl.channel_of(0, u, i) == (u == i ? size_t{0} : SIZE_MAX));
  }
}

BOOST_AUTO_TEST_CASE(different_parallelism_defaults_to_round_robin_from_every_upstream_instance) {
  auto p = load(two(2, 3));
  auto pl = build(p);
  BOOST_TEST_REQUIRE(pl.edges.size() == 1u);
  BOOST_TEST((pl.edges[0].kind == partition_kind::round_robin));
  BOOST_TEST(pl.edges[0].destinations(1, 3) == (std::vector<uint32_t>{0, 1, 2}));
  for (uint32_t d = 0; d < 3; ++d) {
    BOOST_TEST(channels(pl, 1, d) == (strings{"e0/u0", "e0/u1"}), boost::test_tools::per_element());
    BOOST_TEST(pl.channel_of(0, 0, d) == 0u);
    BOOST_TEST(pl.channel_of(0, 1, d) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(n_instances_into_one_give_it_n_channels) {
  auto p = load(two(4, 1));
  auto pl = build(p);
  BOOST_TEST((pl.edges[0].kind == partition_kind::round_robin));
  BOOST_TEST_REQUIRE(pl.stages[1].channels.size() == 1u);
  BOOST_TEST(channels(pl, 1, 0) == (strings{"e0/u0", "e0/u1", "e0/u2", "e0/u3"}), boost::test_tools::per_element());
  for (uint32_t u = 0; u < 4; ++u)
    BOOST_TEST(pl.channel_of(0, u, 0) == u);
}

BOOST_AUTO_TEST_CASE(key_partition_over_three_upstream_instances_gives_each_of_two_instances_three_channels) {
  auto p = load(two(3, 2, "partition = \"key\"\nkey = [\"user\", \"region\"]\n"));
  auto pl = build(p);
  BOOST_TEST_REQUIRE(pl.edges.size() == 1u);
  auto& e = pl.edges[0];
  BOOST_TEST((e.kind == partition_kind::key));
  BOOST_TEST(e.key == (strings{"user", "region"}));
  BOOST_TEST(e.destinations(2, 2) == (std::vector<uint32_t>{0, 1}));
  BOOST_TEST_REQUIRE(pl.stages[1].channels.size() == 2u);
  for (uint32_t d = 0; d < 2; ++d)
    BOOST_TEST(channels(pl, 1, d) == (strings{"e0/u0", "e0/u1", "e0/u2"}), boost::test_tools::per_element());
  BOOST_TEST(pl.channel_of(0, 2, 1) == 2u);
}

BOOST_AUTO_TEST_CASE(an_explicit_partition_applies_even_with_equal_parallelism) {
  auto p = load(two(2, 2, "partition = \"broadcast\"\n"));
  auto pl = build(p);
  BOOST_TEST((pl.edges[0].kind == partition_kind::broadcast));
  BOOST_TEST(channels(pl, 1, 1) == (strings{"e0/u0", "e0/u1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(channels_of_several_inputs_are_ordered_by_input_then_instance) {
  auto p = load(R"([[stage]]
name = "a"
plugin = "generator"
parallelism = 2

[[stage]]
name = "b"
plugin = "generator"

[[stage]]
name = "join"
plugin = "filter"
inputs = ["b", "a"]
)");
  auto pl = build(p);
  BOOST_TEST_REQUIRE(pl.edges.size() == 2u);
  BOOST_TEST(pl.edges[0].from == 1);
  BOOST_TEST((pl.edges[0].kind == partition_kind::forward));
  BOOST_TEST(pl.edges[1].from == 0);
  BOOST_TEST((pl.edges[1].kind == partition_kind::round_robin));
  BOOST_TEST(channels(pl, 2, 0) == (strings{"e0/u0", "e1/u0", "e1/u1"}), boost::test_tools::per_element());
  BOOST_TEST(pl.channel_of(1, 1, 0) == 2u);
  BOOST_TEST(pl.stages[0].out_edges == std::vector<size_t>{1});
  BOOST_TEST(pl.stages[1].out_edges == std::vector<size_t>{0});
}

BOOST_AUTO_TEST_CASE(forward_with_mismatched_parallelism_is_an_error_naming_the_stage) {
  auto p = load(two(2, 3, "partition = \"forward\"\n"));
  BOOST_TEST(build_error(p) == "p.toml:6:1: stage t has partition = \"forward\" but parallelism 3 differs from "
                               "src's 2 (use \"round_robin\" or \"key\")");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(side_outputs)

const char* const with_side_output = R"([[stage]]
name = "src"
plugin = "generator"

[[stage]]
name = "a"
plugin = "window"
inputs = ["src"]

[[stage]]
name = "late"
plugin = "stdout-sink"
inputs = ["a.late"]

[[stage]]
name = "main"
plugin = "stdout-sink"
inputs = ["a"]
)";

BOOST_AUTO_TEST_CASE(an_input_naming_a_side_output_reads_that_port) {
  auto p = load(with_side_output);
  auto pl = build(p, {{}, {"errors", "late"}, {}, {}});
  BOOST_TEST(pl.stages[1].ports == (strings{"", "errors", "late"}), boost::test_tools::per_element());
  BOOST_TEST(pl.stages[0].ports == strings{""});
  BOOST_TEST_REQUIRE(pl.edges.size() == 3u);
  BOOST_TEST(pl.edges[1].from == 1);
  BOOST_TEST(pl.edges[1].to == 2);
  BOOST_TEST(pl.edges[1].port == 2u);
  BOOST_TEST(pl.edges[2].port == 0u);
  BOOST_TEST(pl.stages[1].out_edges == (std::vector<size_t>{1, 2}));
}

BOOST_AUTO_TEST_CASE(an_unknown_side_output_is_an_error_listing_the_outputs) {
  auto p = load(with_side_output);
  BOOST_TEST(build_error(p, {{}, {"errors", "lates"}, {}, {}}) ==
             "p.toml:13:11: stage a has no output named \"late\" (it has a.errors, a.lates)");
}

BOOST_AUTO_TEST_CASE(a_side_output_of_a_stage_without_any_is_an_error) {
  auto p = load(with_side_output);
  BOOST_TEST(build_error(p) == "p.toml:13:11: stage a has no output named \"late\" (it has only its main output)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pictures)

const char* const picture = R"([pipeline]
name = "orders"

[nodes.n1]
address = "tcp://127.0.0.1:7000"
[nodes.n2]
address = "tcp://127.0.0.1:7001"

[[stage]]
name = "src"
plugin = "generator"
node = "n1"
parallelism = 3

[[stage]]
name = "by-user"
plugin = "window"
inputs = ["src"]
parallelism = 2
partition = "key"
key = ["user", "region"]
nodes = ["n1", "n2"]

[[stage]]
name = "late-out"
plugin = "stdout-sink"
inputs = ["by-user.late"]
node = "n2"

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["by-user"]
parallelism = 2
)";

BOOST_AUTO_TEST_CASE(dot_shows_stages_by_node_and_edges_with_their_partitioning) {
  auto p = load(picture);
  auto pl = build(p, {{}, {"late"}, {}, {}});
  auto dot = plan::to_dot(pl);
  BOOST_TEST_MESSAGE(dot);
  BOOST_TEST(dot.rfind("digraph \"orders\" {", 0) == 0u, dot);
  BOOST_TEST(dot.find("\"src\" -> \"by-user\" [label=\"key(user,region)\"];") != std::string::npos, dot);
  BOOST_TEST(dot.find("\"by-user\" -> \"late-out\" [label=\"late: round_robin\"];") != std::string::npos, dot);
  BOOST_TEST(dot.find("\"by-user\" -> \"out\" [label=\"forward\"];") != std::string::npos, dot);
  BOOST_TEST(dot.find("subgraph \"cluster_n1\"") != std::string::npos, dot);
  BOOST_TEST(dot.find("subgraph \"cluster_n2\"") != std::string::npos, dot);
  BOOST_TEST(dot.find("\"by-user\" [label=\"by-user\\nwindow x2 @ n1,n2\"];") != std::string::npos, dot);
  BOOST_TEST(dot.find("\"src\" [label=\"src\\ngenerator x3 @ n1\"];") != std::string::npos, dot);
  BOOST_TEST(dot.back() == '\n');
}

BOOST_AUTO_TEST_CASE(mermaid_shows_the_same_edges_with_safe_ids) {
  auto p = load(picture);
  auto pl = build(p, {{}, {"late"}, {}, {}});
  auto m = plan::to_mermaid(pl);
  BOOST_TEST_MESSAGE(m);
  BOOST_TEST(m.rfind("flowchart LR\n", 0) == 0u, m);
  BOOST_TEST(m.find("s_src -->|key(user,region)| s_by_user") != std::string::npos, m);
  BOOST_TEST(m.find("s_by_user -->|late: round_robin| s_late_out") != std::string::npos, m);
  BOOST_TEST(m.find("s_by_user -->|forward| s_out") != std::string::npos, m);
  BOOST_TEST(m.find("s_by_user[\"by-user<br/>window x2 @ n1,n2\"]") != std::string::npos, m);
  BOOST_TEST(m.find("subgraph n_n2[\"node n2\"]") != std::string::npos, m);
  BOOST_TEST(m.find("\\n") == std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(mermaid_ids_of_nodes_and_stages_never_collide) {
  auto p = load(R"([[stage]]
name = "local"
plugin = "generator"

[[stage]]
name = "out"
plugin = "stdout-sink"
inputs = ["local"]
)");
  auto pl = build(p);
  auto m = plan::to_mermaid(pl);
  std::set<std::string> subgraphs, stages;
  size_t at = 0;
  while ((at = m.find("subgraph ", at)) != std::string::npos) {
    at += 9;
    subgraphs.insert(m.substr(at, m.find('[', at) - at));
  }
  for (auto& s : p.stages) {
    std::string id = "s_" + s.name;
    BOOST_TEST(!subgraphs.count(id), "stage " << s.name << " shares the Mermaid id " << id << " with a subgraph\n" << m);
  }
}

BOOST_AUTO_TEST_SUITE_END()
