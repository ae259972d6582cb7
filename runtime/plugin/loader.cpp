#include "plugin/loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/text.hpp"

#ifndef SLUICE_PLUGIN_RELDIR
#define SLUICE_PLUGIN_RELDIR "../lib/sluice/plugins"
#endif

namespace fs = std::filesystem;

namespace sluice::plugin {

library::~library() {
  if (handle_)
    dlclose(handle_);
}

const sluice_stage_desc* library::find_stage(const std::string& name) const {
  for (uint32_t i = 0; i < desc_->stage_count; ++i) {
    auto s = desc_->stages[i];
    if (name.empty() ? desc_->stage_count == 1 : name == s->name)
      return s;
  }
  return nullptr;
}

std::vector<const sluice_stage_desc*> library::stages() const {
  return {desc_->stages, desc_->stages + desc_->stage_count};
}

const char* kind_name(uint32_t kind) {
  switch (kind) {
    case SLUICE_KIND_SOURCE: return "source";
    case SLUICE_KIND_TRANSFORM: return "transform";
    case SLUICE_KIND_SINK: return "sink";
  }
  return "unknown";
}

result<library_ptr> open_library(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    return error{"cannot load plugin " + path + ": " + (why ? why : "unknown dlopen error")};
  }
  auto entry = reinterpret_cast<sluice_plugin_entry_fn>(dlsym(h, SLUICE_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    dlclose(h);
    return error{"plugin " + path + " does not export " SLUICE_PLUGIN_ENTRY_SYMBOL
                 " (was it built with SLUICE_PLUGIN(...) from <sluice/sluice.hpp>?)"};
  }
  const sluice_plugin_desc* d = entry();
  auto host_abi = std::to_string(SLUICE_ABI_MAJOR) + "." + std::to_string(SLUICE_ABI_MINOR);
  if (!d) {
    dlclose(h);
    return error{"plugin " + path + ": " SLUICE_PLUGIN_ENTRY_SYMBOL " returned nothing"};
  }
  if (d->abi_major != SLUICE_ABI_MAJOR || d->abi_minor > SLUICE_ABI_MINOR) {
    auto abi = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
    dlclose(h);
    return error{"plugin " + path + " was built for sluice plugin ABI " + abi +
                 ", but this sluice supports ABI " + host_abi +
                 " (the major must match and the minor must not be newer); rebuild it against this sluice's SDK"};
  }
  if (d->struct_size < offsetof(sluice_plugin_desc, library_name) || !d->stages) {
    dlclose(h);
    return error{"plugin " + path + ": malformed descriptor (struct_size " + std::to_string(d->struct_size) + ")"};
  }
  for (uint32_t i = 0; i < d->stage_count; ++i) {
    auto s = d->stages[i];
    if (!s || s->struct_size < offsetof(sluice_stage_desc, reserved) || !s->name || !s->create ||
        !s->destroy || (s->kind == SLUICE_KIND_SOURCE ? !s->poll : !s->process)) {
      dlclose(h);
      return error{"plugin " + path + ": stage descriptor " + std::to_string(i) + " is incomplete"};
    }
  }
  return std::make_shared<library>(path, h, d);
}

std::string exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"."} : p.parent_path().string();
}

registry::registry(std::string dir) {
  dirs_.push_back(dir + "/../plugins");     // build tree: <build>/actors/sluice, <build>/plugins/<name>/
  dirs_.push_back(dir + "/" SLUICE_PLUGIN_RELDIR); // installed
  if (const char* env = std::getenv("SLUICE_PLUGIN_PATH")) {
    std::string s = env;
    size_t start = 0;
    while (start <= s.size()) {
      auto end = s.find(':', start);
      auto part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!part.empty())
        dirs_.push_back(part);
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  }
}

namespace {

bool is_path(const std::string& spec) {
  return spec.find('/') != std::string::npos || (spec.size() > 3 && spec.rfind(".so") != std::string::npos);
}

} // namespace

result<std::string> registry::locate(const std::string& spec) const {
  auto file = spec.substr(0, spec.find('#'));
  if (is_path(spec)) {
    if (!fs::exists(file))
      return error{"plugin file " + file + " does not exist"};
    return fs::absolute(file).lexically_normal().string();
  }
  for (auto& d : dirs_)
    for (auto& cand : {d + "/" + file + "/sluice-" + file + ".so", d + "/sluice-" + file + ".so",
                       d + "/" + file + ".so"})
      if (fs::exists(cand))
        return fs::weakly_canonical(cand).string();
  std::string where;
  for (auto& d : dirs_)
    where += "\n  " + d;
  auto hint = text::closest(file, available());
  return error{"unknown plugin \"" + file + "\"" + (hint ? " (did you mean \"" + *hint + "\"?)" : "") +
               "; looked in:" + where + "\n(set SLUICE_PLUGIN_PATH or give a path to a .so)"};
}

result<resolved> registry::resolve(const std::string& spec) {
  auto path = locate(spec);
  if (!path)
    return path.take_error();
  return resolve_from(spec, *path);
}

result<resolved> registry::resolve_from(const std::string& spec, const std::string& file) {
  auto it = open_.find(file);
  if (it == open_.end()) {
    auto lib = open_library(file);
    if (!lib)
      return lib.take_error();
    it = open_.emplace(file, *lib).first;
  }
  auto hash = spec.find('#');
  std::string stage = hash == std::string::npos ? "" : spec.substr(hash + 1);
  if (!is_path(spec) && stage.empty())
    stage = spec;
  auto s = it->second->find_stage(stage);
  if (!s && !is_path(spec)) // a built-in library may name its stage differently
    s = it->second->find_stage("");
  if (!s) {
    std::string names;
    for (auto st : it->second->stages())
      names += std::string{names.empty() ? "" : ", "} + st->name;
    return error{"plugin " + file + " provides stages " + names +
                 (stage.empty() ? "; pick one with \"" + spec + "#NAME\"" : ", not \"" + stage + "\"")};
  }
  return resolved{it->second, s};
}

std::vector<std::string> registry::available() const {
  std::vector<std::string> names;
  for (auto& d : dirs_) {
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(d, ec)) {
      auto n = e.path().filename().string();
      if (n.rfind("sluice-", 0) == 0 && e.path().extension() == ".so")
        names.push_back(n.substr(7, n.size() - 10));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

} // namespace sluice::plugin
