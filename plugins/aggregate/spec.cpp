#include "aggregate/spec.hpp"

#include <algorithm>

#include "sluice/context.hpp"

namespace sluice::builtin::aggregate {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

const char* name_of(fn f) {
  switch (f) {
    case fn::count: return "count";
    case fn::sum: return "sum";
    case fn::min: return "min";
    case fn::max: return "max";
    case fn::avg: return "avg";
  }
  return "?";
}

bool field_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '$' || c == '@';
}

} // namespace

aggregation parse_aggregation(const std::string& name, std::string_view expr) {
  const std::string where = "aggregations." + name + ": ";
  auto fail = [&](const std::string& why) { throw stage_error{where + why}; };
  std::string_view e = trim(expr);
  size_t open = e.find('(');
  if (open == std::string_view::npos || e.back() != ')')
    fail("expected \"function(field)\" such as \"sum(amount)\" or \"count()\", got \"" + std::string{expr} + "\"");
  std::string_view fname = trim(e.substr(0, open));
  std::string_view arg = trim(e.substr(open + 1, e.size() - open - 2));
  aggregation a;
  a.output = name;
  if (fname == "count")
    a.f = fn::count;
  else if (fname == "sum")
    a.f = fn::sum;
  else if (fname == "min")
    a.f = fn::min;
  else if (fname == "max")
    a.f = fn::max;
  else if (fname == "avg")
    a.f = fn::avg;
  else
    fail("unknown function \"" + std::string{fname} + "\" (expected count, sum, min, max, avg)");
  if (a.f == fn::count) {
    if (!arg.empty())
      fail("count() takes no field, got \"" + std::string{arg} + "\"");
    return a;
  }
  if (arg.empty())
    fail(std::string{name_of(a.f)} + "() needs a numeric field, e.g. \"" + name_of(a.f) + "(amount)\"");
  if (!std::all_of(arg.begin(), arg.end(), field_char) || arg.front() == '.' || arg.back() == '.' ||
      arg.find("..") != std::string_view::npos)
    fail("\"" + std::string{arg} + "\" is not a field name like amount or order.total");
  a.field.assign(arg);
  return a;
}

spec make_spec(std::vector<std::string> group_by,
               const std::vector<std::pair<std::string, std::string>>& aggregations, int64_t window,
               int64_t slide, int64_t delay, int64_t lateness) {
  spec s;
  s.group_by = std::move(group_by);
  if (aggregations.empty())
    throw stage_error{"aggregations: expected at least one entry like { orders = \"count()\" }"};
  for (auto& [name, expr] : aggregations) {
    if (name == "window_start" || name == "window_end" ||
        std::find(s.group_by.begin(), s.group_by.end(), name) != s.group_by.end())
      throw stage_error{"aggregations." + name + ": the output name clashes with " +
                        (name.rfind("window_", 0) == 0 ? std::string{"a window field"} : "a group_by field")};
    s.aggs.push_back(parse_aggregation(name, expr));
  }
  for (size_t i = 0; i < s.group_by.size(); ++i) {
    if (s.group_by[i].empty())
      throw stage_error{"group_by: field names must not be empty"};
    if (std::find(s.group_by.begin(), s.group_by.begin() + i, s.group_by[i]) != s.group_by.begin() + i)
      throw stage_error{"group_by: \"" + s.group_by[i] + "\" is listed twice"};
  }
  if (window <= 0)
    throw stage_error{"window: must be longer than 0"};
  s.window = window;
  s.slide = slide > 0 ? slide : window;
  if (s.slide > s.window)
    throw stage_error{"slide: must not be longer than window (records between windows would be lost)"};
  s.delay = delay;
  s.lateness = lateness;
  return s;
}

std::string spec::fingerprint() const {
  std::string f = "window=" + std::to_string(window) + " slide=" + std::to_string(slide) + " group_by=[";
  for (size_t i = 0; i < group_by.size(); ++i)
    f += (i ? "," : "") + group_by[i];
  f += "] aggregations=[";
  for (size_t i = 0; i < aggs.size(); ++i)
    f += (i ? "," : "") + aggs[i].output + "=" + name_of(aggs[i].f) + "(" + aggs[i].field + ")";
  return f + "]";
}

} // namespace sluice::builtin::aggregate
