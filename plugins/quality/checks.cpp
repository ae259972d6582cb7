#include "quality/checks.hpp"

#include <algorithm>
#include <cstdio>

#include "common/json.hpp"

namespace sluice::builtin::quality {

namespace od = simdjson::ondemand;

/// Longest string a regex rule matches (std::regex's matcher recurses once per character).
constexpr size_t max_regex_input = 4096;

namespace {

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

/// Whether the text before a closing bracket or brace ends with the opening one (it is empty).
bool opens_empty(std::string_view before_close, char open) {
  auto s = trim_right(before_close);
  return !s.empty() && s.back() == open;
}

} // namespace

std::string shortened(std::string_view raw) {
  constexpr size_t limit = 64;
  if (raw.size() <= limit)
    return std::string{raw};
  size_t n = limit - 4;
  while (n > 0 && (static_cast<unsigned char>(raw[n]) & 0xC0) == 0x80) // not inside a UTF-8 sequence
    --n;
  return std::string{raw.substr(0, n)} + "...";
}

namespace {

std::string number_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}

/// The raw text of a scalar (no trailing blanks), or "" for an object or array.
std::string_view scalar_text(od::value& v, od::json_type t) {
  if (t == od::json_type::object || t == od::json_type::array)
    return {};
  return trim_right(v.raw_json_token());
}

/// How a value reads in a reason: its JSON text, or "an object", "an array".
std::string shown(od::json_type t, std::string_view raw) {
  if (t == od::json_type::object)
    return "an object";
  if (t == od::json_type::array)
    return "an array";
  return shortened(raw);
}

json_kind kind_of(od::json_type t, std::string_view raw) {
  switch (t) {
    case od::json_type::object: return json_kind::object;
    case od::json_type::array: return json_kind::array;
    case od::json_type::string: return json_kind::string;
    case od::json_type::boolean: return json_kind::boolean;
    case od::json_type::null: return json_kind::null;
    case od::json_type::number:
      return raw.find_first_of(".eE") == std::string_view::npos ? json_kind::integer : json_kind::number;
  }
  return json_kind::null;
}

const char* expected(const rule& r) {
  switch (r.check) {
    case check_kind::range: return ", expected a number";
    case check_kind::regex:
    case check_kind::one_of: return ", expected a string";
    default: return "";
  }
}

} // namespace

bool record_reader::open(const record& r) {
  auto view = padded_view(r, copy_);
  base_ = view.data();
  bytes_ = r.bytes();
  od::json_type t;
  return !parser_.iterate(view).get(doc_) && !doc_.type().get(t) && t == od::json_type::object;
}

record_reader::found record_reader::lookup(const std::string& pointer, od::value& v, std::string& why) {
  doc_.rewind();
  auto err = doc_.at_pointer(pointer).get(v);
  if (!err)
    return found::value;
  // A path through a scalar, past an array's end or naming no index of an array finds nothing
  // (simdjson says INVALID_JSON_POINTER for a path that does not fit the record's shape).
  if (err == simdjson::NO_SUCH_FIELD || err == simdjson::INCORRECT_TYPE || err == simdjson::INDEX_OUT_OF_BOUNDS ||
      err == simdjson::INVALID_JSON_POINTER)
    return found::missing;
  why = simdjson::error_message(err);
  return found::error;
}

verdict record_reader::check(const rule& r, std::string& why) {
  const std::string field = "field " + json_quote(r.field);
  od::value v;
  switch (lookup(r.pointer, v, why)) {
    case found::error:
      return verdict::malformed;
    case found::missing:
      why = field + " is missing" + expected(r);
      if (r.check == check_kind::type)
        why += std::string{", expected "} + kind_name(r.type);
      return verdict::fail;
    case found::value:
      break;
  }
  od::json_type t;
  if (auto err = v.type().get(t)) {
    why = simdjson::error_message(err);
    return verdict::malformed;
  }
  const std::string_view raw = scalar_text(v, t);
  const std::string is = field + " is " + shown(t, raw);
  switch (r.check) {
    case check_kind::not_null:
      if (t != od::json_type::null)
        return verdict::pass;
      why = field + " is null";
      return verdict::fail;
    case check_kind::range: {
      double d = 0;
      if (t != od::json_type::number)
        why = is + ", not a number";
      else if (v.get_double().get(d))
        why = is + ", not a number a double can hold";
      else if (r.min && d < *r.min)
        why = is + ", below min " + number_text(*r.min);
      else if (r.max && d > *r.max)
        why = is + ", above max " + number_text(*r.max);
      else
        return verdict::pass;
      return verdict::fail;
    }
    case check_kind::regex:
    case check_kind::one_of: {
      if (t != od::json_type::string) {
        why = is + ", not a string";
        return verdict::fail;
      }
      std::string_view s;
      if (auto err = v.get_string().get(s)) {
        why = simdjson::error_message(err);
        return verdict::malformed;
      }
      if (r.check == check_kind::regex) {
        if (s.size() > max_regex_input) { // std::regex recurses per character: a long value would blow the stack
          why = field + " is " + std::to_string(s.size()) + " bytes long, over the " +
                std::to_string(max_regex_input) + " bytes a regex rule checks";
          return verdict::fail;
        }
        if (std::regex_match(s.begin(), s.end(), r.re))
          return verdict::pass;
        why = is + ", which does not match /" + r.pattern + "/";
        return verdict::fail;
      }
      if (std::find(r.values.begin(), r.values.end(), s) != r.values.end())
        return verdict::pass;
      why = is + ", not one of ";
      for (size_t i = 0; i < r.values.size() && i < 10; ++i)
        why += (i ? ", " : "") + json_quote(r.values[i]);
      if (r.values.size() > 10)
        why += ", ...";
      return verdict::fail;
    }
    case check_kind::type: {
      json_kind k = kind_of(t, raw);
      if (k == r.type || (r.type == json_kind::number && k == json_kind::integer))
        return verdict::pass;
      why = is + " (" + kind_name(k) + "), expected " + kind_name(r.type);
      return verdict::fail;
    }
    case check_kind::unique:
      break;
  }
  return verdict::pass; // unique is checked by unique_key and the stage
}

verdict record_reader::unique_key(const rule& r, std::string& key, std::string& why) {
  key.clear();
  od::value v;
  switch (lookup(r.pointer, v, why)) {
    case found::error: return verdict::malformed;
    case found::missing: return verdict::pass;
    case found::value: break;
  }
  od::json_type t;
  std::string_view raw;
  if (auto err = v.type().get(t)) {
    why = simdjson::error_message(err);
    return verdict::malformed;
  }
  if (t == od::json_type::null)
    return verdict::pass;
  if (!raw_text(v, raw)) {
    why = "cannot read its value";
    return verdict::malformed;
  }
  key.assign(trim_right(raw));
  return verdict::pass;
}

bool record_reader::tagged(const std::vector<const std::string*>& names, std::string& out, std::string& why) {
  std::string list;
  for (auto* n : names)
    list += (list.empty() ? "" : ",") + *n;
  out.clear();
  out.reserve(bytes_.size() + list.size() + 16 + simdjson::SIMDJSON_PADDING);
  od::value v;
  switch (lookup("/_quality", v, why)) {
    case found::error:
      return false;
    case found::missing: { // add the field before the object's closing brace
      auto body = trim_right(bytes_);
      if (body.empty() || body.back() != '}') {
        why = "the object does not end with }";
        return false;
      }
      size_t close = body.size() - 1;
      bool empty = opens_empty(body.substr(0, close), '{');
      out.append(bytes_.substr(0, close)).append(empty ? "" : ",").append("\"_quality\":[" + list + "]");
      out.append(bytes_.substr(close));
      break;
    }
    case found::value: {
      od::json_type t;
      std::string_view raw;
      simdjson::error_code err = v.type().get(t);
      od::array a;
      od::object o;
      if (!err && t == od::json_type::array && !(err = v.get_array().get(a)))
        err = a.raw_json().get(raw);
      else if (!err && t == od::json_type::object && !(err = v.get_object().get(o)))
        err = o.raw_json().get(raw);
      else if (!err)
        raw = v.raw_json_token();
      if (err) {
        why = simdjson::error_message(err);
        return false;
      }
      raw = trim_right(raw);
      size_t start = static_cast<size_t>(raw.data() - base_), end = start + raw.size();
      if (raw.data() < base_ || end > bytes_.size() || raw.empty() ||
          (t == od::json_type::array && raw.back() != ']')) {
        why = "cannot locate _quality in the record";
        return false;
      }
      if (t == od::json_type::array) { // append before the closing bracket
        bool empty = opens_empty(raw.substr(0, raw.size() - 1), '[');
        out.append(bytes_.substr(0, end - 1)).append(empty ? "" : ",").append(list).append(bytes_.substr(end - 1));
      } else { // wrap the old value: [old, names...]
        out.append(bytes_.substr(0, start)).append("[").append(bytes_.substr(start, end - start));
        out.append(",").append(list).append("]").append(bytes_.substr(end));
      }
      break;
    }
  }
  if (auto err = validator_.parse(out).error()) {
    why = simdjson::error_message(err);
    return false;
  }
  return true;
}

} // namespace sluice::builtin::quality
