/// Hot reload of one stage's plugin in a running node: copy the file, check the copy in a
/// child process, load it, bind the options, and swap every instance of the stage.
#pragma once

#include <string>

#include <caf/all.hpp>

#include "config/pipeline.hpp"
#include "plugin/loader.hpp"

namespace sluice::actors {

struct reload_outcome {
  bool ok = false;
  std::string message; ///< one line for the caller: what was swapped (with stalls) or why not
};

/// Blocks until the reload of stage `sc` (as the config says now: plugin file and options) is
/// done or refused. One at a time; `supervisor` hands out the instances; `kind` is the kind the
/// stage runs as (a reload may not change it). On success `now_running` is the new plugin.
/// Never changes anything on refusal.
reload_outcome reload_stage(caf::actor_system& sys, const caf::actor& supervisor, const config::pipeline& p,
                            const config::stage_config& sc, uint32_t kind, plugin::resolved* now_running);

} // namespace sluice::actors
