/// Small text helpers shared by config, loader and CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::text {

/// Edit distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if it is close enough to be a typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

/// Parses "200ms", "1s", "5m", "2h", "10us", "7ns" into nanoseconds.
std::optional<int64_t> parse_duration(std::string_view s);

/// Formats nanoseconds the way parse_duration reads them.
std::string format_duration(int64_t ns);

/// Escapes bytes for a one-line printable-ASCII message.
std::string printable(std::string_view bytes, size_t max = 80);

} // namespace sluice::text
