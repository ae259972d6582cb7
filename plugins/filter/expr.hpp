/// The `where` language of the filter plugin: compiled once, evaluated per record.
///
///   auto parsed = parse("status == \"active\" and latency_ms > 250");
///   if (!parsed) throw sluice::stage_error{"where: " + parsed.error().str()};
///   evaluator keep{std::move(*parsed)};
///   if (keep.check(record).keep) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/json.hpp"
#include "sluice/record.hpp"

namespace sluice::builtin::filter {

/// A comparison operator.
enum class cmp_op : uint8_t { eq, ne, lt, le, gt, ge };

/// One side of a comparison: a field of the record or a literal.
struct operand {
  bool is_field = false;
  uint32_t index = 0; ///< into expr::fields() or the literal table
};

/// A node of the compiled tree. `and`/`or` are n-ary so long chains stay shallow.
struct node {
  enum class kind : uint8_t { and_, or_, not_, exists, compare };
  kind k = kind::compare;
  cmp_op op = cmp_op::eq;
  uint32_t a = 0; ///< and/or: first entry in expr::children(); not: child; exists: field index
  uint32_t b = 0; ///< and/or: number of children (two or more)
  operand lhs, rhs;
};

/// A compiled predicate: a flat node table plus the distinct fields it reads.
class expr {
public:
  /// Distinct dotted field paths, in order of first use.
  const std::vector<std::string>& fields() const noexcept { return fields_; }
  /// Fully parenthesised canonical text, e.g. `(a == 1 or (b == 2 and not (c == 3)))`.
  std::string str() const;

  const std::vector<node>& nodes() const noexcept { return nodes_; }
  const std::vector<uint32_t>& children() const noexcept { return children_; }
  const std::vector<json_value>& literals() const noexcept { return literals_; }
  uint32_t root() const noexcept { return root_; }

private:
  friend class parser;

  std::vector<node> nodes_;
  std::vector<uint32_t> children_; ///< operands of and/or nodes, contiguous per node
  std::vector<json_value> literals_;
  std::vector<std::string> fields_;
  uint32_t root_ = 0;
};

/// Why an expression did not parse: where, and what was expected instead.
struct parse_error {
  size_t column = 0;   ///< 1-based, counted in UTF-8 characters
  std::string message; ///< `expected a value after "==", found end of input`
  /// `column 14: expected ...`
  std::string str() const { return "column " + std::to_string(column) + ": " + message; }
};

/// An expression or the first error found in its text.
class [[nodiscard]] parse_result {
public:
  parse_result(expr e) : v_(std::move(e)) {}
  parse_result(parse_error e) : v_(std::move(e)) {}

  explicit operator bool() const noexcept { return v_.index() == 0; }
  expr& operator*() { return std::get<0>(v_); }
  const expr& operator*() const { return std::get<0>(v_); }
  const expr* operator->() const { return &std::get<0>(v_); }
  const parse_error& error() const { return std::get<1>(v_); }

private:
  std::variant<expr, parse_error> v_;
};

/// Compiles a `where` expression (grammar in plugins/filter/README.md).
parse_result parse(std::string_view text);

/// How one record fared.
struct verdict {
  bool keep = false; ///< the predicate is true
  bool json = false; ///< the record is a JSON object (otherwise every comparison was false)
};

/// Per-record state of one referenced field: fetched at most once per record.
struct field_slot {
  enum class state : uint8_t { unknown, missing, present };
  state s = state::unknown;
  json_value value;
};

/// Evaluates one expression against many records, reusing its parser and buffers.
class evaluator {
public:
  explicit evaluator(expr e);

  /// Opens `r` once and evaluates the expression against it.
  verdict check(const record& r);
  const expr& expression() const noexcept { return expr_; }

private:
  expr expr_;
  field_reader reader_;
  std::vector<field_slot> slots_;
};

/// Evaluates `e` against the record `reader` has open (open() returned true).
/// Convenience for one-off use; evaluator::check is the fast path.
bool eval(const expr& e, field_reader& reader);

} // namespace sluice::builtin::filter
