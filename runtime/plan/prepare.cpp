#include "plan/prepare.hpp"

#include "config/toml_util.hpp"

namespace sluice::plan {

prepare_result prepare(const std::string& file, const std::string& node, const std::string& exe_dir) {
  prepare_result out;
  auto loaded = config::load_file(file, node);
  if (!loaded.value) {
    out.errors = std::move(loaded.errors);
    return out;
  }
  auto pr = std::make_unique<prepared>();
  pr->pipeline = std::move(*loaded.value);
  pr->registry = std::make_unique<plugin::registry>(exe_dir);
  auto& p = pr->pipeline;
  port_names ports(p.stages.size());
  for (auto& s : p.stages) {
    auto res = pr->registry->resolve(s.plugin);
    if (!res) {
      out.errors.push_back({s.plugin_where, "stage " + s.name + ": " + res.message()});
      pr->stages.emplace_back();
      pr->options.push_back(std::make_shared<plugin::option_set>());
      continue;
    }
    auto& desc = *res->stage;
    bool is_source = desc.kind == SLUICE_KIND_SOURCE;
    if (is_source && !s.inputs.empty())
      out.errors.push_back({s.inputs.front().where, "stage " + s.name + " is a source (" + desc.name +
                                                        ") and cannot have `inputs`"});
    if (!is_source && s.inputs.empty())
      out.errors.push_back({s.where, "stage " + s.name + " (" + plugin::kind_name(desc.kind) + " " +
                                         desc.name + ") needs `inputs = [\"...\"]`"});
    if (desc.kind != SLUICE_KIND_SINK && s.table && s.table->contains("breaker"))
      out.errors.push_back({config::where(*s.table->get("breaker"), p.file),
                            "stage " + s.name + " (" + plugin::kind_name(desc.kind) + " " + desc.name +
                              ") has a `breaker`; circuit breakers guard sinks only"});
    if (desc.kind == SLUICE_KIND_SOURCE && s.table && s.table->contains("on_error"))
      out.errors.push_back({config::where(*s.table->get("on_error"), p.file),
                            "stage " + s.name + " (source " + desc.name +
                              ") has `on_error`; a source's bad records are dead-lettered where it finds them, "
                              "and its failures restart it (see `restart`)"});
    if (desc.side_outputs)
      for (auto n = desc.side_outputs; *n; ++n)
        ports[static_cast<size_t>(p.index_of(s.name))].push_back(*n);
    auto bound = plugin::bind_options(desc, s, p.file);
    for (auto& e : bound.errors)
      out.errors.push_back(std::move(e));
    pr->stages.push_back(*res);
    pr->options.push_back(std::make_shared<plugin::option_set>(std::move(bound.options)));
  }
  for (auto& s : p.stages)
    for (auto& in : s.inputs) {
      int from = p.index_of(in.stage);
      auto& up = pr->stages[static_cast<size_t>(from)];
      if (up.stage && up.stage->kind == SLUICE_KIND_SINK)
        out.errors.push_back({in.where, "stage " + s.name + " reads from " + in.stage +
                                            ", which is a sink and has no output"});
    }
  if (!out.errors.empty())
    return out;
  auto pl = build(pr->pipeline, ports);
  if (!pl) {
    config::diagnostic d; // named: GCC 12 -O3 misreads the braced temporary
    d.message = pl.message();
    out.errors.push_back(std::move(d));
    return out;
  }
  pr->physical = std::move(*pl);
  pr->physical.p = &pr->pipeline;
  out.value = std::move(pr);
  return out;
}

} // namespace sluice::plan
