#include "plugin/options.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "config/toml_util.hpp"
#include "core/text.hpp"

namespace sluice::plugin {

const char* option_type_name(uint32_t type) {
  switch (type) {
    case SLUICE_OPT_STRING: return "string";
    case SLUICE_OPT_INT: return "integer";
    case SLUICE_OPT_FLOAT: return "number";
    case SLUICE_OPT_BOOL: return "boolean";
    case SLUICE_OPT_DURATION: return "duration";
    case SLUICE_OPT_SIZE: return "size (bytes)";
    case SLUICE_OPT_STRING_LIST: return "list of strings";
    case SLUICE_OPT_STRING_MAP: return "table of strings";
    case SLUICE_OPT_TABLE_LIST: return "list of tables";
  }
  return "unknown";
}

const sluice_option_value* option_set::find(const char* key) const noexcept {
  for (auto& v : values_)
    if (std::strcmp(v.key, key) == 0)
      return &v;
  return nullptr;
}

const char* option_set::keep(const std::string& s) {
  strings_.push_back(s);
  return strings_.back().c_str();
}

void option_set::add_string(const std::string& key, uint32_t type, const std::string& s, int64_t i) {
  sluice_option_value v{};
  v.key = keep(key);
  v.type = type;
  v.str = keep(s);
  v.i = i;
  v.f = static_cast<double>(i);
  values_.push_back(v);
}

void option_set::add_number(const std::string& key, uint32_t type, int64_t i, double f) {
  sluice_option_value v{};
  v.key = keep(key);
  v.type = type;
  v.i = i;
  v.f = f;
  v.str = keep(type == SLUICE_OPT_FLOAT ? std::to_string(f) : std::to_string(i));
  values_.push_back(v);
}

void option_set::add_items(const std::string& key, uint32_t type, const std::vector<std::string>& items) {
  sluice_option_value v{};
  v.key = keep(key);
  v.type = type;
  auto& list = lists_.emplace_back();
  for (auto& s : items)
    list.push_back(keep(s));
  v.items = list.data();
  v.n_items = type == SLUICE_OPT_STRING_MAP ? items.size() / 2 : items.size(); // TABLE_LIST: JSON texts
  values_.push_back(v);
}

namespace {

using config::diagnostic;
using config::location;

// Converts one TOML node into `out`; returns an error text or "".
std::string convert(const sluice_option_spec& spec, const toml::node& n, option_set& out) {
  std::string key = spec.key;
  auto expects = [&](const char* what) {
    return "option `" + key + "` expects " + what + ", found " + config::type_name(n);
  };
  switch (spec.type) {
    case SLUICE_OPT_STRING:
      if (auto s = n.as_string()) {
        out.add_string(key, spec.type, s->get());
        return {};
      }
      return expects("a string");
    case SLUICE_OPT_INT:
    case SLUICE_OPT_SIZE:
      if (auto i = n.as_integer()) {
        if (spec.type == SLUICE_OPT_SIZE && i->get() < 0)
          return "option `" + key + "` is a size in bytes and cannot be negative";
        out.add_number(key, spec.type, i->get(), static_cast<double>(i->get()));
        return {};
      }
      return expects(spec.type == SLUICE_OPT_SIZE ? "an integer number of bytes" : "an integer");
    case SLUICE_OPT_FLOAT:
      if (auto f = n.as_floating_point()) {
        out.add_number(key, spec.type, static_cast<int64_t>(f->get()), f->get());
        return {};
      }
      if (auto i = n.as_integer()) {
        out.add_number(key, spec.type, i->get(), static_cast<double>(i->get()));
        return {};
      }
      return expects("a number");
    case SLUICE_OPT_BOOL:
      if (auto b = n.as_boolean()) {
        out.add_number(key, spec.type, b->get() ? 1 : 0, b->get() ? 1 : 0);
        return {};
      }
      return expects("true or false");
    case SLUICE_OPT_DURATION:
      if (auto s = n.as_string()) {
        auto d = text::parse_duration(s->get());
        if (!d)
          return "option `" + key + "` is \"" + s->get() + "\"; expected a duration like \"200ms\", \"1s\", \"5m\"";
        out.add_string(key, spec.type, s->get(), *d);
        return {};
      }
      return expects("a duration string like \"1s\"");
    case SLUICE_OPT_STRING_LIST: {
      std::vector<std::string> items;
      if (auto s = n.as_string())
        items.push_back(s->get());
      else if (auto a = n.as_array()) {
        for (auto& item : *a) {
          if (!item.is_string())
            return "option `" + key + "` expects strings, found " + config::type_name(item);
          items.push_back(item.as_string()->get());
        }
      } else
        return expects("a list of strings");
      out.add_items(key, spec.type, items);
      return {};
    }
    case SLUICE_OPT_STRING_MAP: {
      auto t = n.as_table();
      if (!t)
        return expects("a table like { old = \"new\" }");
      std::vector<std::string> items;
      for (auto&& [k, v] : *t) {
        if (!v.is_string())
          return "option `" + key + "." + std::string{k.str()} + "` expects a string, found " +
                 config::type_name(v);
        items.push_back(std::string{k.str()});
        items.push_back(v.as_string()->get());
      }
      out.add_items(key, spec.type, items);
      return {};
    }
    case SLUICE_OPT_TABLE_LIST: {
      auto a = n.as_array();
      if (!a)
        return expects(("a list of tables, written [[stage." + key + "]]").c_str());
      std::vector<std::string> items;
      for (auto& item : *a) {
        auto t = item.as_table();
        if (!t)
          return "option `" + key + "` expects tables, found " + config::type_name(item);
        std::ostringstream json;
        json << toml::json_formatter{*t, toml::format_flags::none};
        items.push_back(json.str());
      }
      out.add_items(key, spec.type, items);
      return {};
    }
  }
  return "option `" + key + "` has an unknown type in the plugin's table";
}

// Parses a textual default through the same path as config values.
std::string convert_default(const sluice_option_spec& spec, option_set& out) {
  std::string text = spec.default_value;
  toml::table t;
  try {
    if (spec.type == SLUICE_OPT_STRING || spec.type == SLUICE_OPT_DURATION)
      t.insert("v", text);
    else
      t = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    return "plugin bug: default \"" + text + "\" of option `" + spec.key + "` does not parse";
  }
  return convert(spec, *t.get("v"), out);
}

} // namespace

bind_result bind_options(const sluice_stage_desc& desc, const config::stage_config& stage,
                         const std::string& file) {
  bind_result out;
  std::vector<std::string> known;
  for (size_t i = 0; i < desc.option_count; ++i)
    known.push_back(desc.options[i].key);
  const auto& reserved = config::reserved_stage_keys;
  if (stage.table)
    for (auto&& [k, v] : *stage.table) {
      std::string key{k.str()};
      bool is_reserved = std::find(reserved.begin(), reserved.end(), key) != reserved.end();
      bool is_known = std::find(known.begin(), known.end(), key) != known.end();
      if (!is_reserved && !is_known) {
        auto hint = text::closest(key, known);
        auto& src = k.source();
        config::location at{src.path ? *src.path : file, src.begin.line, src.begin.column};
        out.errors.push_back({at,
                              "stage " + stage.name + " (plugin " + desc.name + ") has no option `" + key +
                                "`" + (hint ? " (did you mean `" + *hint + "`?)" : "") +
                                "; see `sluice inspect " + desc.name + "`"});
      }
    }
  for (size_t i = 0; i < desc.option_count; ++i) {
    auto& spec = desc.options[i];
    const toml::node* n = stage.table ? stage.table->get(spec.key) : nullptr;
    std::string err;
    if (n)
      err = convert(spec, *n, out.options);
    else if (spec.default_value)
      err = convert_default(spec, out.options);
    else if (spec.flags & SLUICE_OPTION_REQUIRED)
      err = "stage " + stage.name + " needs option `" + spec.key + "` (" +
            (spec.help ? spec.help : option_type_name(spec.type)) + ")";
    if (!err.empty()) {
      auto at = n ? config::where(*n, file) : stage.where;
      if (n)
        err = "stage " + stage.name + ": " + err;
      out.errors.push_back({at, err});
    }
  }
  return out;
}

} // namespace sluice::plugin
