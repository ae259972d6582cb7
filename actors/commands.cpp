#include "actors/commands.hpp"

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "actors/node.hpp"
#include "plan/graph.hpp"
#include "plan/prepare.hpp"
#include "plugin/options.hpp"

namespace sluice::cli {

namespace {

std::unique_ptr<plan::prepared> prepare_or_report(const common& c) {
  auto r = plan::prepare(c.config, c.node, plugin::exe_dir());
  for (auto& e : r.errors)
    std::cerr << e.str() << "\n";
  if (!r.errors.empty())
    std::cerr << c.config << ": " << r.errors.size() << (r.errors.size() == 1 ? " error" : " errors") << "\n";
  return std::move(r.value);
}

} // namespace

std::optional<config::pipeline> load_or_report(const common& c) {
  auto loaded = config::load_file(c.config, c.node);
  for (auto& e : loaded.errors)
    std::cerr << e.str() << "\n";
  return std::move(loaded.value);
}

int run(const common& c, const std::string& stats_file, unsigned threads) {
  auto prep = prepare_or_report(c);
  if (!prep)
    return 2;
  actors::run_options opts;
  opts.stats_file = stats_file;
  opts.threads = threads;
  return actors::run_node(*prep, opts);
}

int validate(const common& c) {
  auto prep = prepare_or_report(c);
  if (!prep)
    return 2;
  size_t instances = 0;
  for (auto& s : prep->pipeline.stages)
    instances += s.parallelism;
  std::cout << c.config << ": ok (pipeline " << prep->pipeline.name << ", " << prep->pipeline.stages.size()
            << " stages, " << instances << " instances, " << prep->physical.edges.size() << " edges)\n";
  return 0;
}

int graph(const common& c, const std::string& format) {
  auto prep = prepare_or_report(c);
  if (!prep)
    return 2;
  std::cout << (format == "mermaid" ? plan::to_mermaid(prep->physical) : plan::to_dot(prep->physical));
  return 0;
}

int inspect(const std::string& name) {
  plugin::registry reg{plugin::exe_dir()};
  auto path = reg.locate(name);
  if (!path) {
    std::cerr << path.message() << "\n";
    return 2;
  }
  auto lib = plugin::open_library(*path);
  if (!lib) {
    std::cerr << lib.message() << "\n";
    return 2;
  }
  auto& d = (*lib)->desc();
  std::cout << "library:  " << *path << "\n"
            << "name:     " << (d.library_name ? d.library_name : "(unnamed)") << "\n"
            << "abi:      " << d.abi_major << "." << d.abi_minor << " (this sluice: " << SLUICE_ABI_MAJOR << "."
            << SLUICE_ABI_MINOR << ")\n";
  for (auto s : (*lib)->stages()) {
    std::cout << "\nstage " << s->name << "\n"
              << "  kind:           " << plugin::kind_name(s->kind) << "\n"
              << "  version:        " << (s->version ? s->version : "?") << "\n"
              << "  state schema:   " << s->state_schema_version << "\n";
    if (s->description)
      std::cout << "  description:    " << s->description << "\n";
    if (s->side_outputs && *s->side_outputs) {
      std::cout << "  side outputs:  ";
      for (auto n = s->side_outputs; *n; ++n)
        std::cout << " " << *n;
      std::cout << "\n";
    }
    std::cout << "  options:\n";
    if (s->option_count == 0)
      std::cout << "    (none)\n";
    for (size_t i = 0; i < s->option_count; ++i) {
      auto& o = s->options[i];
      std::string flags;
      if (o.flags & SLUICE_OPTION_REQUIRED)
        flags += " required";
      if (o.flags & SLUICE_OPTION_RELOADABLE)
        flags += " reloadable";
      char line[256];
      std::snprintf(line, sizeof line, "    %-18s %-17s default %-12s%s\n", o.key, plugin::option_type_name(o.type),
                    o.default_value ? o.default_value : "-", flags.c_str());
      std::cout << line;
      if (o.help)
        std::cout << "        " << o.help << "\n";
    }
  }
  return 0;
}

} // namespace sluice::cli
