#include "file-source/ndjson.hpp"

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
  if (!e && root_.type() == dom::element_type::OBJECT)
    return std::nullopt;
  const std::string at = " at byte offset " + std::to_string(offset);
  if (e == simdjson::UTF8_ERROR)
    return "invalid UTF-8" + at;
  if (e == simdjson::DEPTH_ERROR)
    return "nesting deeper than " + std::to_string(max_depth) + at;
  if (e)
    return "invalid JSON" + at + ": " + name_of(e) + " (" + simdjson::error_message(e) + ")";
  return "not a JSON object" + at + ": the line is " + type_name(root_.type());
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
