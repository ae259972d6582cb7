/// A stage instance's dead letters between checkpoints: logged, counted, and with a store
/// handed to it with the checkpoint they belong to.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sluice/abi.h"
#include "state/store.hpp"

namespace sluice::actors {

class dead_letter_log {
public:
  /// `store` null: dead letters are only counted and logged (no checkpoints, nowhere to keep
  /// them exactly once). `stage` names the records of a source that leaves position.source unset.
  dead_letter_log(std::shared_ptr<state::store> store, std::string instance, std::string stage, std::string plugin,
                  std::string version);

  /// Records one dead letter of `r` for `reason` after `attempts` tries; logs the first few.
  void add(const sluice_record& r, const char* reason, uint32_t attempts = 1);

  /// Stages the dead letters since the last checkpoint as part of checkpoint `epoch`.
  status stage(int64_t epoch);

  /// After a hot swap: the plugin version that dead-letters from now on.
  void set_plugin(std::string plugin, std::string version) {
    plugin_ = std::move(plugin);
    version_ = std::move(version);
  }

  /// Logs how many were not shown (at the end of the instance).
  void log_rest() const;

private:
  std::shared_ptr<state::store> store_;
  std::string instance_, stage_, plugin_, version_;
  std::vector<state::dead_letter> since_checkpoint_;
  size_t count_ = 0;
};

} // namespace sluice::actors
