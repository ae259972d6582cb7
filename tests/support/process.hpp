/// Runs the real `sluice` binary (and other programs) from tests.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace sluice::test {

/// What a finished command printed and returned.
struct outcome {
  int exit_code = -1; ///< 128 + signal when killed
  std::string out;
  std::string err;
};

/// Runs `argv` to completion, capturing stdout and stderr.
outcome run(const std::vector<std::string>& argv, const std::string& stdin_text = {});

/// Runs `sluice` with `args` (the binary from $SLUICE_BIN).
outcome run_sluice(const std::vector<std::string>& args);

/// A running child whose stdout is read line by line; stderr goes to a file.
class child {
public:
  explicit child(const std::vector<std::string>& argv);
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  /// Blocks for the next stdout line (without newline); false at EOF.
  bool read_line(std::string& line);
  void signal(int sig);
  /// Waits for exit; returns the exit code (128 + signal when killed).
  int wait();
  std::string err() const;

private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string err_path_;
  int code_ = -1;
};

/// Environment helpers.
std::string env(const char* name);
/// An integer knob from the environment (a long run by hand), else `fallback`.
int env_int(const char* name, int fallback);
/// The first of 8 loopback ports for this test process: below the kernel's ephemeral range
/// (32768 and up, where an outgoing connection's own port could take one) and spread by pid,
/// so tests running side by side do not meet. Each `salt` gives 8 other ports.
int loopback_ports(int salt = 0);
std::string sluice_bin();
std::string source_root();
std::string build_root();
std::string test_plugins(); ///< dir of test-only plugins

/// A fresh directory under /tmp, removed when the object goes.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);
/// Lines of every regular file under `dir` whose name does not start with '.'.
std::vector<std::string> published_lines(const std::string& dir);
/// Relative paths of regular files under `dir`, sorted.
std::vector<std::string> list_files(const std::string& dir);

} // namespace sluice::test
