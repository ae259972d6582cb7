/// Decides what a reload trigger changes: re-reads the node's config, refuses wiring changes
/// and options the plugin does not mark reloadable, finds stages whose plugin file was
/// replaced, and swaps them (actors/reload.hpp). Used by one thread: the admin endpoint's.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/reload.hpp"
#include "plan/prepare.hpp"

namespace sluice::actors {

class reloader {
public:
  reloader(caf::actor_system& sys, caf::actor supervisor, const plan::prepared& prep);

  /// Reloads `stages` (every stage when empty) from the config as it is now. `force`: swap
  /// even if neither the file nor an option changed (`sluice reload`); otherwise only what
  /// changed (SIGHUP, a replaced file).
  reload_outcome reload(const std::vector<std::string>& stages, bool force);

  /// The plugin file each stage was loaded from (for the file watcher); empty if unknown.
  const std::string& file_of(size_t stage) const { return running_[stage].file; }
  size_t stages() const { return running_.size(); }
  const std::string& name_of(size_t stage) const { return running_[stage].config.name; }

private:
  struct file_id {
    dev_t dev = 0;
    ino_t ino = 0;
    int64_t mtime_ns = 0;
    off_t size = 0;
    bool operator==(const file_id& o) const {
      return dev == o.dev && ino == o.ino && mtime_ns == o.mtime_ns && size == o.size;
    }
  };
  struct running {
    config::stage_config config;        ///< as last loaded (its table lives in `doc`)
    std::shared_ptr<toml::table> doc;
    plugin::resolved plugin;
    std::string file;
    file_id id;
  };
  static file_id identify(const std::string& file);
  /// Why `now` cannot be applied to stage `s` without a restart; empty if it can.
  std::string refusal(size_t s, const config::stage_config& now, bool& options_changed) const;

  caf::actor_system& sys_;
  caf::actor supervisor_;
  config::pipeline pipeline_; ///< the running [pipeline] settings (file, node, state_dir)
  std::vector<running> running_;
};

} // namespace sluice::actors
