#include "file-source/ndjson.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice::builtin::ndjson {

namespace dom = simdjson::dom;

namespace {

/// The enum name of the simdjson errors a parse can report, for reasons a user can search.
const char* name_of(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::TAPE_ERROR: return "TAPE_ERROR";
    case simdjson::STRING_ERROR: return "STRING_ERROR";
    case simdjson::T_ATOM_ERROR: return "T_ATOM_ERROR";
    case simdjson::F_ATOM_ERROR: return "F_ATOM_ERROR";
    case simdjson::N_ATOM_ERROR: return "N_ATOM_ERROR";
    case simdjson::NUMBER_ERROR: return "NUMBER_ERROR";
    case simdjson::UNESCAPED_CHARS: return "UNESCAPED_CHARS";
    case simdjson::UNCLOSED_STRING: return "UNCLOSED_STRING";
    case simdjson::EMPTY: return "EMPTY";
    case simdjson::CAPACITY: return "CAPACITY";
    case simdjson::MEMALLOC: return "MEMALLOC";
    default: return "ERROR";
  }
}

const char* type_name(dom::element_type t) noexcept {
  switch (t) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
    default: return "an object";
  }
}

/// What counting the brackets of `line` outside its strings finds.
struct brackets {
  size_t deepest = 0;                          ///< deepest nesting of objects and arrays
  size_t first_end = std::string_view::npos;  ///< one past the bracket that closes the first one
};

brackets count_brackets(std::string_view line) noexcept {
  brackets b;
  long depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      b.deepest = std::max(b.deepest, static_cast<size_t>(++depth));
    } else if ((c == '}' || c == ']') && --depth == 0 && b.first_end == std::string_view::npos) {
      b.first_end = i + 1;
    }
  }
  return b;
}

/// One past the closing brace of the object that opens `line` (after whitespace); npos if the
/// line does not open with '{' or never closes it.
size_t end_of_leading_object(std::string_view line) noexcept {
  size_t i = line.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || line[i] != '{')
    return std::string_view::npos;
  return count_brackets(line).first_end;
}

} // namespace

bool is_blank(std::string_view line) noexcept {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v')
      return false;
  return true;
}

std::string oversize_reason(uint64_t offset, uint64_t size, size_t max_bytes) {
  return "line at byte offset " + std::to_string(offset) + " is " + std::to_string(size) +
         " bytes, over max_record_bytes " + std::to_string(max_bytes);
}

validator::validator(size_t max_bytes) : max_bytes_(max_bytes) {
  // Reserves room for the largest accepted line; pages are touched only as used.
  if (auto e = parser_.allocate(max_bytes_, max_depth))
    throw std::runtime_error{std::string{"cannot allocate the JSON parser: "} + simdjson::error_message(e)};
}

std::optional<std::string> validator::check(std::string_view line, uint64_t offset, bool padded) {
  if (line.size() > max_bytes_)
    return oversize_reason(offset, line.size(), max_bytes_);
  const char* data = line.data();
  if (!padded) {
    scratch_.assign(line);
    scratch_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    data = scratch_.data();
  }
  auto e = parser_.parse(reinterpret_cast<const uint8_t*>(data), line.size(), false).get(root_);
  if (e == simdjson::DEPTH_ERROR)
    e = parse_deep(line, data);
  if (!e && root_.type() == dom::element_type::OBJECT)
    return std::nullopt;
  const std::string at = " at byte offset " + std::to_string(offset);
  if (e == simdjson::UTF8_ERROR)
    return "invalid UTF-8" + at;
  if (e == simdjson::DEPTH_ERROR)
    return "nesting deeper than " + std::to_string(max_depth) + at;
  if (e) {
    auto detail = what_follows(line, data, offset);
    return "invalid JSON" + at + ": " + name_of(e) + " (" + (detail ? *detail : simdjson::error_message(e)) + ")";
  }
  return "not a JSON object" + at + ": the line is " + type_name(root_.type());
}

simdjson::error_code validator::parse_deep(std::string_view line, const char* data) {
  if (!deep_) {
    deep_ = std::make_unique<dom::parser>();
    if (auto e = deep_->allocate(max_bytes_, max_depth + 1)) {
      deep_.reset();
      return e;
    }
  }
  auto e = deep_->parse(reinterpret_cast<const uint8_t*>(data), line.size(), false).get(root_);
  if (!e && count_brackets(line).deepest > max_depth) // an empty container at max_depth + 1
    return simdjson::DEPTH_ERROR;
  return e;
}

std::optional<std::string> validator::what_follows(std::string_view line, const char* data, uint64_t offset) {
  size_t end = end_of_leading_object(line);
  if (end == std::string_view::npos || end == line.size())
    return std::nullopt;
  // The bytes of `data` behind the object stay readable: they are the rest of the line and its padding.
  dom::element object;
  if (parser_.parse(reinterpret_cast<const uint8_t*>(data), end, false).get(object) ||
      object.type() != dom::element_type::OBJECT)
    return std::nullopt;
  size_t next = line.find_first_not_of(" \t\r\n", end);
  if (next == std::string_view::npos)
    return std::nullopt; // only whitespace follows: the error is not about what follows
  const std::string at = " at byte offset " + std::to_string(offset + next);
  if (line[next] == '{' || line[next] == '[')
    return "more than one JSON value on the line: another one starts" + at + ", after the object";
  return "trailing content" + at + ", after the object";
}

std::optional<int64_t> event_time_at(simdjson::dom::element root, const std::string& pointer) {
  dom::element v;
  if (root.at_pointer(pointer).get(v))
    return std::nullopt;
  if (v.type() == dom::element_type::INT64) { // epoch ms, converted exactly (a double would round)
    int64_t ns = 0;
    if (__builtin_mul_overflow(int64_t(v), int64_t{1000000}, &ns))
      return std::nullopt;
    return ns;
  }
  auto f = field_of(root, pointer);
  return f ? event_time_of(*f) : std::nullopt;
}

std::optional<json_value> field_of(dom::element root, const std::string& pointer) {
  dom::element v;
  if (root.at_pointer(pointer).get(v))
    return std::nullopt;
  json_value out;
  switch (v.type()) {
    case dom::element_type::STRING:
      out.t = json_value::type::string;
      out.str.assign(std::string_view(v));
      break;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      out.t = json_value::type::number;
      out.num = double(v);
      break;
    case dom::element_type::BOOL:
      out.t = json_value::type::boolean;
      out.b = bool(v);
      break;
    case dom::element_type::NULL_VALUE:
      out.t = json_value::type::null;
      break;
    default:
      out.t = json_value::type::other;
      out.str = simdjson::minify(v);
  }
  return out;
}

} // namespace sluice::builtin::ndjson
