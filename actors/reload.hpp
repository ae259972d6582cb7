/// Hot reload of one stage's plugin in a running node: copy the file, check the copy in a
/// child process, load it, bind the options, and swap every instance of the stage.
#pragma once

#include <string>

#include <caf/all.hpp>

#include "plan/prepare.hpp"

namespace sluice::actors {

struct reload_outcome {
  bool ok = false;
  std::string message; ///< one line for the caller: what was swapped (with stalls) or why not
};

/// Blocks until the reload of `stage` is done or refused. One at a time (the admin endpoint
/// serialises them); `supervisor` hands out the instances. Never changes anything on refusal.
/// `kind` is the stage's kind as it runs (a reload may not change it).
reload_outcome reload_stage(caf::actor_system& sys, const caf::actor& supervisor, const plan::prepared& prep,
                            const std::string& stage, uint32_t kind);

} // namespace sluice::actors
