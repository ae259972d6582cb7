#include "config/toml_util.hpp"

#include <cstdlib>

namespace sluice::config {

std::string location::str() const {
  if (line == 0)
    return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

location where(const toml::node& n, const std::string& file) {
  auto& src = n.source();
  return {src.path ? *src.path : file, src.begin.line, src.begin.column};
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    default: return "nothing";
  }
}

bool reader::get(const toml::node& n, const char* key, std::string& out) {
  if (auto s = n.as_string()) {
    out = s->get();
    return true;
  }
  fail(n, std::string{"`"} + key + "` expects a string, found " + type_name(n));
  return false;
}

bool reader::get(const toml::node& n, const char* key, int64_t& out) {
  if (auto i = n.as_integer()) {
    out = i->get();
    return true;
  }
  fail(n, std::string{"`"} + key + "` expects an integer, found " + type_name(n));
  return false;
}

bool reader::get(const toml::node& n, const char* key, std::vector<std::string>& out) {
  out.clear();
  if (auto s = n.as_string()) {
    out.push_back(s->get());
    return true;
  }
  if (auto a = n.as_array()) {
    bool ok = true;
    for (auto& item : *a) {
      if (auto s = item.as_string())
        out.push_back(s->get());
      else {
        fail(item, std::string{"`"} + key + "` expects strings, found " + type_name(item));
        ok = false;
      }
    }
    return ok;
  }
  fail(n, std::string{"`"} + key + "` expects a string or an array of strings, found " + type_name(n));
  return false;
}

namespace {

// Expands one string; returns false (after reporting) on an unset variable.
bool expand(std::string& s, const toml::node& n, const std::string& node, reader& r) {
  if (s.find("${") == std::string::npos)
    return true;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto start = s.find("${", i);
    if (start == std::string::npos) {
      out.append(s, i, std::string::npos);
      break;
    }
    out.append(s, i, start - i);
    auto end = s.find('}', start);
    if (end == std::string::npos) {
      r.fail(n, "unterminated `${` in \"" + s + "\" (expected ${NAME} or ${NAME:-default})");
      return false;
    }
    auto body = s.substr(start + 2, end - start - 2);
    std::string name = body, fallback;
    bool has_fallback = false;
    if (auto sep = body.find(":-"); sep != std::string::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
      has_fallback = true;
    }
    const char* value = std::getenv(name.c_str());
    if (name == "SLUICE_NODE" && !node.empty())
      out += node; // always the process's own node name
    else if (value && *value)
      out += value;
    else if (has_fallback)
      out += fallback;
    else {
      r.fail(n, "environment variable " + name + " is not set (write ${" + name +
                  ":-default} to give a default)");
      return false;
    }
    i = end + 1;
  }
  s = std::move(out);
  return true;
}

void walk(toml::node& n, const std::string& node, reader& r) {
  if (auto s = n.as_string()) {
    std::string v = s->get();
    if (expand(v, n, node, r))
      s->get() = std::move(v);
  } else if (auto a = n.as_array()) {
    for (auto& item : *a)
      walk(item, node, r);
  } else if (auto t = n.as_table()) {
    for (auto&& [k, v] : *t)
      walk(v, node, r);
  }
}

} // namespace

void substitute_env(toml::table& t, const std::string& node, reader& r) {
  walk(t, node, r);
}

} // namespace sluice::config
