#include "filter/lexer.hpp"

#include <charconv>
#include <system_error>

namespace sluice::builtin::filter {

namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
/// Characters allowed inside a field name segment after its first one.
bool is_name(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '-'; }

/// The whole UTF-8 character at `at`, for messages.
std::string_view char_at(std::string_view s, size_t at) noexcept {
  if (at >= s.size())
    return {};
  auto lead = static_cast<unsigned char>(s[at]);
  size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return s.substr(at, n);
}

/// `"x"` for the character at `at`, or `end of input`.
std::string found_at(std::string_view s, size_t at) {
  auto c = char_at(s, at);
  if (c.empty())
    return "end of input";
  return c == "\"" ? "'\"'" : "\"" + std::string{c} + "\"";
}

/// Shortens long source text in messages.
std::string clip(std::string_view s) {
  constexpr size_t max = 40;
  return s.size() <= max ? std::string{s} : std::string{s.substr(0, max)} + "...";
}

int hex_value(char c) noexcept {
  if (is_digit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Position of the first non-hex character among the 4 at `at`; `at + 4` if all are hex.
size_t hex4_end(std::string_view s, size_t at) noexcept {
  size_t i = at;
  while (i < at + 4 && i < s.size() && hex_value(s[i]) >= 0)
    ++i;
  return i;
}

long hex4(std::string_view s, size_t at) noexcept {
  long v = 0;
  for (size_t i = at; i < at + 4; ++i)
    v = v * 16 + hex_value(s[i]);
  return v;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace

token lexer::fail(size_t start, size_t at, std::string message) {
  pos_ = src_.size(); // the parser stops at the first invalid token
  token t;
  t.kind = token_kind::invalid;
  t.offset = start;
  t.text = src_.substr(start, at > start ? at - start : 1);
  t.error = std::move(message);
  t.error_offset = at;
  return t;
}

token lexer::next() {
  while (pos_ < src_.size() && is_space(src_[pos_]))
    ++pos_;
  token t;
  t.offset = pos_;
  if (pos_ >= src_.size())
    return t;
  size_t start = pos_;
  char c = src_[pos_];
  char n = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
  if (is_alpha(c))
    return lex_identifier(start);
  if (is_digit(c) || c == '-')
    return lex_number(start);
  if (c == '"')
    return lex_string(start);
  auto simple = [&](token_kind k, size_t len) {
    t.kind = k;
    t.text = src_.substr(start, len);
    pos_ += len;
    return t;
  };
  switch (c) {
    case '(': return simple(token_kind::lparen, 1);
    case ')': return simple(token_kind::rparen, 1);
    case '=': return n == '=' ? simple(token_kind::eq, 2) : simple(token_kind::invalid, 1);
    case '!': return n == '=' ? simple(token_kind::ne, 2) : simple(token_kind::invalid, 1);
    case '<': return n == '=' ? simple(token_kind::le, 2) : simple(token_kind::lt, 1);
    case '>': return n == '=' ? simple(token_kind::ge, 2) : simple(token_kind::gt, 1);
    default: return simple(token_kind::invalid, char_at(src_, start).size());
  }
}

token lexer::lex_identifier(size_t start) {
  size_t i = start + 1;
  while (i < src_.size() && is_name(src_[i]))
    ++i;
  while (i < src_.size() && src_[i] == '.') {
    if (i + 1 >= src_.size() || !is_name(src_[i + 1])) {
      return fail(start, i + 1, "expected a field name after \".\", found " + found_at(src_, i + 1));
    }
    i += 2;
    while (i < src_.size() && is_name(src_[i]))
      ++i;
  }
  pos_ = i;
  token t;
  t.offset = start;
  t.text = src_.substr(start, i - start);
  t.kind = token_kind::field;
  if (t.text == "and")
    t.kind = token_kind::kw_and;
  else if (t.text == "or")
    t.kind = token_kind::kw_or;
  else if (t.text == "not")
    t.kind = token_kind::kw_not;
  else if (t.text == "true")
    t.kind = token_kind::kw_true;
  else if (t.text == "false")
    t.kind = token_kind::kw_false;
  else if (t.text == "null")
    t.kind = token_kind::kw_null;
  else if (t.text == "exists") {
    size_t j = i;
    while (j < src_.size() && is_space(src_[j]))
      ++j;
    if (j < src_.size() && src_[j] == '(')
      t.kind = token_kind::exists;
  }
  return t;
}

token lexer::lex_number(size_t start) {
  size_t i = start;
  auto digits = [&] {
    size_t from = i;
    while (i < src_.size() && is_digit(src_[i]))
      ++i;
    return i > from;
  };
  if (src_[i] == '-')
    ++i;
  if (!digits())
    return fail(start, i, "expected a digit after \"-\", found " + found_at(src_, i));
  if (i < src_.size() && src_[i] == '.') {
    ++i;
    if (!digits())
      return fail(start, i, "expected a digit after \".\", found " + found_at(src_, i));
  }
  if (i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
    ++i;
    if (i < src_.size() && (src_[i] == '+' || src_[i] == '-'))
      ++i;
    if (!digits())
      return fail(start, i, "expected a digit in the exponent, found " + found_at(src_, i));
  }
  pos_ = i;
  token t;
  t.kind = token_kind::number;
  t.offset = start;
  t.text = src_.substr(start, i - start);
  auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.num);
  if (ec != std::errc{} || end != t.text.data() + t.text.size())
    return fail(start, start, "expected a number within the range of a double, found " + clip(t.text));
  return t;
}

token lexer::lex_string(size_t start) {
  token t;
  t.kind = token_kind::string;
  t.offset = start;
  size_t i = start + 1;
  for (;;) {
    if (i >= src_.size()) {
      return fail(start, i,
                  "expected a closing '\"' for the string starting at column " +
                    std::to_string(column_of(src_, start)) + ", found end of input");
    }
    char c = src_[i];
    if (c == '"')
      break;
    if (c != '\\') {
      t.str += c;
      ++i;
      continue;
    }
    char e = i + 1 < src_.size() ? src_[i + 1] : '\0';
    switch (e) {
      case '"': case '\\': case '/': t.str += e; break;
      case 'b': t.str += '\b'; break;
      case 'f': t.str += '\f'; break;
      case 'n': t.str += '\n'; break;
      case 'r': t.str += '\r'; break;
      case 't': t.str += '\t'; break;
      case 'u': {
        if (size_t bad = hex4_end(src_, i + 2); bad != i + 6)
          return fail(start, bad, "expected 4 hex digits after \"\\u\", found " + found_at(src_, bad));
        long cp = hex4(src_, i + 2);
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail(start, i, "expected a high surrogate (\\uD800-\\uDBFF) before \"" +
                                  std::string{src_.substr(i, 6)} + "\", found a lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = src_.substr(i + 6, 2) == "\\u" && hex4_end(src_, i + 8) == i + 12 ? hex4(src_, i + 8) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(start, i + 6, "expected a low surrogate (\\uDC00-\\uDFFF) after \"" +
                                        std::string{src_.substr(i, 6)} + "\", found " + found_at(src_, i + 6));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        append_utf8(t.str, static_cast<unsigned long>(cp));
        i += 4;
        break;
      }
      default:
        return fail(start, i + 1,
                    "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) after \"\\\", found " +
                      found_at(src_, i + 1));
    }
    i += 2;
  }
  pos_ = i + 1;
  t.text = src_.substr(start, pos_ - start);
  return t;
}

std::string describe(const token& t) {
  switch (t.kind) {
    case token_kind::end: return "end of input";
    case token_kind::field: return "field \"" + clip(t.text) + "\"";
    case token_kind::string: return "string " + clip(t.text);
    case token_kind::number: return "number " + clip(t.text);
    case token_kind::invalid:
      if (t.text == "=")
        return "\"=\" (use \"==\" to compare)";
      if (t.text == "!")
        return "\"!\" (use \"not\" or \"!=\")";
      if (t.text == "&")
        return "\"&\" (use \"and\")";
      if (t.text == "|")
        return "\"|\" (use \"or\")";
      if (t.text == "'")
        return "\"'\" (strings use double quotes)";
      return "\"" + std::string{t.text} + "\"";
    default: return "\"" + std::string{t.text} + "\"";
  }
}

size_t column_of(std::string_view src, size_t offset) noexcept {
  size_t col = 1;
  for (size_t i = 0; i < offset && i < src.size(); ++i)
    if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80)
      ++col;
  return col + (offset > src.size() ? offset - src.size() : 0);
}

const char* spelling(token_kind k) noexcept {
  switch (k) {
    case token_kind::eq: return "==";
    case token_kind::ne: return "!=";
    case token_kind::lt: return "<";
    case token_kind::le: return "<=";
    case token_kind::gt: return ">";
    case token_kind::ge: return ">=";
    default: return "?";
  }
}

} // namespace sluice::builtin::filter
