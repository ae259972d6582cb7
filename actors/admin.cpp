#include "actors/admin.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "actors/reload.hpp"

namespace sluice::actors {

std::string admin_socket_path(const std::string& state_dir) { return state_dir + "/admin.sock"; }

admin_endpoint::admin_endpoint(caf::actor_system& sys, caf::actor supervisor, const plan::prepared& prep)
  : sys_(sys), supervisor_(std::move(supervisor)), prep_(prep), path_(admin_socket_path(prep.pipeline.state_dir)) {
  for (auto& r : prep.stages)
    kinds_.push_back(r.stage->kind);
}

admin_endpoint::~admin_endpoint() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

bool admin_endpoint::start() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    spdlog::warn("no admin socket: {} is longer than a unix socket path may be; `sluice reload` cannot reach "
                 "this node", path_);
    return false;
  }
  std::strcpy(addr.sun_path, path_.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::unlink(path_.c_str()); // a stale socket of an earlier run; the store's lock says we are the only node here
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    spdlog::warn("no admin socket at {}: {}", path_, std::strerror(errno));
    return false;
  }
  thread_ = std::thread([this] { serve(); });
  spdlog::info("admin socket: {}", path_);
  return true;
}

void admin_endpoint::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0)
      continue;
    std::string request;
    char buf[512];
    for (ssize_t n; request.find('\n') == std::string::npos && request.size() < 4096 &&
                    (n = ::read(c, buf, sizeof buf)) > 0;)
      request.append(buf, static_cast<size_t>(n));
    request = request.substr(0, request.find('\n'));
    auto reply = answer(request) + "\n";
    for (size_t off = 0; off < reply.size();) {
      auto n = ::write(c, reply.data() + off, reply.size() - off);
      if (n <= 0)
        break;
      off += static_cast<size_t>(n);
    }
    ::close(c);
  }
}

std::string admin_endpoint::answer(const std::string& request) {
  if (request.rfind("reload ", 0) == 0) {
    auto stage = request.substr(7);
    spdlog::info("reload of stage {} requested", stage);
    auto i = prep_.pipeline.index_of(stage);
    auto r = i < 0 ? reload_outcome{false, "the pipeline has no stage " + stage}
                   : reload_stage(sys_, supervisor_, prep_, stage, kinds_[static_cast<size_t>(i)]);
    if (r.ok)
      spdlog::info("reload: {}", r.message);
    else
      spdlog::error("reload of stage {} refused, the old version keeps running: {}", stage, r.message);
    return (r.ok ? "ok: " : "error: ") + r.message;
  }
  return "error: unknown request \"" + request + "\" (expected: reload STAGE)";
}

} // namespace sluice::actors
