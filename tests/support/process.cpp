#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace fs = std::filesystem;

namespace sluice::test {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (auto& a : argv)
    v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

int decode(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
int loopback_ports(int salt) {
  return 20000 + static_cast<int>((::getpid() + salt) % 1400) * 8;
}

int env_int(const char* name, int fallback) {
  auto v = env(name);
  return v.empty() ? fallback : std::stoi(v);
}
std::string sluice_bin() { return env("SLUICE_BIN"); }
std::string source_root() { return env("SLUICE_SOURCE_ROOT"); }
std::string build_root() { return env("SLUICE_BUILD_ROOT"); }
std::string test_plugins() { return env("SLUICE_TEST_PLUGINS"); }

outcome run(const std::vector<std::string>& argv, const std::string& stdin_text) {
  temp_dir tmp;
  auto in = tmp / "stdin", out = tmp / "stdout", err = tmp / "stderr";
  write_file(in, stdin_text);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  auto args = c_argv(argv);
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {decode(status), read_file(out), read_file(err)};
}

outcome run_sluice(const std::vector<std::string>& args) {
  std::vector<std::string> argv{sluice_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

child::child(const std::vector<std::string>& argv) {
  char tmpl[] = "/tmp/sluice-child-XXXXXX";
  int efd = mkstemp(tmpl);
  err_path_ = tmpl;
  int pipefd[2];
  if (pipe(pipefd) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, efd, 2);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  auto args = c_argv(argv);
  int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  close(efd);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  out_ = fdopen(pipefd[0], "r");
}

child::~child() {
  if (pid_ > 0 && code_ < 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  if (out_)
    fclose(out_);
  unlink(err_path_.c_str());
}

bool child::read_line(std::string& line) {
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n = getline(&buf, &cap, out_);
  if (n < 0) {
    free(buf);
    return false;
  }
  line.assign(buf, static_cast<size_t>(n));
  free(buf);
  if (!line.empty() && line.back() == '\n')
    line.pop_back();
  return true;
}

void child::signal(int sig) { ::kill(pid_, sig); }

int child::wait() {
  if (code_ >= 0)
    return code_;
  int status = 0;
  waitpid(pid_, &status, 0);
  code_ = decode(status);
  return code_;
}

std::string child::err() const { return read_file(err_path_); }

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/sluice-test-XXXXXX";
  if (!mkdtemp(tmpl))
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f{path, std::ios::binary};
  f << text;
}

std::string read_file(const std::string& path) {
  std::ifstream f{path, std::ios::binary};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file())
      out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> published_lines(const std::string& dir) {
  std::vector<std::string> lines;
  for (auto& rel : list_files(dir)) {
    if (fs::path(rel).filename().string().front() == '.')
      continue;
    std::istringstream in{read_file(dir + "/" + rel)};
    for (std::string l; std::getline(in, l);)
      lines.push_back(l);
  }
  return lines;
}

} // namespace sluice::test
