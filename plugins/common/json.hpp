/// JSON helpers shared by the built-in plugins (simdjson on-demand).
/// Not part of the SDK: an out-of-tree plugin brings its own JSON library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "sluice/record.hpp"

namespace sluice::builtin {

/// A scalar JSON value read from a record.
struct json_value {
  enum class type { null, boolean, number, string, other } t = type::null;
  bool b = false;
  double num = 0;
  std::string str; ///< unescaped for strings; raw JSON text for `other`
};

/// Reads fields of records in place (padded records) or from a copy.
class field_reader {
public:
  /// Starts reading `r`; false if it is not a JSON object.
  bool open(const record& r);
  /// The value at dotted `path` ("user.id") of the opened record.
  std::optional<json_value> get(std::string_view path);
  /// Raw JSON text of the value at `path` (strings keep their quotes).
  std::optional<std::string_view> raw(std::string_view path);

private:
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
  std::string copy_;
  bool ok_ = false;
};

/// Raw JSON text of `v`: whole objects and arrays, scalars without trailing
/// blanks (equal values written alike compare equal as text).
bool raw_text(simdjson::ondemand::value v, std::string_view& out);

/// JSON pointer of a dotted path: "user.id" -> "/user/id" (escaping ~ and /).
std::string pointer_of(std::string_view dotted);

/// A view simdjson can parse: the record in place when padded, else a padded
/// copy in `scratch`.
simdjson::padded_string_view padded_view(const record& r, std::string& scratch);

/// Parses RFC 3339 ("2026-01-02T03:04:05.123Z", "+01:00" offsets) to ns since the epoch.
std::optional<int64_t> parse_rfc3339(std::string_view s);
/// Formats ns since the epoch as "2026-01-02T03:04:05.123Z" (millisecond precision).
std::string format_rfc3339(int64_t ns);

/// Event time from a JSON value: an RFC 3339 string, or a number of epoch milliseconds.
std::optional<int64_t> event_time_of(const json_value& v);

} // namespace sluice::builtin
