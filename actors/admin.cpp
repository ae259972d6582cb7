#include "actors/admin.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>


namespace sluice::actors {

namespace {

namespace fs = std::filesystem;
constexpr auto debounce = std::chrono::milliseconds{200};

} // namespace

std::string admin_socket_path(const std::string& state_dir) { return state_dir + "/admin.sock"; }

admin_endpoint::admin_endpoint(caf::actor_system& sys, caf::actor supervisor, const plan::prepared& prep)
  : sys_(sys), supervisor_(std::move(supervisor)), prep_(prep), reloader_(sys, supervisor_, prep),
    path_(admin_socket_path(prep.pipeline.state_dir)) {}

admin_endpoint::~admin_endpoint() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  if (inotify_ >= 0)
    ::close(inotify_);
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
  if (prep_.pipeline.watch_plugins)
    watch();
  thread_ = std::thread([this] { serve(); });
  spdlog::info("admin socket: {}", path_);
  return true;
}

void admin_endpoint::watch() {
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0) {
    spdlog::warn("plugin files are not watched: inotify: {}", std::strerror(errno));
    return;
  }
  std::set<std::string> dirs;
  for (size_t s = 0; s < reloader_.stages(); ++s)
    if (!reloader_.file_of(s).empty())
      dirs.insert(fs::path{reloader_.file_of(s)}.parent_path().string());
  for (auto& d : dirs) {
    // Complete files only: a rename into place, or the close of a file written in place.
    int wd = ::inotify_add_watch(inotify_, d.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
    if (wd >= 0)
      watched_dirs_[wd] = d;
    else
      spdlog::warn("plugin directory {} is not watched: {}", d, std::strerror(errno));
  }
}

void admin_endpoint::on_file_events() {
  alignas(inotify_event) char buf[4096];
  for (ssize_t n; (n = ::read(inotify_, buf, sizeof buf)) > 0;)
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      auto dir = watched_dirs_.find(ev->wd);
      if (dir == watched_dirs_.end() || ev->len == 0)
        continue;
      auto file = (fs::path{dir->second} / ev->name).string();
      for (size_t s = 0; s < reloader_.stages(); ++s)
        if (reloader_.file_of(s) == file) {
          due_.insert(reloader_.name_of(s));
          due_at_ = std::chrono::steady_clock::now() + debounce; // a burst of writes: wait for quiet
        }
    }
}

void admin_endpoint::reload_due() {
  std::vector<std::string> stages(due_.begin(), due_.end());
  due_.clear();
  spdlog::info("plugin file of {} replaced; reloading", stages.size() == 1 ? stages[0] : "several stages");
  auto r = reloader_.reload(stages, false);
  (r.ok ? spdlog::info("reload: {}", r.message)
        : spdlog::error("reload refused, the old version keeps running: {}", r.message));
}

void admin_endpoint::serve() {
  while (!stop_) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {inotify_, POLLIN, 0}};
    int ready = ::poll(p, inotify_ >= 0 ? 2 : 1, 50);
    if (hangup_.exchange(false)) {
      spdlog::info("SIGHUP: reloading changed plugins and reloadable options");
      auto r = reloader_.reload({}, false);
      (r.ok ? spdlog::info("reload: {}", r.message)
            : spdlog::error("reload refused, the old version keeps running: {}", r.message));
    }
    if (inotify_ >= 0 && (p[1].revents & POLLIN))
      on_file_events();
    if (!due_.empty() && std::chrono::steady_clock::now() >= due_at_)
      reload_due();
    if (ready <= 0 || !(p[0].revents & POLLIN))
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
    auto r = prep_.pipeline.index_of(stage) < 0 ? reload_outcome{false, "the pipeline has no stage " + stage}
                                                 : reloader_.reload({stage}, true);
    if (r.ok)
      spdlog::info("reload: {}", r.message);
    else
      spdlog::error("reload of stage {} refused, the old version keeps running: {}", stage, r.message);
    return (r.ok ? "ok: " : "error: ") + r.message;
  }
  return "error: unknown request \"" + request + "\" (expected: reload STAGE)";
}

} // namespace sluice::actors
