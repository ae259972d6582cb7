/// quality: the validated rules of one stage (the `[[stage.rules]]` tables, parsed at create()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::builtin::quality {

enum class check_kind { not_null, unique, range, regex, type, one_of };
enum class action { dead_letter, drop, tag };
/// The JSON types `check = "type"` tells apart; integer is a number without fraction or exponent.
enum class json_kind { string, number, integer, boolean, object, array, null };

/// One rule, checked against every record in order.
struct rule {
  size_t index = 0;         ///< position in `rules`, from 0
  std::string name;         ///< given, or "<check>:<field>"
  std::string field;        ///< dotted path as written ("user.id")
  std::string pointer;      ///< its JSON pointer ("/user/id")
  check_kind check = check_kind::not_null;
  action act = action::dead_letter;
  std::optional<double> min, max;   ///< range
  std::string pattern;              ///< regex, as written
  std::regex re;                    ///< regex, compiled (ECMAScript)
  std::vector<std::string> values;  ///< one_of
  json_kind type = json_kind::string;
  int64_t ttl = 0;                  ///< unique: ns
  std::string ttl_text;             ///< unique: as written ("1h")

  std::string failed_counter;       ///< "<name>.failed"
  std::string quoted_name;          ///< name as a JSON string, for `_quality`
};

/// Parses the rule tables (each a JSON object, as `options::get_tables` hands them over).
/// Throws stage_error naming the rule (`rules[1] "range:amount": ...`) on any mistake.
std::vector<rule> parse_rules(const std::vector<std::string>& tables);

/// "string", "number", ... as written in `type = "..."`.
const char* kind_name(json_kind k);
const char* check_name(check_kind c);

/// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

/// Parses "200ms", "1s", "5m", "2h", "1d" (also "ns", "us") to ns; nullopt when malformed.
std::optional<int64_t> parse_duration(std::string_view s);

} // namespace sluice::builtin::quality
