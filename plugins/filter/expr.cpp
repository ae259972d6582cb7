#include "filter/expr.hpp"

#include <charconv>
#include <optional>

#include "filter/lexer.hpp"

namespace sluice::builtin::filter {

namespace {

/// Deeper nesting than this is refused so evaluation cannot exhaust the stack.
constexpr unsigned max_depth = 256;

bool is_value(token_kind k) noexcept {
  return k == token_kind::field || k == token_kind::string || k == token_kind::number ||
         k == token_kind::kw_true || k == token_kind::kw_false || k == token_kind::kw_null;
}

std::optional<cmp_op> op_of(token_kind k) noexcept {
  switch (k) {
    case token_kind::eq: return cmp_op::eq;
    case token_kind::ne: return cmp_op::ne;
    case token_kind::lt: return cmp_op::lt;
    case token_kind::le: return cmp_op::le;
    case token_kind::gt: return cmp_op::gt;
    case token_kind::ge: return cmp_op::ge;
    default: return std::nullopt;
  }
}

/// `" after \"and\""`, or nothing at the start of the expression.
std::string after(const char* what) {
  return what ? std::string{" after \""} + what + "\"" : std::string{};
}

} // namespace

/// Recursive descent over the token stream; stops at the first error.
class parser {
public:
  explicit parser(std::string_view src) : src_(src), lex_(src) { advance(); }

  parse_result run() {
    auto root = parse_or(nullptr);
    if (root && tok_.kind != token_kind::end)
      fail("expected \"and\", \"or\" or end of input");
    if (err_)
      return std::move(*err_);
    out_.root_ = *root;
    return std::move(out_);
  }

private:
  using id = std::optional<uint32_t>;

  void advance() { tok_ = lex_.next(); }

  /// Records "<expected>, found <token>" at the current token; lexical errors win.
  id fail(const std::string& expected) {
    if (err_)
      return std::nullopt;
    if (tok_.kind == token_kind::invalid && !tok_.error.empty())
      err_ = parse_error{column_of(src_, tok_.error_offset), tok_.error};
    else
      err_ = parse_error{column_of(src_, tok_.offset), expected + ", found " + describe(tok_)};
    return std::nullopt;
  }

  uint32_t add(const node& n) {
    out_.nodes_.push_back(n);
    return static_cast<uint32_t>(out_.nodes_.size() - 1);
  }

  /// An n-ary and/or node over `items`, or the lone item.
  uint32_t add_group(node::kind k, const std::vector<uint32_t>& items) {
    if (items.size() == 1)
      return items.front();
    node n;
    n.k = k;
    n.a = static_cast<uint32_t>(out_.children_.size());
    n.b = static_cast<uint32_t>(items.size());
    out_.children_.insert(out_.children_.end(), items.begin(), items.end());
    return add(n);
  }

  uint32_t intern_field(std::string_view path) {
    auto& f = out_.fields_;
    for (size_t i = 0; i < f.size(); ++i)
      if (f[i] == path)
        return static_cast<uint32_t>(i);
    f.emplace_back(path);
    return static_cast<uint32_t>(f.size() - 1);
  }

  operand make_operand(const token& t) {
    if (t.kind == token_kind::field)
      return operand{true, intern_field(t.text)};
    json_value v;
    switch (t.kind) {
      case token_kind::string: v.t = json_value::type::string; v.str = t.str; break;
      case token_kind::number: v.t = json_value::type::number; v.num = t.num; break;
      case token_kind::kw_true: v.t = json_value::type::boolean; v.b = true; break;
      case token_kind::kw_false: v.t = json_value::type::boolean; v.b = false; break;
      default: v.t = json_value::type::null; break;
    }
    out_.literals_.push_back(std::move(v));
    return operand{false, static_cast<uint32_t>(out_.literals_.size() - 1)};
  }

  /// or_expr := and_expr ("or" and_expr)*
  id parse_or(const char* ctx) {
    std::vector<uint32_t> items;
    for (;;) {
      auto e = parse_and(items.empty() ? ctx : "or");
      if (!e)
        return std::nullopt;
      items.push_back(*e);
      if (tok_.kind != token_kind::kw_or)
        return add_group(node::kind::or_, items);
      advance();
    }
  }

  /// and_expr := not_expr ("and" not_expr)*
  id parse_and(const char* ctx) {
    std::vector<uint32_t> items;
    for (;;) {
      auto e = parse_not(items.empty() ? ctx : "and");
      if (!e)
        return std::nullopt;
      items.push_back(*e);
      if (tok_.kind != token_kind::kw_and)
        return add_group(node::kind::and_, items);
      advance();
    }
  }

  /// not_expr := "not" not_expr | primary
  id parse_not(const char* ctx) {
    if (tok_.kind != token_kind::kw_not)
      return parse_primary(ctx);
    if (++depth_ > max_depth)
      return fail("expected at most " + std::to_string(max_depth) + " nested \"not\" or \"(\"");
    advance();
    auto child = parse_not("not");
    if (!child)
      return std::nullopt;
    --depth_;
    node n;
    n.k = node::kind::not_;
    n.a = *child;
    return add(n);
  }

  /// primary := "(" or_expr ")" | "exists" "(" field ")" | value op value
  id parse_primary(const char* ctx) {
    if (tok_.kind == token_kind::lparen) {
      if (++depth_ > max_depth)
        return fail("expected at most " + std::to_string(max_depth) + " nested \"not\" or \"(\"");
      size_t open = tok_.offset;
      advance();
      auto e = parse_or("(");
      if (!e)
        return std::nullopt;
      if (tok_.kind != token_kind::rparen)
        return fail("expected \"and\", \"or\" or \")\" to close the \"(\" at column " +
                    std::to_string(column_of(src_, open)));
      advance();
      --depth_;
      return e;
    }
    if (tok_.kind == token_kind::exists)
      return parse_exists();
    if (!is_value(tok_.kind))
      return fail("expected a comparison, \"not\", \"exists(\" or \"(\"" + after(ctx));
    token lhs = tok_;
    operand l = make_operand(lhs);
    advance();
    auto op = op_of(tok_.kind);
    if (!op)
      return fail("expected a comparison operator (== != < <= > >=) after " + describe(lhs));
    std::string op_text{spelling(tok_.kind)};
    advance();
    if (!is_value(tok_.kind))
      return fail("expected a value after \"" + op_text + "\"");
    operand r = make_operand(tok_);
    advance();
    node n;
    n.k = node::kind::compare;
    n.op = *op;
    n.lhs = l;
    n.rhs = r;
    return add(n);
  }

  id parse_exists() {
    advance(); // the lexer only says `exists` when "(" follows
    advance();
    if (tok_.kind != token_kind::field)
      return fail("expected a field name inside \"exists(\"");
    node n;
    n.k = node::kind::exists;
    n.a = intern_field(tok_.text);
    std::string name{tok_.text};
    advance();
    if (tok_.kind != token_kind::rparen)
      return fail("expected \")\" after \"exists(" + name + "\"");
    advance();
    return add(n);
  }

  std::string_view src_;
  lexer lex_;
  token tok_;
  expr out_;
  std::optional<parse_error> err_;
  unsigned depth_ = 0;
};

parse_result parse(std::string_view text) { return parser{text}.run(); }

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string number_text(double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

const char* op_text(cmp_op op) noexcept {
  static const char* const names[] = {"==", "!=", "<", "<=", ">", ">="};
  return names[static_cast<int>(op)];
}

std::string operand_text(const expr& e, operand o) {
  if (o.is_field)
    return e.fields()[o.index];
  const json_value& v = e.literals()[o.index];
  switch (v.t) {
    case json_value::type::string: return quote(v.str);
    case json_value::type::number: return number_text(v.num);
    case json_value::type::boolean: return v.b ? "true" : "false";
    default: return "null";
  }
}

std::string node_text(const expr& e, uint32_t i) {
  const node& n = e.nodes()[i];
  switch (n.k) {
    case node::kind::compare:
      return operand_text(e, n.lhs) + " " + op_text(n.op) + " " + operand_text(e, n.rhs);
    case node::kind::exists: return "exists(" + e.fields()[n.a] + ")";
    case node::kind::not_: {
      bool bare = e.nodes()[n.a].k == node::kind::compare;
      return bare ? "not (" + node_text(e, n.a) + ")" : "not " + node_text(e, n.a);
    }
    default: {
      std::string out = "(";
      for (uint32_t c = 0; c < n.b; ++c) {
        if (c)
          out += n.k == node::kind::and_ ? " and " : " or ";
        out += node_text(e, e.children()[n.a + c]);
      }
      return out + ")";
    }
  }
}

} // namespace

std::string expr::str() const { return nodes_.empty() ? std::string{} : node_text(*this, root_); }

} // namespace sluice::builtin::filter
