// `sluice reload --config F STAGE`: asks the running node, over its admin socket, to swap in
// the plugin file its config names for STAGE.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "actors/admin.hpp"
#include "actors/commands.hpp"
#include "config/pipeline.hpp"

namespace sluice::cli {

int reload(const common& c, const std::string& stage) {
  auto loaded = load_or_report(c);
  if (!loaded)
    return 2;
  auto& p = *loaded;
  if (!p.find(stage)) {
    std::cerr << c.config << ": the pipeline has no stage " << stage << "\n";
    return 2;
  }
  if (p.state_dir.empty()) {
    std::cerr << c.config << ": [pipeline] has no state_dir, so node " << p.node
              << " has no admin socket to reload through\n";
    return 2;
  }
  auto path = actors::admin_socket_path(p.state_dir);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::cerr << "node " << p.node << " is not running (no admin socket at " << path << ": " << std::strerror(errno)
              << ")\n";
    if (fd >= 0)
      ::close(fd);
    return 1;
  }
  auto request = "reload " + stage + "\n";
  bool sent = ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  std::string reply;
  char buf[512];
  for (ssize_t n; sent && (n = ::read(fd, buf, sizeof buf)) > 0;)
    reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (reply.rfind("ok: ", 0) == 0) {
    std::cout << reply.substr(4);
    return 0;
  }
  std::cerr << (reply.empty() ? "the node closed the admin connection without an answer\n" : reply);
  return 1;
}

} // namespace sluice::cli
