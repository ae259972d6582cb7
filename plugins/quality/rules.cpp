#include "quality/rules.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include <simdjson.h>

#include "common/json.hpp"
#include "sluice/error.hpp"

namespace sluice::builtin::quality {

namespace {

namespace dom = simdjson::dom;

struct check_info {
  check_kind kind;
  const char* name;
  std::initializer_list<const char*> keys; ///< beyond name, field, check and action
};

const check_info checks[] = {
  {check_kind::not_null, "not_null", {}},
  {check_kind::unique, "unique", {"ttl"}},
  {check_kind::range, "range", {"min", "max"}},
  {check_kind::regex, "regex", {"pattern"}},
  {check_kind::type, "type", {"type"}},
  {check_kind::one_of, "one_of", {"values"}},
};

const std::pair<json_kind, const char*> kinds[] = {
  {json_kind::string, "string"}, {json_kind::number, "number"}, {json_kind::integer, "integer"},
  {json_kind::boolean, "boolean"}, {json_kind::object, "object"}, {json_kind::array, "array"},
  {json_kind::null, "null"},
};

const char* toml_type(const dom::element& e) {
  switch (e.type()) {
    case dom::element_type::STRING: return "a string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return "an integer";
    case dom::element_type::DOUBLE: return "a float";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "a table";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

/// One `[[stage.rules]]` table; every error names it.
class table {
public:
  table(dom::parser& parser, size_t index, const std::string& json) : index_(index), text_(json) {
    if (auto err = parser.parse(text_).get(root_); err || !root_.is_object())
      fail("cannot read the table (" + std::string{err ? simdjson::error_message(err) : "not an object"} + ")");
    if (auto n = root_["name"]; !n.error() && n.value_unsafe().is_string())
      label_ = std::string{n.value_unsafe().get_string().value_unsafe()};
  }

  [[noreturn]] void fail(const std::string& message) const {
    std::string at = "rules[" + std::to_string(index_) + "]";
    if (!label_.empty())
      at += " " + json_quote(label_);
    throw stage_error{at + ": " + message};
  }
  void set_label(std::string label) {
    if (label_.empty())
      label_ = std::move(label);
  }

  bool has(const char* key) const { return !root_[key].error(); }

  std::optional<std::string> text(const char* key) const {
    dom::element e;
    if (root_[key].get(e))
      return std::nullopt;
    if (!e.is_string())
      fail("`" + std::string{key} + "` must be a string, found " + toml_type(e));
    return std::string{e.get_string().value_unsafe()};
  }
  std::string required_text(const char* key, const char* example) const {
    auto s = text(key);
    if (!s || s->empty())
      fail("`" + std::string{key} + "` is required, e.g. " + example);
    return *s;
  }
  std::optional<double> number(const char* key) const {
    dom::element e;
    if (root_[key].get(e))
      return std::nullopt;
    double d = 0;
    if (!e.is_number() || e.get_double().get(d))
      fail("`" + std::string{key} + "` must be a number, found " + toml_type(e));
    return d;
  }
  std::vector<std::string> strings(const char* key) const {
    dom::element e;
    dom::array a;
    if (root_[key].get(e) || e.get_array().get(a))
      fail("`" + std::string{key} + "` must be an array of strings, e.g. " + key + " = [\"a\", \"b\"]");
    std::vector<std::string> out;
    for (dom::element item : a) {
      if (!item.is_string())
        fail("`" + std::string{key} + "` must hold strings only, found " + toml_type(item));
      out.emplace_back(item.get_string().value_unsafe());
    }
    return out;
  }

  /// Fails on a key that `info`'s check does not take.
  void only(const check_info& info) const {
    std::string takes = "name, field, check, action";
    for (auto k : info.keys)
      takes += std::string{", "} + k;
    dom::object obj;
    if (root_.get_object().get(obj))
      fail("cannot read the table");
    for (auto [key, value] : obj) {
      (void)value;
      bool known = key == "name" || key == "field" || key == "check" || key == "action" ||
                   std::any_of(info.keys.begin(), info.keys.end(), [&](const char* k) { return key == k; });
      if (!known)
        fail("unknown key `" + std::string{key} + "` (a " + info.name + " rule takes " + takes + ")");
    }
  }

private:
  size_t index_;
  simdjson::padded_string text_;
  dom::element root_;
  std::string label_;
};

std::string checked_field(const table& t) {
  auto f = t.required_text("field", "field = \"customer\"");
  size_t start = 0;
  while (true) {
    size_t dot = f.find('.', start);
    if ((dot == std::string::npos ? f.size() : dot) == start)
      t.fail("`field` \"" + f + "\" has an empty path segment");
    if (dot == std::string::npos)
      return f;
    start = dot + 1;
  }
}

rule parse_one(dom::parser& parser, size_t index, const std::string& json) {
  table t{parser, index, json};
  rule r;
  r.index = index;
  auto check = t.required_text("check", "check = \"not_null\"");
  auto info = std::find_if(std::begin(checks), std::end(checks), [&](auto& c) { return check == c.name; });
  if (info == std::end(checks))
    t.fail("unknown check \"" + check + "\" (expected not_null, unique, range, regex, type or one_of)");
  r.check = info->kind;
  r.field = checked_field(t);
  r.pointer = pointer_of(r.field);
  r.name = t.text("name").value_or(check + ":" + r.field);
  if (r.name.empty())
    t.fail("`name` must not be empty");
  t.set_label(r.name);
  t.only(*info);

  auto act = t.text("action").value_or("dead-letter");
  if (act == "dead-letter")
    r.act = action::dead_letter;
  else if (act == "drop")
    r.act = action::drop;
  else if (act == "tag")
    r.act = action::tag;
  else
    t.fail("unknown action \"" + act + "\" (expected dead-letter, drop or tag)");

  switch (r.check) {
    case check_kind::not_null:
      break;
    case check_kind::unique: {
      r.ttl_text = t.required_text("ttl", "ttl = \"1h\" (how long a value is remembered)");
      auto ttl = parse_duration(r.ttl_text);
      if (!ttl)
        t.fail("`ttl` is \"" + r.ttl_text + "\"; expected a duration like \"500ms\", \"10s\", \"5m\", \"1h\"");
      if (*ttl <= 0)
        t.fail("`ttl` must be longer than 0");
      r.ttl = *ttl;
      break;
    }
    case check_kind::range:
      r.min = t.number("min");
      r.max = t.number("max");
      if (!r.min && !r.max)
        t.fail("a range rule needs `min`, `max` or both");
      if (r.min && r.max && *r.min > *r.max)
        t.fail("`min` is above `max`");
      break;
    case check_kind::regex:
      r.pattern = t.required_text("pattern", "pattern = \"^[^@]+@[^@]+$\"");
      try {
        r.re = std::regex{r.pattern, std::regex::ECMAScript};
      } catch (const std::regex_error& e) {
        t.fail("`pattern` /" + r.pattern + "/ is not a valid regular expression: " + e.what());
      }
      break;
    case check_kind::type: {
      auto type = t.required_text("type", "type = \"number\"");
      auto k = std::find_if(std::begin(kinds), std::end(kinds), [&](auto& p) { return type == p.second; });
      if (k == std::end(kinds))
        t.fail("unknown type \"" + type + "\" (expected string, number, integer, boolean, object, array or null)");
      r.type = k->first;
      break;
    }
    case check_kind::one_of:
      if (!t.has("values"))
        t.fail("`values` is required, e.g. values = [\"active\", \"cancelled\"]");
      r.values = t.strings("values");
      if (r.values.empty())
        t.fail("`values` must not be empty");
      break;
  }
  r.failed_counter = r.name + ".failed";
  r.quoted_name = json_quote(r.name);
  return r;
}

} // namespace

std::vector<rule> parse_rules(const std::vector<std::string>& tables) {
  if (tables.empty())
    throw stage_error{"rules: expected at least one rule, written [[stage.rules]]"};
  dom::parser parser;
  std::vector<rule> out;
  for (size_t i = 0; i < tables.size(); ++i) {
    out.push_back(parse_one(parser, i, tables[i]));
    for (size_t j = 0; j < i; ++j)
      if (out[j].name == out[i].name)
        throw stage_error{"rules[" + std::to_string(i) + "] " + json_quote(out[i].name) +
                          ": the name is already used by rules[" + std::to_string(j) +
                          "]; give one of them another `name`"};
  }
  return out;
}

const char* kind_name(json_kind k) {
  for (auto& [kind, name] : kinds)
    if (kind == k)
      return name;
  return "?";
}

const char* check_name(check_kind c) {
  for (auto& info : checks)
    if (info.kind == c)
      return info.name;
  return "?";
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else
          out += c;
    }
  }
  return out + "\"";
}

std::optional<int64_t> parse_duration(std::string_view s) {
  size_t i = 0;
  int64_t n = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    int digit = s[i] - '0';
    if (n > (INT64_MAX - digit) / 10)
      return std::nullopt;
    n = n * 10 + digit;
  }
  if (i == 0)
    return std::nullopt;
  static const std::pair<std::string_view, int64_t> units[] = {
    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000LL},
    {"m", 60LL * 1000000000}, {"h", 3600LL * 1000000000}, {"d", 86400LL * 1000000000}};
  for (auto& [unit, mul] : units)
    if (s.substr(i) == unit)
      return n > INT64_MAX / mul ? std::nullopt : std::optional<int64_t>{n * mul};
  return std::nullopt;
}

} // namespace sluice::builtin::quality
