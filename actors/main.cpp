/// sluice: run, check and draw pipelines; inspect plugins.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/commands.hpp"
#include "core/memory.hpp"
#include "sluice/abi.h"

namespace {

/// `validate F` and `validate --config F` both work.
void add_config(CLI::App* cmd, sluice::cli::common& c, std::string& positional) {
  cmd->add_option("file", positional, "pipeline file (TOML)");
  cmd->add_option("-c,--config", c.config, "pipeline file (TOML)");
}

bool pick_config(sluice::cli::common& c, const std::string& positional) {
  if (c.config.empty())
    c.config = positional;
  if (c.config.empty()) {
    std::cerr << "error: give the pipeline file as an argument or with --config FILE\n";
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  sluice::keep_large_buffers(); // before any thread starts
  auto logger = spdlog::stderr_color_mt("sluice");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"sluice: a pipeline runtime (ingest, transform, store, deliver)", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string{"sluice " SLUICE_VERSION ", plugin ABI "} +
                                        std::to_string(SLUICE_ABI_MAJOR) + "." + std::to_string(SLUICE_ABI_MINOR));
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn or error")
    ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  sluice::cli::common c;
  std::string positional, stats_file, format = "dot", plugin;
  unsigned threads = 0;

  auto run = app.add_subcommand("run", "Run the stages of one node until the sources end or a signal");
  run->add_option("-c,--config", c.config, "pipeline file (TOML)")->required();
  run->add_option("-n,--node", c.node, "node name (default: $SLUICE_NODE, else the coordinator)")
    ->envname("SLUICE_NODE");
  run->add_option("--stats", stats_file, "write counters as JSON to this file at exit");
  run->add_option("--threads", threads, "actor scheduler threads (default: one per core it may run on, at least 2)");

  auto validate = app.add_subcommand("validate", "Check a pipeline file and its plugins; run nothing");
  add_config(validate, c, positional);

  auto graph = app.add_subcommand("graph", "Print the pipeline as a DOT or Mermaid graph");
  add_config(graph, c, positional);
  graph->add_option("-f,--format", format, "dot or mermaid")->check(CLI::IsMember({"dot", "mermaid"}));

  auto inspect = app.add_subcommand("inspect", "Show the stages, versions and options of a plugin");
  inspect->add_option("plugin", plugin, "built-in name or path to a .so")->required();

  auto checkpoint = app.add_subcommand("checkpoint", "List or inspect a node's checkpoints (works while it is stopped)");
  checkpoint->require_subcommand(1);
  std::string checkpoint_verb;
  for (auto [verb, help] : {std::pair{"ls", "epochs with their time and size"},
                            std::pair{"inspect", "the committed epoch: state per stage instance, source offsets"}}) {
    auto sub = checkpoint->add_subcommand(verb, help);
    sub->add_option("-c,--config", c.config, "pipeline file (TOML)")->required();
    sub->add_option("-n,--node", c.node, "node name (default: $SLUICE_NODE, else the coordinator)")
      ->envname("SLUICE_NODE");
    sub->callback([&checkpoint_verb, verb = std::string{verb}] { checkpoint_verb = verb; });
  }

  auto dlq = app.add_subcommand("dlq", "List, show, replay or purge a node's dead letters (list/show also while it runs)");
  dlq->require_subcommand(1);
  sluice::cli::dlq_args dlq_args;
  for (auto [verb, help] :
       {std::pair{"list", "one line per dead letter: id, stage, plugin, source position, reason"},
        std::pair{"show", "every field of one dead letter and its original bytes"},
        std::pair{"replay", "queue dead letters (all, a stage's, or the ids given) to be processed again, exactly "
                            "once, when the node next starts (the node must be stopped)"},
        std::pair{"purge", "delete the dead letters (the node must be stopped)"}}) {
    auto sub = dlq->add_subcommand(verb, help);
    sub->add_option("-c,--config", c.config, "pipeline file (TOML)")->required();
    sub->add_option("-n,--node", c.node, "node name (default: $SLUICE_NODE, else the coordinator)")
      ->envname("SLUICE_NODE");
    sub->add_option("-s,--stage", dlq_args.stage, "only this stage's dead letters");
    if (std::string{verb} == "show")
      sub->add_option("id", dlq_args.id, "the id `dlq list` prints")->required();
    if (std::string{verb} == "replay") {
      sub->add_option("--into", dlq_args.into, "the stage to replay into (default: the stage each failed in)");
      sub->add_option("ids", dlq_args.ids, "only these ids (as `dlq list` prints them)");
    }
    sub->callback([&dlq_args, verb = std::string{verb}] { dlq_args.verb = verb; });
  }

  auto reload = app.add_subcommand("reload", "Swap a stage's plugin in the running node for the file its config "
                                            "names now (checked first; the old version keeps running on any error)");
  std::string reload_stage;
  reload->add_option("-c,--config", c.config, "pipeline file (TOML)")->required();
  reload->add_option("-n,--node", c.node, "node name (default: $SLUICE_NODE, else the coordinator)")
    ->envname("SLUICE_NODE");
  reload->add_option("stage", reload_stage, "the stage to reload")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (*run)
    return sluice::cli::run(c, stats_file, threads);
  if (*validate)
    return pick_config(c, positional) ? sluice::cli::validate(c) : 2;
  if (*graph)
    return pick_config(c, positional) ? sluice::cli::graph(c, format) : 2;
  if (*inspect)
    return sluice::cli::inspect(plugin);
  if (*checkpoint)
    return sluice::cli::checkpoint(c, checkpoint_verb);
  if (*reload)
    return sluice::cli::reload(c, reload_stage);
  if (*dlq)
    return sluice::cli::dlq(c, dlq_args);
  return 2;
}
