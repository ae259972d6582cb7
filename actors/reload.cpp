#include "actors/reload.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "core/text.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"

extern char** environ;

namespace sluice::actors {

namespace {

namespace fs = std::filesystem;

/// `sluice inspect FILE` in a child process (posix_spawn, never fork: this process runs CAF
/// threads). A library that crashes or fails to load takes only the child down.
bool check_in_child(const std::string& file, std::string& why) {
  auto log = file + ".check";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  auto exe = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args{"sluice", "inspect", file};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    why = "could not start the pre-check (" + exe + " inspect): " + std::strerror(rc);
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::ifstream in{log};
  std::stringstream out;
  out << in.rdbuf();
  fs::remove(log);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return true;
  auto text = out.str();
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  why = "the pre-check (`sluice inspect` in a child) " +
        (WIFSIGNALED(status) ? std::string{"crashed with "} + strsignal(WTERMSIG(status))
                             : "failed") + (text.empty() ? "" : ": " + text.substr(text.rfind('\n') + 1));
  return false;
}

} // namespace

reload_outcome reload_stage(caf::actor_system& sys, const caf::actor& supervisor, const config::pipeline& p,
                            const config::stage_config& sc, uint32_t kind, plugin::resolved* now_running) {
  static std::atomic<uint64_t> seq{0};
  const auto& stage = sc.name;
  plugin::registry reg{plugin::exe_dir()};
  auto path = reg.locate(sc.plugin);
  if (!path)
    return {false, path.message()};
  // A unique copy: the file may be rewritten again while we load it, and dlopen of a path
  // it has open already would hand back the old library.
  auto dir = (p.state_dir.empty() ? fs::temp_directory_path() : fs::path{p.state_dir}) / "reload";
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto copy = (dir / (fs::path{*path}.stem().string() + "." + std::to_string(::getpid()) + "." +
                      std::to_string(++seq) + ".so")).string();
  if (!fs::copy_file(*path, copy, fs::copy_options::overwrite_existing, ec))
    return {false, "cannot copy " + *path + ": " + ec.message()};
  std::string why;
  if (!check_in_child(copy, why)) {
    fs::remove(copy, ec);
    return {false, why};
  }
  auto resolved = reg.resolve_from(sc.plugin, copy);
  fs::remove(copy, ec); // the mapping stays; nothing is left on disk
  if (!resolved)
    return {false, resolved.message()};
  if (resolved->stage->kind != kind)
    return {false, "the new library's " + std::string{resolved->stage->name} + " is a " +
                     plugin::kind_name(resolved->stage->kind) + ", the running one a " + plugin::kind_name(kind)};
  auto bound = plugin::bind_options(*resolved->stage, sc, p.file);
  if (!bound.errors.empty())
    return {false, bound.errors.front().str()};
  swap_request req{*resolved, std::make_shared<plugin::option_set>(std::move(bound.options))};

  caf::scoped_actor self{sys};
  std::vector<caf::actor> instances;
  std::string failed;
  self->request(supervisor, std::chrono::seconds{10}, instances_atom::value, stage)
    .receive([&](std::vector<caf::actor>& v) { instances = std::move(v); },
             [&](caf::error& e) { failed = sys.render(e); });
  if (!failed.empty())
    return {false, failed};
  std::vector<int64_t> stalls;
  for (auto& inst : instances) {
    swap_reply reply;
    self->request(inst, std::chrono::seconds{60}, swap_atom::value, req)
      .receive([&](swap_reply& r) { reply = std::move(r); },
               [&](caf::error& e) { reply.message = "instance did not answer: " + sys.render(e); });
    if (!reply.ok)
      return {false, reply.message + (stalls.empty() ? "" : " (" + std::to_string(stalls.size()) +
                                                               " instance(s) run the new version already)")};
    stalls.push_back(reply.stall_ns);
  }
  self->send(supervisor, swapped_atom::value, stage, req);
  if (now_running)
    *now_running = req.plugin;
  std::string list;
  for (auto ns : stalls)
    list += (list.empty() ? "" : ",") + std::to_string(ns / 1000);
  return {true, "stage " + stage + " now runs " + req.plugin.stage->name + " " + req.plugin.stage->version +
                  " on " + std::to_string(stalls.size()) + " instance(s); stall_us=" + list};
}

} // namespace sluice::actors
