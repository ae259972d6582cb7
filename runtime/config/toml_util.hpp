/// Helpers for reading toml++ nodes with located errors (runtime-internal).
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/pipeline.hpp"

namespace sluice::config {

location where(const toml::node& n, const std::string& file);
const char* type_name(const toml::node& n);

/// Collects diagnostics while reading one document.
class reader {
public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  void fail(const toml::node& n, std::string msg) { errors_.push_back({where(n, file_), std::move(msg)}); }
  void fail(location at, std::string msg) { errors_.push_back({std::move(at), std::move(msg)}); }
  location at(const toml::node& n) const { return where(n, file_); }

  /// Reads a string; on a wrong type, reports "`key` expects a string".
  bool get(const toml::node& n, const char* key, std::string& out);
  bool get(const toml::node& n, const char* key, int64_t& out);
  /// A string or an array of strings.
  bool get(const toml::node& n, const char* key, std::vector<std::string>& out);

  std::vector<diagnostic>& errors() { return errors_; }
  const std::string& file() const { return file_; }

private:
  std::string file_;
  std::vector<diagnostic> errors_;
};

/// Reads `restart`, `on_error` or `breaker` of a [[stage]] (config/faults.cpp).
void read_fault_policy(const std::string& key, const toml::node& v, stage_config& s, reader& r);

/// Replaces ${NAME} and ${NAME:-default} in every string of `t`.
/// ${SLUICE_NODE} is `node` even where the environment lacks it.
void substitute_env(toml::table& t, const std::string& node, reader& r);

} // namespace sluice::config
