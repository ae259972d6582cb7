/// The pipeline model: what one TOML file describes, checked and resolved.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faults/policy.hpp"

namespace toml {
inline namespace v3 {
class table;
}
} // namespace toml

namespace sluice::config {

/// A place in the config file, for messages: "file:line:column".
struct location {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string str() const;
};

/// One error with its place and what was expected.
struct diagnostic {
  location where;
  std::string message;
  std::string str() const { return where.file.empty() ? message : where.str() + ": " + message; }
};

enum class partition_kind { forward, round_robin, key, broadcast };
const char* to_string(partition_kind k);

/// `inputs = ["stage"]` or `["stage.port"]` (a side output).
struct input_ref {
  std::string stage;
  std::string port; ///< empty for the main output
  location where;
  std::string str() const { return port.empty() ? stage : stage + "." + port; }
};

struct stage_config {
  std::string name;
  std::string plugin;
  std::vector<input_ref> inputs;
  uint32_t parallelism = 1;
  std::optional<partition_kind> partition; ///< unset: derived from the graph
  std::vector<std::string> key;
  std::vector<std::string> nodes; ///< placement; empty means the default node
  location where;                 ///< the [[stage]] header
  location plugin_where;
  const toml::table* table = nullptr; ///< all keys, for plugin options
  faults::restart_policy restart;
  faults::on_error_policy on_error;
  faults::breaker_policy breaker; ///< sinks only
};

struct node_config {
  std::string name;
  std::string address;
};

/// Keys a [[stage]] table reserves for the runtime; the rest are plugin options.
extern const std::vector<std::string> reserved_stage_keys;

struct pipeline {
  std::string file;
  std::string name = "pipeline";
  std::string state_dir; ///< empty: no checkpoints (a restart starts over)
  std::string guarantee = "exactly-once";
  std::optional<int64_t> checkpoint_interval_ns = int64_t{10} * 1000000000; ///< nullopt = "off"
  std::optional<int64_t> retain_interval_ns = int64_t{60} * 1000000000; ///< between copies; nullopt = "off"
  uint32_t retain = 2;                                                   ///< copies kept
  std::string coordinator;
  uint32_t batch_size = 512; ///< records per batch
  uint32_t credits = 8;      ///< batches in flight per input channel
  bool watch_plugins = true; ///< reload a stage when its plugin file is replaced (needs state_dir)
  int64_t peer_timeout_ns = int64_t{5} * 1000000000; ///< several nodes: silence after which a node is lost
  std::map<std::string, node_config> nodes;
  std::vector<stage_config> stages;
  std::string node; ///< the node this process runs as
  std::shared_ptr<toml::table> doc;

  const stage_config* find(const std::string& stage) const;
  /// Index of `stage` in `stages`, or -1.
  int index_of(const std::string& stage) const;
  /// Stages in an order where every input comes before its consumers.
  std::vector<int> topological_order() const;
  /// Node that hosts instance `i` of `s`.
  const std::string& node_of(const stage_config& s, uint32_t i) const;
  /// Default placement: the coordinator.
  const std::string& default_node() const { return coordinator; }
};

/// Reads, substitutes ${ENV} and checks a pipeline file. `node` names this
/// process (for ${SLUICE_NODE}); empty picks the default node.
struct load_result {
  std::optional<pipeline> value;
  std::vector<diagnostic> errors;
};
load_result load_file(const std::string& path, const std::string& node = {});
load_result load_string(const std::string& text, const std::string& file, const std::string& node = {});

} // namespace sluice::config
