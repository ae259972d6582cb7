/// Finds, opens and checks plugin libraries (dlopen, ABI version).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sluice/abi.h"

namespace sluice::plugin {

/// An open plugin library; closed when the last reference goes.
class library {
public:
  library(std::string path, void* handle, const sluice_plugin_desc* desc)
    : path_(std::move(path)), handle_(handle), desc_(desc) {}
  ~library();
  library(const library&) = delete;
  library& operator=(const library&) = delete;

  const std::string& path() const noexcept { return path_; }
  const sluice_plugin_desc& desc() const noexcept { return *desc_; }
  /// The stage named `name`; with an empty name, the only stage.
  const sluice_stage_desc* find_stage(const std::string& name) const;
  std::vector<const sluice_stage_desc*> stages() const;

private:
  std::string path_;
  void* handle_;
  const sluice_plugin_desc* desc_;
};

using library_ptr = std::shared_ptr<library>;

/// Opens `path` and checks its ABI against this host's.
result<library_ptr> open_library(const std::string& path);

/// A stage ready to instantiate: its library stays open while referenced.
struct resolved {
  library_ptr lib;
  const sluice_stage_desc* stage = nullptr;
};

/// Resolves `plugin = "..."` values: built-in names or paths to .so files.
class registry {
public:
  /// `exe_dir` is where the running sluice binary lives.
  explicit registry(std::string exe_dir);

  /// Directories searched for built-in names, in order.
  const std::vector<std::string>& search_dirs() const noexcept { return dirs_; }
  /// Path of the library for `spec`, or an error listing where it looked.
  result<std::string> locate(const std::string& spec) const;
  result<resolved> resolve(const std::string& spec);
  /// The stage `spec` names, loaded from `file` instead of where `spec` points (a reload's copy).
  result<resolved> resolve_from(const std::string& spec, const std::string& file);
  /// Names of the built-in plugins found on the search path.
  std::vector<std::string> available() const;

private:
  std::vector<std::string> dirs_;
  std::map<std::string, library_ptr> open_;
};

/// Directory of the running executable.
std::string exe_dir();
/// "source" / "transform" / "sink".
const char* kind_name(uint32_t kind);

} // namespace sluice::plugin
