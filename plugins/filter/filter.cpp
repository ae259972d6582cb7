/// The built-in `filter` stage: passes on the records for which `where` is true.
#include <sluice/sluice.hpp>

#include "filter/expr.hpp"

namespace sluice::builtin::filter {
namespace {

const sluice_option_spec filter_options[] = {
  {"where", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED | SLUICE_OPTION_RELOADABLE, nullptr,
   "predicate over JSON fields, e.g. `status == \"active\" and latency_ms > 250`; "
   "records for which it is true pass unchanged"},
};

/// Compiles the `where` option; a bad expression fails create() with its column.
expr compile_where(const options& opts) {
  auto parsed = parse(opts.get_string("where"));
  if (!parsed)
    throw stage_error{"where: " + parsed.error().str()};
  return std::move(*parsed);
}

class filter_stage : public Transform {
public:
  explicit filter_stage(context& c) : Transform(c), keep_(compile_where(opts())) {}

  void process(const batch& records) override {
    int64_t passed = 0;
    int64_t not_json = 0;
    for (record r : records) {
      verdict v = keep_.check(r);
      not_json += v.json ? 0 : 1;
      if (v.keep) {
        ctx().emit(r);
        ++passed;
      }
    }
    ctx().count("passed", passed);
    ctx().count("dropped", static_cast<int64_t>(records.size()) - passed);
    if (not_json)
      ctx().count("not_json", not_json);
  }

private:
  evaluator keep_;
};

} // namespace
} // namespace sluice::builtin::filter

SLUICE_PLUGIN("filter", sluice::stage<sluice::builtin::filter::filter_stage>(
                          "filter", "1.0.0", sluice::builtin::filter::filter_options,
                          {"Keeps records matching `where`."}));
