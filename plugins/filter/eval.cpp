// Evaluation of compiled `where` expressions (declared in expr.hpp).
#include "filter/expr.hpp"

namespace sluice::builtin::filter {

namespace {

using vtype = json_value::type;

/// Same-type comparison; mismatched types and arrays/objects only satisfy `!=`.
bool compare(cmp_op op, const json_value& l, const json_value& r) {
  if (l.t != r.t || l.t == vtype::other)
    return op == cmp_op::ne;
  switch (l.t) {
    case vtype::null: return op == cmp_op::eq;
    case vtype::boolean:
      return op == cmp_op::eq ? l.b == r.b : op == cmp_op::ne ? l.b != r.b : false;
    case vtype::number:
      switch (op) {
        case cmp_op::eq: return l.num == r.num;
        case cmp_op::ne: return l.num != r.num;
        case cmp_op::lt: return l.num < r.num;
        case cmp_op::le: return l.num <= r.num;
        case cmp_op::gt: return l.num > r.num;
        case cmp_op::ge: return l.num >= r.num;
      }
      return false;
    case vtype::string: {
      int c = l.str.compare(r.str); // bytewise, so UTF-8 sorts by code point
      switch (op) {
        case cmp_op::eq: return c == 0;
        case cmp_op::ne: return c != 0;
        case cmp_op::lt: return c < 0;
        case cmp_op::le: return c <= 0;
        case cmp_op::gt: return c > 0;
        case cmp_op::ge: return c >= 0;
      }
      return false;
    }
    default: return false;
  }
}

/// One evaluation: the expression, the open record and its field cache.
struct scope {
  const expr& e;
  field_reader* reader; ///< nullptr when the record is not a JSON object
  field_slot* slots;

  /// The value of an operand; nullptr for a missing field. Fields are read once.
  const json_value* value_of(operand o) {
    if (!o.is_field)
      return &e.literals()[o.index];
    field_slot& s = slots[o.index];
    if (s.s == field_slot::state::unknown) {
      auto v = reader->get(e.fields()[o.index]);
      s.s = v ? field_slot::state::present : field_slot::state::missing;
      if (v)
        s.value = std::move(*v);
    }
    return s.s == field_slot::state::present ? &s.value : nullptr;
  }

  bool eval(uint32_t i) {
    const node& n = e.nodes()[i];
    switch (n.k) {
      case node::kind::compare: {
        if (!reader)
          return false;
        const json_value* l = value_of(n.lhs);
        const json_value* r = l ? value_of(n.rhs) : nullptr;
        return r && compare(n.op, *l, *r);
      }
      case node::kind::exists:
        return reader && value_of(operand{true, n.a}) != nullptr;
      case node::kind::not_: return !eval(n.a);
      case node::kind::and_:
        for (uint32_t c = 0; c < n.b; ++c)
          if (!eval(e.children()[n.a + c]))
            return false;
        return true;
      case node::kind::or_:
        for (uint32_t c = 0; c < n.b; ++c)
          if (eval(e.children()[n.a + c]))
            return true;
        return false;
    }
    return false;
  }
};

} // namespace

evaluator::evaluator(expr e) : expr_(std::move(e)), slots_(expr_.fields().size()) {}

verdict evaluator::check(const record& r) {
  bool object = reader_.open(r);
  for (auto& s : slots_)
    s.s = field_slot::state::unknown;
  scope sc{expr_, object ? &reader_ : nullptr, slots_.data()};
  return verdict{!expr_.nodes().empty() && sc.eval(expr_.root()), object};
}

bool eval(const expr& e, field_reader& reader) {
  if (e.nodes().empty())
    return false;
  std::vector<field_slot> slots(e.fields().size());
  scope sc{e, &reader, slots.data()};
  return sc.eval(e.root());
}

} // namespace sluice::builtin::filter
