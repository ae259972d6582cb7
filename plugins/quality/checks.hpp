/// quality: reading one record's fields and checking them against the rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "quality/rules.hpp"
#include "sluice/record.hpp"

namespace sluice::builtin::quality {

/// `raw` cut to 64 bytes (at a UTF-8 boundary, "..." appended) for a reason text.
std::string shortened(std::string_view raw);

/// What checking one rule found.
enum class verdict {
  pass,
  fail,     ///< `why` says how: `field "amount" is -3, below min 0`
  malformed ///< the record is not valid JSON where the rule read it; `why` says so
};

/// One record, parsed on demand: only the fields the rules read are looked at.
class record_reader {
public:
  /// Starts reading `r`; false when it is not a JSON object.
  bool open(const record& r);

  /// Checks every kind of rule but unique.
  verdict check(const rule& r, std::string& why);

  /// unique: the raw JSON text of the rule's field in `key` (pass), or pass with an empty
  /// `key` when the field is missing or null (such records are never duplicates).
  verdict unique_key(const rule& r, std::string& key, std::string& why);

  /// The record with `names` (JSON strings, quotes included) appended to its `_quality` array,
  /// which is added when missing; a `_quality` that is not an array becomes the first element
  /// of one. False (with `why`) when the result would not be valid JSON.
  bool tagged(const std::vector<const std::string*>& names, std::string& out, std::string& why);

private:
  enum class found { value, missing, error };
  found lookup(const std::string& pointer, simdjson::ondemand::value& v, std::string& why);

  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
  simdjson::dom::parser validator_;
  std::string copy_;
  std::string_view bytes_;
  const char* base_ = nullptr; ///< where simdjson reads bytes_ (in place, or copy_)
};

} // namespace sluice::builtin::quality
