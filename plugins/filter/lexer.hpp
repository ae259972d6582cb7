/// Tokens of the `where` language. Internal to the filter plugin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::builtin::filter {

/// What a token is. `invalid` carries either a stray character or a lexical error.
enum class token_kind : uint8_t {
  end,
  field,
  string,
  number,
  kw_true,
  kw_false,
  kw_null,
  kw_and,
  kw_or,
  kw_not,
  exists, ///< `exists` directly followed by `(` (which is left for the parser)
  lparen,
  rparen,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  invalid,
};

/// One token with its place in the source.
struct token {
  token_kind kind = token_kind::end;
  size_t offset = 0;     ///< byte offset of the first character
  std::string_view text; ///< source text as written
  std::string str;       ///< decoded value of a string literal
  double num = 0;        ///< value of a number literal
  std::string error;     ///< invalid: a complete "expected ..., found ..." message, or empty
  size_t error_offset = 0; ///< invalid with `error`: the byte the message points at
};

/// Splits a `where` expression into tokens, one at a time.
class lexer {
public:
  explicit lexer(std::string_view src) noexcept : src_(src) {}

  /// The next token; `end` at the end of input, and again after that.
  token next();

private:
  token lex_identifier(size_t start);
  token lex_number(size_t start);
  token lex_string(size_t start);
  token fail(size_t start, size_t at, std::string message);

  std::string_view src_;
  size_t pos_ = 0;
};

/// The token for messages: `end of input`, `field "user.id"`, `"and"`, ...
std::string describe(const token& t);

/// 1-based column of byte `offset`, counting UTF-8 characters.
size_t column_of(std::string_view src, size_t offset) noexcept;

/// The spelling of a comparison token: "==", "<=", ...
const char* spelling(token_kind k) noexcept;

} // namespace sluice::builtin::filter
