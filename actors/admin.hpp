/// The node's admin endpoint: a unix socket under state_dir (`<state_dir>/admin.sock`), one
/// request per connection, one line each way. Requests are served one at a time, in order:
/// a second reload waits for the first, it is never dropped.
///
///   reload STAGE   ->  "ok: ..." | "error: ..."
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

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

private:
  void serve();
  std::string answer(const std::string& request);

  caf::actor_system& sys_;
  caf::actor supervisor_;
  const plan::prepared& prep_;
  std::vector<uint32_t> kinds_; ///< per stage, as spawned (the supervisor owns prep.stages after)
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace sluice::actors
