/// Shared helpers for the config unit tests.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/pipeline.hpp"

#include "support/print_optional.hpp"

using namespace sluice::config;

// One test executable includes this once: plain definitions are fine.
namespace config_helpers {

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

} // namespace config_helpers

using namespace config_helpers;
