#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "config/toml_util.hpp"
#include "core/text.hpp"

namespace sluice::config {

const std::vector<std::string> reserved_stage_keys = {
  "name", "plugin", "inputs", "parallelism", "partition", "key", "node", "nodes", "restart", "on_error", "breaker"};

const char* to_string(partition_kind k) {
  switch (k) {
    case partition_kind::forward: return "forward";
    case partition_kind::round_robin: return "round_robin";
    case partition_kind::key: return "key";
    case partition_kind::broadcast: return "broadcast";
  }
  return "?";
}

namespace {

const std::vector<std::string> pipeline_keys = {"name", "state_dir", "guarantee", "checkpoint_interval",
                                                "retain_interval", "retain", "coordinator", "batch_size", "credits",
                                                "watch_plugins", "peer_timeout"};

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  auto c = text::closest(word, candidates);
  return c ? " (did you mean `" + *c + "`?)" : "";
}

bool valid_name(const std::string& s) {
  static const std::regex re{"[A-Za-z0-9_][A-Za-z0-9_-]*"};
  return std::regex_match(s, re);
}

void read_pipeline(const toml::table& t, pipeline& p, reader& r) {
  for (auto&& [k, v] : t) {
    std::string key{k.str()};
    if (key == "name")
      r.get(v, "name", p.name);
    else if (key == "state_dir")
      r.get(v, "state_dir", p.state_dir);
    else if (key == "guarantee") {
      if (r.get(v, "guarantee", p.guarantee) && p.guarantee != "exactly-once" &&
          p.guarantee != "at-least-once")
        r.fail(v, "`guarantee` is \"" + p.guarantee +
                    "\"; expected \"exactly-once\" or \"at-least-once\"");
    } else if (key == "checkpoint_interval" || key == "retain_interval" || key == "peer_timeout") {
      std::string s;
      if (!r.get(v, key.c_str(), s))
        continue;
      auto d = text::parse_duration(s);
      if (s == "off" && key != "peer_timeout")
        (key == "checkpoint_interval" ? p.checkpoint_interval_ns : p.retain_interval_ns).reset();
      else if (d && *d > 0 && key == "peer_timeout")
        p.peer_timeout_ns = *d;
      else if (d && *d > 0)
        (key == "checkpoint_interval" ? p.checkpoint_interval_ns : p.retain_interval_ns) = *d;
      else
        r.fail(v, "`" + key + "` is \"" + s + "\"; expected a duration like " +
                    (key == "peer_timeout" ? "\"5s\"" : key == "retain_interval" ? "\"60s\" or \"off\"" : "\"1s\" or \"off\""));
    } else if (key == "retain") {
      int64_t n = 0;
      if (!r.get(v, "retain", n))
        continue;
      if (n < 1 || n > 1000)
        r.fail(v, "`retain` is " + std::to_string(n) + "; expected 1..1000");
      else
        p.retain = static_cast<uint32_t>(n);
    } else if (key == "coordinator")
      r.get(v, "coordinator", p.coordinator);
    else if (key == "batch_size" || key == "credits") {
      int64_t n = 0;
      if (!r.get(v, key.c_str(), n))
        continue;
      if (n < 1 || n > 1000000)
        r.fail(v, "`" + key + "` is " + std::to_string(n) + "; expected 1..1000000");
      else
        (key == "batch_size" ? p.batch_size : p.credits) = static_cast<uint32_t>(n);
    } else if (key == "watch_plugins") {
      if (auto b = v.as_boolean())
        p.watch_plugins = b->get();
      else
        r.fail(v, "`watch_plugins` expects true or false, found " + std::string{type_name(v)});
    } else
      r.fail(v, "unknown key `" + key + "` in [pipeline]" + suggest(key, pipeline_keys));
  }
}

void read_nodes(const toml::node& n, pipeline& p, reader& r) {
  auto t = n.as_table();
  if (!t) {
    r.fail(n, "[nodes] expects tables like [nodes.a] address = \"tcp://host:port\"");
    return;
  }
  for (auto&& [k, v] : *t) {
    node_config nc;
    nc.name = std::string{k.str()};
    auto nt = v.as_table();
    if (!nt) {
      r.fail(v, "[nodes." + nc.name + "] expects a table with `address`");
      continue;
    }
    for (auto&& [nk, nv] : *nt) {
      if (nk.str() == "address")
        r.get(nv, "address", nc.address);
      else
        r.fail(nv, "unknown key `" + std::string{nk.str()} + "` in [nodes." + nc.name +
                     "]" + suggest(nk.str(), {"address"}));
    }
    p.nodes[nc.name] = nc;
  }
}

void read_stage(const toml::table& t, pipeline& p, reader& r) {
  stage_config s;
  s.where = r.at(t);
  s.table = &t;
  bool has_node = false;
  for (auto&& [k, v] : t) {
    std::string key{k.str()};
    if (key == "name") {
      if (r.get(v, "name", s.name) && !valid_name(s.name))
        r.fail(v, "stage name \"" + s.name + "\" may use letters, digits, `_` and `-` only");
    } else if (key == "plugin") {
      r.get(v, "plugin", s.plugin);
      s.plugin_where = r.at(v);
    } else if (key == "inputs") {
      std::vector<std::string> names;
      if (!r.get(v, "inputs", names))
        continue;
      auto a = v.as_array();
      for (size_t i = 0; i < names.size(); ++i) {
        input_ref in;
        in.where = a ? r.at(*a->get(i)) : r.at(v);
        auto dot = names[i].find('.');
        in.stage = names[i].substr(0, dot);
        if (dot != std::string::npos)
          in.port = names[i].substr(dot + 1);
        s.inputs.push_back(in);
      }
    } else if (key == "parallelism") {
      int64_t n = 0;
      if (r.get(v, "parallelism", n)) {
        if (n < 1 || n > 4096)
          r.fail(v, "`parallelism` is " + std::to_string(n) + "; expected 1..4096");
        else
          s.parallelism = static_cast<uint32_t>(n);
      }
    } else if (key == "partition") {
      std::string m;
      if (!r.get(v, "partition", m))
        continue;
      if (m == "forward")
        s.partition = partition_kind::forward;
      else if (m == "round_robin")
        s.partition = partition_kind::round_robin;
      else if (m == "key")
        s.partition = partition_kind::key;
      else if (m == "broadcast")
        s.partition = partition_kind::broadcast;
      else
        r.fail(v, "`partition` is \"" + m +
                    "\"; expected \"forward\", \"round_robin\", \"key\" or \"broadcast\"" +
                    suggest(m, {"forward", "round_robin", "key", "broadcast"}));
    } else if (key == "key")
      r.get(v, "key", s.key);
    else if (key == "node") {
      std::string n;
      if (r.get(v, "node", n))
        s.nodes = {n};
      has_node = true;
    } else if (key == "nodes") {
      if (has_node)
        r.fail(v, "a stage takes `node` or `nodes`, not both");
      else if (r.get(v, "nodes", s.nodes) && s.nodes.empty())
        r.fail(v, "`nodes` is empty; expected at least one node name");
    } else if (key == "restart" || key == "on_error" || key == "breaker")
      read_fault_policy(key, v, s, r);
    // everything else is a plugin option, checked against the plugin's table later
  }
  if (s.name.empty())
    r.fail(t, "[[stage]] needs `name = \"...\"`");
  if (s.plugin.empty())
    r.fail(t, "[[stage]] " + s.name + " needs `plugin = \"...\"` (a built-in name or a path to a .so)");
  if (s.partition == partition_kind::key && s.key.empty())
    r.fail(t, "stage " + s.name + " has partition = \"key\" but no `key = [\"field\", ...]`");
  p.stages.push_back(std::move(s));
}

void check_graph(pipeline& p, reader& r) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (auto& s : p.stages) {
    if (!s.name.empty() && !seen.insert(s.name).second)
      r.fail(s.where, "a second stage is named " + s.name + "; stage names must be unique");
    names.push_back(s.name);
  }
  for (auto& s : p.stages)
    for (auto& in : s.inputs) {
      if (p.index_of(in.stage) < 0)
        r.fail(in.where, "stage " + s.name + " reads from \"" + in.stage +
                           "\", which no [[stage]] defines" + suggest(in.stage, names));
      else if (in.stage == s.name)
        r.fail(in.where, "stage " + s.name + " reads from itself (a cycle)");
    }
  // Cycle detection (DFS, colours).
  std::vector<int> colour(p.stages.size(), 0), parent(p.stages.size(), -1);
  std::function<bool(int)> dfs = [&](int u) -> bool {
    colour[u] = 1;
    for (auto& in : p.stages[u].inputs) {
      int v = p.index_of(in.stage);
      if (v < 0 || v == u)
        continue;
      if (colour[v] == 1) {
        std::string path = p.stages[v].name;
        for (int w = u; w != v && w >= 0; w = parent[w])
          path = p.stages[w].name + " -> " + path;
        path = p.stages[v].name + " -> " + path;
        r.fail(in.where, "the inputs form a cycle: " + path + " (a pipeline must be a DAG)");
        return true;
      }
      if (colour[v] == 0) {
        parent[v] = u;
        if (dfs(v))
          return true;
      }
    }
    colour[u] = 2;
    return false;
  };
  for (size_t i = 0; i < p.stages.size(); ++i)
    if (colour[i] == 0 && dfs(static_cast<int>(i)))
      break;
  // Placement.
  if (p.coordinator.empty()) {
    if (!p.stages.empty() && !p.stages.front().nodes.empty())
      p.coordinator = p.stages.front().nodes.front();
    else if (!p.nodes.empty())
      p.coordinator = p.nodes.begin()->first;
    else
      p.coordinator = "local";
  }
  auto known_node = [&](const std::string& n) { return p.nodes.empty() ? n == p.coordinator : p.nodes.count(n) > 0; };
  std::vector<std::string> node_names;
  for (auto& [n, _] : p.nodes)
    node_names.push_back(n);
  if (!known_node(p.coordinator))
    r.fail(location{p.file, 1, 1}, "[pipeline] coordinator \"" + p.coordinator +
                                       "\" is not a [nodes.*] entry" + suggest(p.coordinator, node_names));
  for (auto& s : p.stages)
    for (auto& n : s.nodes)
      if (!known_node(n))
        r.fail(s.where, "stage " + s.name + " is placed on node \"" + n +
                          "\", which no [nodes." + n + "] defines" + suggest(n, node_names));
}

} // namespace

const stage_config* pipeline::find(const std::string& stage) const {
  int i = index_of(stage);
  return i < 0 ? nullptr : &stages[static_cast<size_t>(i)];
}

int pipeline::index_of(const std::string& stage) const {
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i].name == stage)
      return static_cast<int>(i);
  return -1;
}

std::vector<int> pipeline::topological_order() const {
  std::vector<int> order, state(stages.size(), 0);
  std::function<void(int)> visit = [&](int u) {
    if (state[u])
      return;
    state[u] = 1;
    for (auto& in : stages[u].inputs)
      if (int v = index_of(in.stage); v >= 0)
        visit(v);
    order.push_back(u);
  };
  for (size_t i = 0; i < stages.size(); ++i)
    visit(static_cast<int>(i));
  return order;
}

const std::string& pipeline::node_of(const stage_config& s, uint32_t i) const {
  return s.nodes.empty() ? default_node() : s.nodes[i % s.nodes.size()];
}

load_result load_string(const std::string& text, const std::string& file, const std::string& node) {
  load_result out;
  pipeline p;
  p.file = file;
  try {
    p.doc = std::make_shared<toml::table>(toml::parse(text, file));
  } catch (const toml::parse_error& e) {
    auto& b = e.source().begin;
    out.errors.push_back({{file, b.line, b.column}, std::string{e.description()}});
    return out;
  }
  reader r{file};
  auto& doc = *p.doc;
  // The node name is needed for ${SLUICE_NODE}; read it before substitution.
  // Without --node the process runs as the default node (see check_graph): the
  // coordinator, else the first stage's node, else the first [nodes] entry.
  std::string self = node;
  auto literal = [](std::optional<std::string> s) {
    return s && s->find("${") == std::string::npos ? *s : std::string{};
  };
  if (self.empty())
    self = literal(doc["pipeline"]["coordinator"].value<std::string>());
  if (self.empty())
    if (auto first = doc["stage"][0]; first) {
      self = literal(first["node"].value<std::string>());
      if (self.empty())
        self = literal(first["nodes"][0].value<std::string>());
    }
  if (self.empty())
    if (auto n = doc["nodes"].as_table(); n && !n->empty())
      self = std::string{n->begin()->first.str()};
  if (self.empty())
    self = "local";
  substitute_env(doc, self, r);
  for (auto&& [k, v] : doc) {
    std::string key{k.str()};
    if (key == "pipeline") {
      if (auto t = v.as_table())
        read_pipeline(*t, p, r);
      else
        r.fail(v, "`pipeline` must be a table: [pipeline]");
    } else if (key == "nodes")
      read_nodes(v, p, r);
    else if (key == "stage") {
      auto a = v.as_array();
      if (!a || !a->is_array_of_tables()) {
        r.fail(v, "stages are written as [[stage]] tables");
        continue;
      }
      for (auto& st : *a)
        read_stage(*st.as_table(), p, r);
    } else
      r.fail(v, "unknown top-level key `" + key + "`; expected [pipeline], [nodes.NAME] or [[stage]]" +
                  suggest(key, {"pipeline", "nodes", "stage"}));
  }
  if (p.stages.empty() && r.errors().empty())
    r.fail(location{file, 1, 1}, "the pipeline has no [[stage]]");
  check_graph(p, r);
  p.node = node.empty() ? p.coordinator : node;
  if (!p.nodes.empty() && !p.nodes.count(p.node))
    r.fail(location{file, 1, 1}, "--node " + p.node + " is not a [nodes.*] entry of this file");
  out.errors = std::move(r.errors());
  if (out.errors.empty())
    out.value = std::move(p);
  return out;
}

load_result load_file(const std::string& path, const std::string& node) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    load_result out;
    config::diagnostic d; // named: GCC 12 -O3 misreads the braced temporary
    d.where.file = path;
    d.message = "cannot read the config file: " + std::string{std::strerror(errno)};
    out.errors.push_back(std::move(d));
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_string(ss.str(), path, node);
}

} // namespace sluice::config
