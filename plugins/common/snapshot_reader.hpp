/// Reads back the text snapshots the built-in stages write: words, integers,
/// numbers and length-prefixed strings ("5:hello"), separated by spaces or
/// newlines. Every malformed piece is a stage_error naming the byte offset.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include "sluice/error.hpp"

namespace sluice::builtin {

class snapshot_reader {
public:
  /// `owner` prefixes error messages ("aggregate", "dedupe").
  snapshot_reader(std::string_view s, const char* owner) : s_(s), owner_(owner) {}

  bool at_end() {
    skip();
    return pos_ >= s_.size();
  }
  std::string_view word() {
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\n')
      ++pos_;
    if (start == pos_)
      fail("a value");
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
    if (r.ec != std::errc{} || r.ptr != w.data() + w.size())
      fail("an integer");
    return v;
  }
  uint64_t u64() {
    int64_t v = i64();
    if (v < 0)
      fail("a count");
    return static_cast<uint64_t>(v);
  }
  double dbl() {
    std::string w{word()};
    char* end = nullptr;
    double v = std::strtod(w.c_str(), &end);
    if (end != w.c_str() + w.size())
      fail("a number");
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
    throw stage_error{std::string{owner_} + ": corrupt snapshot at byte " + std::to_string(pos_) + ": expected " +
                      what};
  }

private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n'))
      ++pos_;
  }
  std::string_view s_;
  const char* owner_;
  size_t pos_ = 0;
};

} // namespace sluice::builtin
