#include "plan/graph.hpp"

#include <map>
#include <set>
#include <sstream>

namespace sluice::plan {

namespace {

std::string placement(const config::pipeline& p, const config::stage_config& s) {
  std::set<std::string> nodes;
  for (uint32_t i = 0; i < s.parallelism; ++i)
    nodes.insert(p.node_of(s, i));
  std::string out;
  for (auto& n : nodes)
    out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string label(const config::pipeline& p, const config::stage_config& s) {
  return s.name + "\\n" + s.plugin + " x" + std::to_string(s.parallelism) + " @ " + placement(p, s);
}

std::string edge_label(const plan& pl, const edge_desc& e) {
  std::string l = config::to_string(e.kind);
  if (e.kind == config::partition_kind::key) {
    l += "(";
    for (size_t i = 0; i < e.key.size(); ++i)
      l += (i ? "," : "") + e.key[i];
    l += ")";
  }
  auto& ports = pl.stages[static_cast<size_t>(e.from)].ports;
  if (e.port > 0)
    l = ports[e.port] + ": " + l;
  return l;
}

// Mermaid ids may not contain '-'; stages and nodes get distinct prefixes.
std::string mid(const std::string& s, const char* prefix = "s_") {
  std::string out = prefix;
  for (char c : s)
    out += c == '-' ? '_' : c;
  return out;
}

} // namespace

std::string to_dot(const plan& pl) {
  auto& p = *pl.p;
  std::ostringstream o;
  o << "digraph \"" << p.name << "\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  std::map<std::string, std::vector<size_t>> by_node;
  for (size_t i = 0; i < p.stages.size(); ++i)
    by_node[p.node_of(p.stages[i], 0)].push_back(i);
  for (auto& [node, idx] : by_node) {
    o << "  subgraph \"cluster_" << node << "\" {\n    label=\"node " << node << "\";\n";
    for (auto i : idx)
      o << "    \"" << p.stages[i].name << "\" [label=\"" << label(p, p.stages[i]) << "\"];\n";
    o << "  }\n";
  }
  for (auto& e : pl.edges)
    o << "  \"" << p.stages[static_cast<size_t>(e.from)].name << "\" -> \""
      << p.stages[static_cast<size_t>(e.to)].name << "\" [label=\"" << edge_label(pl, e) << "\"];\n";
  o << "}\n";
  return o.str();
}

std::string to_mermaid(const plan& pl) {
  auto& p = *pl.p;
  std::ostringstream o;
  o << "flowchart LR\n";
  std::map<std::string, std::vector<size_t>> by_node;
  for (size_t i = 0; i < p.stages.size(); ++i)
    by_node[p.node_of(p.stages[i], 0)].push_back(i);
  for (auto& [node, idx] : by_node) {
    o << "  subgraph " << mid(node, "n_") << "[\"node " << node << "\"]\n";
    for (auto i : idx) {
      auto l = label(p, p.stages[i]);
      for (size_t k; (k = l.find("\\n")) != std::string::npos;)
        l.replace(k, 2, "<br/>");
      o << "    " << mid(p.stages[i].name) << "[\"" << l << "\"]\n";
    }
    o << "  end\n";
  }
  for (auto& e : pl.edges)
    o << "  " << mid(p.stages[static_cast<size_t>(e.from)].name) << " -->|" << edge_label(pl, e) << "| "
      << mid(p.stages[static_cast<size_t>(e.to)].name) << "\n";
  return o.str();
}

} // namespace sluice::plan
