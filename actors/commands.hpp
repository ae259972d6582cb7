/// The `sluice` verbs. Each returns the process exit code:
/// 0 ok, 2 bad usage or config, 1 runtime failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/pipeline.hpp"

namespace sluice::cli {

struct common {
  std::string config;
  std::string node;
};

/// The node's config (its placement applied), or nothing after printing every error to stderr
/// (the verb then exits 2).
std::optional<config::pipeline> load_or_report(const common& c);

int run(const common& c, const std::string& stats_file, unsigned threads);
int validate(const common& c);
int graph(const common& c, const std::string& format);
int inspect(const std::string& plugin);
/// `checkpoint ls|inspect`: reads the node's state store, also while it is stopped.
int checkpoint(const common& c, const std::string& verb);
/// `reload --config F STAGE`: the running node swaps in the plugin file the config names.
int reload(const common& c, const std::string& stage);

struct dlq_args {
  std::string verb;             ///< list, show, replay or purge
  std::string stage;            ///< only this stage's dead letters (all when empty)
  std::string id;               ///< show: the entry
  std::string into;             ///< replay: the stage to replay into (default: where each failed)
  std::vector<std::string> ids; ///< replay: only these entries (all of `stage` when empty)
};
/// `dlq list|show|replay|purge`: reads (replay, purge: changes) the node's dead letters; list
/// and show also while the node runs, replay and purge only while it is stopped.
int dlq(const common& c, const dlq_args& a);

} // namespace sluice::cli
