/// The `sluice` verbs. Each returns the process exit code:
/// 0 ok, 2 bad usage or config, 1 runtime failure.
#pragma once

#include <string>

namespace sluice::cli {

struct common {
  std::string config;
  std::string node;
};

int run(const common& c, const std::string& stats_file, unsigned threads);
int validate(const common& c);
int graph(const common& c, const std::string& format);
int inspect(const std::string& plugin);
/// `checkpoint ls|inspect`: reads the node's state store, also while it is stopped.
int checkpoint(const common& c, const std::string& verb);
/// `dlq list|show|purge`: reads (purge: changes) the node's dead letters of `stage` (all when
/// empty); list and show also while the node runs, purge only while it is stopped.
int dlq(const common& c, const std::string& verb, const std::string& stage, const std::string& id);

} // namespace sluice::cli
