#define BOOST_TEST_MODULE filter_expr
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "filter/expr.hpp"

using namespace sluice::builtin::filter;

namespace {

/// Compiles `where`, failing the test with the parser's message if it does not parse.
expr compile(const std::string& where) {
  auto parsed = parse(where);
  if (!parsed)
    BOOST_FAIL(where << " -> " << parsed.error().str());
  return std::move(*parsed);
}

verdict run(const std::string& where, const std::string& line) {
  evaluator ev{compile(where)};
  sluice_record raw{};
  raw.data = line.data();
  raw.size = line.size();
  return ev.check(sluice::record{raw});
}

bool keeps(const std::string& where, const std::string& line) { return run(where, line).keep; }

/// The full error text (`column N: ...`) of an expression that must not parse.
std::string error_of(const std::string& where) {
  auto parsed = parse(where);
  BOOST_TEST_REQUIRE(!parsed, where << " parsed but should not");
  return parsed.error().str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(grammar)

BOOST_AUTO_TEST_CASE(and_binds_tighter_than_or) {
  BOOST_TEST(compile("a == 1 or b == 2 and c == 3").str() == "(a == 1 or (b == 2 and c == 3))");
  BOOST_TEST(keeps("a == 1 or b == 2 and c == 3", R"({"a":1,"b":0,"c":0})"));
  BOOST_TEST(!keeps("(a == 1 or b == 2) and c == 3", R"({"a":1,"b":0,"c":0})"));
}

BOOST_AUTO_TEST_CASE(not_binds_tighter_than_and_but_looser_than_a_comparison) {
  BOOST_TEST(compile("not a == 1 and b == 2").str() == "(not (a == 1) and b == 2)");
  BOOST_TEST(compile("not (a == 1 or b == 2)").str() == "not (a == 1 or b == 2)");
  BOOST_TEST(compile("not not a == 1").str() == "not not (a == 1)");
  BOOST_TEST(keeps("not a == 1", R"({"a":2})"));
  BOOST_TEST(!keeps("not not a == 1", R"({"a":2})"));
}

BOOST_AUTO_TEST_CASE(chains_of_and_and_or_are_flat) {
  BOOST_TEST(compile("a == 1 and b == 2 and c == 3").str() == "(a == 1 and b == 2 and c == 3)");
  std::string many = "n == 0";
  for (int i = 1; i < 20000; ++i)
    many += " or n == " + std::to_string(i);
  BOOST_TEST(keeps(many, R"({"n":19999})"));
  BOOST_TEST(!keeps(many, R"({"n":20000})"));
}

BOOST_AUTO_TEST_CASE(a_field_used_twice_is_listed_once) {
  auto e = compile("a > 1 and a < 5 or exists(a) and b == a");
  BOOST_TEST(e.fields() == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(keeps("a > 1 and a < 5", R"({"a":3})"));
}

BOOST_AUTO_TEST_CASE(literals_print_back_in_canonical_form) {
  BOOST_TEST(compile(R"(x == "a\"b" or y != -2.5e1 or z == true or w == null)").str() ==
             R"((x == "a\"b" or y != -25 or z == true or w == null))");
}

BOOST_AUTO_TEST_CASE(keywords_inside_dotted_names_and_exists_without_a_paren_are_fields) {
  BOOST_TEST(keeps("user.null == 1", R"({"user":{"null":1}})"));
  BOOST_TEST(keeps("exists == 1", R"({"exists":1})"));
  BOOST_TEST(keeps("exists (a)", R"({"a":1})"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(values)

BOOST_AUTO_TEST_CASE(string_escapes_decode_like_json) {
  BOOST_TEST(keeps(R"(s == "a\"b\\c\nd\te")", R"({"s":"a\"b\\c\nd\te"})"));
  BOOST_TEST(keeps(R"(s == "\u00e9")", R"({"s":"é"})"));
  BOOST_TEST(keeps(R"(s == "\ud83d\ude00")", R"({"s":"😀"})"));
  BOOST_TEST(keeps(R"(s == "é/")", R"({"s":"\u00e9\/"})"));
}

BOOST_AUTO_TEST_CASE(numbers_may_be_negative_fractional_or_have_an_exponent) {
  BOOST_TEST(keeps("t > -1.5", R"({"t":-1})"));
  BOOST_TEST(!keeps("t > -1.5", R"({"t":-2})"));
  BOOST_TEST(keeps("n == 1e3", R"({"n":1000})"));
  BOOST_TEST(keeps("n == 1", R"({"n":1.0})"));
  BOOST_TEST(keeps("n >= 10", R"({"n":10})"));
  BOOST_TEST(keeps("n <= 9.75 and n < 10 and n != 9", R"({"n":9.75})"));
}

BOOST_AUTO_TEST_CASE(strings_order_lexicographically) {
  BOOST_TEST(keeps(R"(name < "b")", R"({"name":"abc"})"));
  BOOST_TEST(!keeps(R"(name < "b")", R"({"name":"b"})"));
  BOOST_TEST(keeps(R"(name <= "b")", R"({"name":"b"})"));
  BOOST_TEST(keeps(R"(name > "B")", R"({"name":"a"})"));
  BOOST_TEST(keeps(R"(name > "z")", R"({"name":"é"})"));
}

BOOST_AUTO_TEST_CASE(dotted_fields_walk_into_nested_objects_and_arrays) {
  BOOST_TEST(keeps("user.id == 7", R"({"user":{"id":7}})"));
  BOOST_TEST(keeps(R"(a.b.c == "deep")", R"({"a":{"b":{"c":"deep"}}})"));
  BOOST_TEST(keeps(R"(items.1 == "b")", R"({"items":["a","b"]})"));
  BOOST_TEST(!keeps("user.id == 7", R"({"user":7})"));
}

BOOST_AUTO_TEST_CASE(two_fields_can_be_compared) {
  BOOST_TEST(keeps("sent < received", R"({"sent":1,"received":2})"));
  BOOST_TEST(!keeps("a == b", R"({"a":"1","b":1})"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(semantics)

BOOST_AUTO_TEST_CASE(a_comparison_on_a_missing_field_is_false) {
  for (auto where : {"x == 1", "x != 1", "x < 1", "x >= 1", "x == null", "x != null", "1 == x"})
    BOOST_TEST(!keeps(where, R"({"y":1})"), where);
  BOOST_TEST(keeps("not x != 1", R"({"y":1})"));
}

BOOST_AUTO_TEST_CASE(exists_is_true_for_a_present_field_even_when_null) {
  BOOST_TEST(keeps("exists(a)", R"({"a":0})"));
  BOOST_TEST(keeps("exists(a)", R"({"a":null})"));
  BOOST_TEST(keeps("exists(a.b)", R"({"a":{"b":[]}})"));
  BOOST_TEST(!keeps("exists(a)", R"({"b":1})"));
  BOOST_TEST(keeps("not exists(a.c)", R"({"a":{"b":1}})"));
}

BOOST_AUTO_TEST_CASE(null_equals_null_and_a_field_equals_null_only_when_present_as_null) {
  BOOST_TEST(keeps("null == null", R"({})"));
  BOOST_TEST(keeps("x == null", R"({"x":null})"));
  BOOST_TEST(!keeps("x == null", R"({"x":0})"));
  BOOST_TEST(!keeps("x == null", R"({"x":""})"));
  BOOST_TEST(keeps("x != null", R"({"x":0})"));
  BOOST_TEST(!keeps("x < null", R"({"x":null})"));
}

BOOST_AUTO_TEST_CASE(values_of_different_types_are_unequal_and_unordered) {
  BOOST_TEST(!keeps("s == 1", R"({"s":"1"})"));
  BOOST_TEST(keeps("s != 1", R"({"s":"1"})"));
  for (auto where : {"s < 1", "s <= 1", "s > 1", "s >= 1"})
    BOOST_TEST(!keeps(where, R"({"s":"1"})"), where);
  BOOST_TEST(!keeps("b == 1", R"({"b":true})"));
  BOOST_TEST(keeps("b == true and b != false", R"({"b":true})"));
  BOOST_TEST(!keeps("b > false", R"({"b":true})"));
}

BOOST_AUTO_TEST_CASE(arrays_and_objects_only_satisfy_not_equal) {
  BOOST_TEST(!keeps("a == a", R"({"a":[1]})"));
  BOOST_TEST(keeps("a != 1", R"({"a":{"k":1}})"));
  BOOST_TEST(!keeps("a > 1", R"({"a":[2]})"));
}

BOOST_AUTO_TEST_CASE(a_record_that_is_not_a_json_object_makes_every_comparison_false) {
  auto v = run(R"(status == "x")", "hello");
  BOOST_TEST(!v.keep);
  BOOST_TEST(!v.json);
  BOOST_TEST(!run("1 == 1", "hello").keep);
  BOOST_TEST(!run("exists(a)", "[1,2]").json);
  v = run(R"(not status == "x")", "[1,2]");
  BOOST_TEST(v.keep);
  BOOST_TEST(!v.json);
  BOOST_TEST(run("1 == 1", "{}").json);
}

BOOST_AUTO_TEST_CASE(one_evaluator_serves_many_records) {
  evaluator ev{compile(R"(level == "error" or code >= 500)")};
  std::vector<std::string> lines = {R"({"level":"error"})", R"({"code":404})", R"({"code":503})", "oops",
                                    R"({"level":"info","code":200})"};
  std::vector<bool> kept;
  for (auto& l : lines) {
    sluice_record raw{};
    raw.data = l.data();
    raw.size = l.size();
    kept.push_back(ev.check(sluice::record{raw}).keep);
  }
  BOOST_TEST(kept == (std::vector<bool>{true, false, true, false, false}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(eval_reads_the_record_a_field_reader_has_open) {
  std::string line = R"({"a":{"b":"x"}})";
  sluice_record raw{};
  raw.data = line.data();
  raw.size = line.size();
  sluice::builtin::field_reader reader;
  BOOST_TEST_REQUIRE(reader.open(sluice::record{raw}));
  BOOST_TEST(eval(compile(R"(a.b == "x")"), reader));
  BOOST_TEST(!eval(compile(R"(a.b != "x")"), reader));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(every_parse_error_names_the_column_and_what_was_expected) {
  struct bad {
    const char* where;
    const char* message;
  };
  const bad cases[] = {
    {"status == ", R"~(column 11: expected a value after "==", found end of input)~"},
    {"", R"~(column 1: expected a comparison, "not", "exists(" or "(", found end of input)~"},
    {"status", "column 7: expected a comparison operator (== != < <= > >=) after field \"status\", found end of input"},
    {"a = 1", R"~(column 3: expected a comparison operator (== != < <= > >=) after field "a", found "=" (use "==" to compare))~"},
    {"a == 1 and", R"~(column 11: expected a comparison, "not", "exists(" or "(" after "and", found end of input)~"},
    {"a == 1 or ) ", R"~(column 11: expected a comparison, "not", "exists(" or "(" after "or", found ")")~"},
    {"not", R"~(column 4: expected a comparison, "not", "exists(" or "(" after "not", found end of input)~"},
    {"(a == 1", R"~(column 8: expected "and", "or" or ")" to close the "(" at column 1, found end of input)~"},
    {"a == 1)", R"~(column 7: expected "and", "or" or end of input, found ")")~"},
    {"a == 1 == 2", R"~(column 8: expected "and", "or" or end of input, found "==")~"},
    {"a == 1 && b == 2", R"~(column 8: expected "and", "or" or end of input, found "&" (use "and"))~"},
    {"a == 'x'", R"~(column 6: expected a value after "==", found "'" (strings use double quotes))~"},
    {R"~(a == "abc)~", R"~(column 10: expected a closing '"' for the string starting at column 6, found end of input)~"},
    {R"~(a == "\x")~", R"~(column 8: expected an escape (\" \\ \/ \b \f \n \r \t or \uXXXX) after "\", found "x")~"},
    {R"~(a == "\u12")~", R"~(column 11: expected 4 hex digits after "\u", found '"')~"},
    {R"~(a == "\ud83d")~", R"~(column 13: expected a low surrogate (\uDC00-\uDFFF) after "\ud83d", found '"')~"},
    {R"~(a == "\ude00")~", R"~(column 7: expected a high surrogate (\uD800-\uDBFF) before "\ude00", found a lone low surrogate)~"},
    {"a == -", R"~(column 7: expected a digit after "-", found end of input)~"},
    {"a == 1.x", R"~(column 8: expected a digit after ".", found "x")~"},
    {"a == 1e", R"~(column 8: expected a digit in the exponent, found end of input)~"},
    {"a == 1e999", "column 6: expected a number within the range of a double, found 1e999"},
    {"a. == 1", R"~(column 3: expected a field name after ".", found " ")~"},
    {"exists(1)", R"~(column 8: expected a field name inside "exists(", found number 1)~"},
    {"exists(a", R"~(column 9: expected ")" after "exists(a", found end of input)~"},
    {"a == b c", R"~(column 8: expected "and", "or" or end of input, found field "c")~"},
    {"a == #", R"~(column 6: expected a value after "==", found "#")~"},
    {R"~("é" == é)~", R"~(column 8: expected a value after "==", found "é")~"},
  };
  for (const auto& c : cases)
    BOOST_TEST(error_of(c.where) == c.message, "where = " << c.where);
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_256_levels_is_refused) {
  std::string ok = std::string(256, '(') + "a == 1" + std::string(256, ')');
  BOOST_TEST(static_cast<bool>(parse(ok)));
  std::string deep = std::string(300, '(') + "a == 1" + std::string(300, ')');
  BOOST_TEST(error_of(deep) == R"(column 257: expected at most 256 nested "not" or "(", found "(")");
  std::string nots;
  for (int i = 0; i < 300; ++i)
    nots += "not ";
  BOOST_TEST(error_of(nots + "a == 1").rfind("column 1025: expected at most 256", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
