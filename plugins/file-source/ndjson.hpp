/// NDJSON line validation for file-source: every line must be one JSON object.
/// simdjson's DOM parser is used on purpose: it validates UTF-8 and the whole
/// document, where on-demand would let skipped garbage through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/json.hpp"

namespace sluice::builtin::ndjson {

using builtin::pointer_of; // dotted path -> JSON pointer (plugins/common)

/// Deepest nesting of objects and arrays a line may have (`{"a":1}` is depth 1).
inline constexpr size_t max_depth = 512;

/// True for a line that is empty or holds only whitespace: skipped, not an error.
bool is_blank(std::string_view line) noexcept;

/// Why a line of `size` bytes at byte `offset` is over the `max_bytes` limit.
std::string oversize_reason(uint64_t offset, uint64_t size, size_t max_bytes);

/// Checks lines one at a time with one reusable simdjson parser.
class validator {
public:
  /// Accepts lines of at most `max_bytes` bytes.
  explicit validator(size_t max_bytes);

  /// Why `line`, which starts at byte `offset` of its file, is not exactly one
  /// valid JSON object; nullopt when it is. When `padded`, SIMDJSON_PADDING
  /// readable bytes follow the line and it is parsed in place, without a copy.
  std::optional<std::string> check(std::string_view line, uint64_t offset, bool padded = false);

  /// The object accepted by the last check() that returned nullopt; valid until the next check().
  simdjson::dom::element root() const noexcept { return root_; }
  size_t max_bytes() const noexcept { return max_bytes_; }

private:
  /// Parses a line that parser_ found too deep again with deep_, allowed one level more.
  /// simdjson rejects a container with contents at depth max_depth but accepts an empty one
  /// there: 512 nested objects around a value fail a max_depth-512 parser, 512 around {} pass.
  simdjson::error_code parse_deep(std::string_view line, const char* data);

  /// For a line that failed to parse: what follows the object that opens it ("more than one JSON
  /// value", "trailing content"), or nullopt if it does not open with a complete object.
  std::optional<std::string> what_follows(std::string_view line, const char* data, uint64_t offset);

  simdjson::dom::parser parser_;
  std::unique_ptr<simdjson::dom::parser> deep_; ///< allocated at the first line parser_ finds too deep
  size_t max_bytes_;
  std::string scratch_;
  simdjson::dom::element root_;
};

/// A dotted field path ("user.id") as a JSON pointer ("/user/id").


/// The scalar at JSON `pointer` in `root`, as the shared helpers see it; nullopt if absent.
std::optional<json_value> field_of(simdjson::dom::element root, const std::string& pointer);

/// Event time (ns) from the field at `pointer`: an RFC 3339 string or epoch milliseconds.
std::optional<int64_t> event_time_at(simdjson::dom::element root, const std::string& pointer);

} // namespace sluice::builtin::ndjson
