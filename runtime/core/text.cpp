#include "core/text.hpp"

#include <algorithm>
#include <cstdio>

namespace sluice::text {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(2, word.size() / 2) + 1;
  for (auto& c : candidates) {
    auto d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::optional<int64_t> parse_duration(std::string_view s) {
  size_t i = 0;
  int64_t n = 0;
  if (s.empty())
    return std::nullopt;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    int digit = s[i++] - '0';
    if (n > (INT64_MAX - digit) / 10)
      return std::nullopt;
    n = n * 10 + digit;
  }
  if (i == 0)
    return std::nullopt;
  auto unit = s.substr(i);
  int64_t mul;
  if (unit == "ns")
    mul = 1;
  else if (unit == "us")
    mul = 1000;
  else if (unit == "ms")
    mul = 1000000;
  else if (unit == "s")
    mul = 1000000000;
  else if (unit == "m")
    mul = 60LL * 1000000000;
  else if (unit == "h")
    mul = 3600LL * 1000000000;
  else if (unit == "d")
    mul = 86400LL * 1000000000;
  else
    return std::nullopt;
  if (n > INT64_MAX / mul)
    return std::nullopt;
  return n * mul;
}

std::string format_duration(int64_t ns) {
  struct unit { int64_t mul; const char* name; };
  static const unit units[] = {{86400LL * 1000000000, "d"}, {3600LL * 1000000000, "h"},
                               {60LL * 1000000000, "m"}, {1000000000, "s"},
                               {1000000, "ms"}, {1000, "us"}};
  for (auto& u : units)
    if (ns != 0 && ns % u.mul == 0)
      return std::to_string(ns / u.mul) + u.name;
  return std::to_string(ns) + "ns";
}

std::string printable(std::string_view bytes, size_t max) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\\')
      out += "\\\\";
    else if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

} // namespace sluice::text
