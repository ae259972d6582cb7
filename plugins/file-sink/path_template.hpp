/// Output path templates of the file sink: `out/category={category}/day={day}/part.ndjson`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "sluice/record.hpp"

namespace sluice::builtin::file_sink {

/// Rendered for a field that a record lacks (or any field of a non-object record).
inline constexpr std::string_view missing_value = "_missing_";

/// A parsed path template. Parse once, render per record.
///
/// `{year}`, `{month}`, `{day}` and `{hour}` are the record's event time in UTC
/// (processing time when it has none); any other `{name}` is a top-level or
/// dotted JSON field of the record.
class path_template {
public:
  /// Parses `text`; on failure returns nothing and sets `error` (naming the column).
  static std::optional<path_template> parse(std::string_view text, std::string& error);

  /// True when rendering reads JSON fields of the record.
  bool has_fields() const noexcept { return has_fields_; }
  /// True when rendering reads the record's time.
  bool has_time() const noexcept { return has_time_; }
  /// True when every record renders to the same path.
  bool is_constant() const noexcept { return !has_fields_ && !has_time_; }
  /// The directory before the first placeholder ("out/lake"), "." when none.
  const std::string& root() const noexcept { return root_; }
  const std::string& text() const noexcept { return text_; }

  /// Renders the path of record `r` into `out`. `now_ns` stands in for a
  /// missing event time; `reader` is opened on `r` only when fields are needed.
  void render(const record& r, int64_t now_ns, field_reader& reader, std::string& out) const;

  /// Renders with field values given directly (tests, constant templates).
  /// `lookup(name)` returns the value text or nothing when missing.
  template <class Lookup>
  void render_with(Lookup&& lookup, int64_t time_ns, std::string& out) const;

private:
  enum class kind : uint8_t { literal, field, year, month, day, hour };
  struct part {
    kind k;
    std::string text; ///< literal bytes or field path
  };

  void append_time(kind k, int64_t time_ns, std::string& out) const;

  std::string text_;
  std::string root_;
  std::vector<part> parts_;
  bool has_fields_ = false;
  bool has_time_ = false;
};

/// Appends `value` made safe as (part of) one path component: `/` and NUL
/// become `_`, `..` becomes `__`, and an empty value or `.` becomes `_empty_` / `_`.
void append_safe(std::string_view value, std::string& out);

/// A rendered path split into its directory ("." when none) and file name.
struct split_path {
  std::string dir;
  std::string name;
};
split_path split(std::string_view path);

/// `part.ndjson` -> `part-<instance>-<seq>.ndjson`; `part` -> `part-<instance>-<seq>`.
std::string final_name(std::string_view name, uint32_t instance, uint64_t seq);
/// `.part-<instance>-<seq>.ndjson.inprogress`: the name while the file is written.
std::string inprogress_name(std::string_view name, uint32_t instance, uint64_t seq);
/// The seq of `candidate` if it is a final or in-progress name of `name` for
/// `instance`, e.g. 7 for `part-0-7.ndjson` or `.part-0-7.ndjson.inprogress`.
std::optional<uint64_t> seq_of(std::string_view candidate, std::string_view name, uint32_t instance);

template <class Lookup>
void path_template::render_with(Lookup&& lookup, int64_t time_ns, std::string& out) const {
  out.clear();
  for (const auto& p : parts_) {
    if (p.k == kind::literal) {
      out += p.text;
    } else if (p.k == kind::field) {
      std::optional<std::string_view> v = lookup(std::string_view{p.text});
      append_safe(v ? *v : missing_value, out);
    } else {
      append_time(p.k, time_ns, out);
    }
  }
}

} // namespace sluice::builtin::file_sink
