/// dedupe's snapshot text, read back: words, integers and length-prefixed strings.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "sluice/error.hpp"

namespace sluice::builtin::dedupe {

/// Reads what snapshot() wrote: words, integers and length-prefixed strings.
class reader {
public:
  explicit reader(std::string_view s) : s_(s) {}
  std::string_view word() {
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\n')
      ++pos_;
    return s_.substr(start, pos_ - start);
  }
  void expect(std::string_view w) {
    if (word() != w)
      fail("\"" + std::string{w} + "\"");
  }
  int64_t i64() {
    auto w = word();
    int64_t v = 0;
    auto r = std::from_chars(w.data(), w.data() + w.size(), v);
    if (w.empty() || r.ec != std::errc{} || r.ptr != w.data() + w.size())
      fail("an integer");
    return v;
  }
  std::string_view blob() {
    skip();
    size_t n = 0, start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
      n = n * 10 + static_cast<size_t>(s_[pos_++] - '0');
    if (pos_ == start || pos_ >= s_.size() || s_[pos_] != ':' || n > s_.size() - pos_ - 1)
      fail("a length-prefixed string");
    ++pos_;
    auto b = s_.substr(pos_, n);
    pos_ += n;
    return b;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw stage_error{"dedupe: corrupt snapshot at byte " + std::to_string(pos_) + ": expected " + what};
  }

private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n'))
      ++pos_;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

} // namespace sluice::builtin::dedupe
