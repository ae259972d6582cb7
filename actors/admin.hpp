/// The node's admin endpoint: a unix socket under state_dir (`<state_dir>/admin.sock`), one
/// request per connection, one line each way. Its thread also watches the plugin files
/// (inotify, when [pipeline] watch_plugins) and takes SIGHUP. Everything is served one at a
/// time, in order: a second reload waits for the first, it is never dropped.
///
///   reload STAGE   ->  "ok: ..." | "error: ..."
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/reloader.hpp"
#include "plan/prepare.hpp"

namespace sluice::actors {

/// Where the admin socket of the node with state dir `state_dir` lives.
std::string admin_socket_path(const std::string& state_dir);

class admin_endpoint {
public:
  admin_endpoint(caf::actor_system& sys, caf::actor supervisor, const plan::prepared& prep);
  ~admin_endpoint(); ///< stops serving and removes the socket
  admin_endpoint(const admin_endpoint&) = delete;
  admin_endpoint& operator=(const admin_endpoint&) = delete;

  /// Starts serving; false (and logs why) when the socket cannot be made.
  bool start();
  /// SIGHUP: reload the plugins whose files changed and options marked reloadable.
  void hangup() { hangup_ = true; }

private:
  void serve();
  std::string answer(const std::string& request);
  void watch();
  /// Reads inotify events: stages whose plugin file was replaced become due after a debounce.
  void on_file_events();
  void reload_due();

  caf::actor_system& sys_;
  caf::actor supervisor_;
  const plan::prepared& prep_;
  reloader reloader_;
  std::string path_;
  int fd_ = -1;
  int inotify_ = -1;
  std::map<int, std::string> watched_dirs_; ///< watch descriptor -> directory
  std::set<std::string> due_;               ///< stages whose file changed, waiting out the debounce
  std::chrono::steady_clock::time_point due_at_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> hangup_{false};
  std::thread thread_;
};

} // namespace sluice::actors
