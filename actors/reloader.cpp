#include "actors/reloader.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "config/pipeline.hpp"

namespace sluice::actors {

reloader::reloader(caf::actor_system& sys, caf::actor supervisor, const plan::prepared& prep)
  : sys_(sys), supervisor_(std::move(supervisor)), pipeline_(prep.pipeline) {
  plugin::registry reg{plugin::exe_dir()};
  for (size_t s = 0; s < prep.pipeline.stages.size(); ++s) {
    running r;
    r.config = prep.pipeline.stages[s];
    r.doc = prep.pipeline.doc;
    r.plugin = prep.stages[s];
    if (auto f = reg.locate(r.config.plugin)) {
      r.file = *f;
      r.id = identify(*f);
    }
    running_.push_back(std::move(r));
  }
  pipeline_.stages.clear(); // only the [pipeline] settings are used from here
}

reloader::file_id reloader::identify(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return {};
  return {st.st_dev, st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          st.st_size};
}

std::string reloader::refusal(size_t s, const config::stage_config& now, bool& options_changed) const {
  auto& was = running_[s].config;
  auto wiring = [](const config::stage_config& c) {
    std::string w = c.plugin + "|" + std::to_string(c.parallelism) + "|" +
                    (c.partition ? config::to_string(*c.partition) : "-") + "|";
    for (auto& i : c.inputs)
      w += i.str() + ",";
    for (auto& k : c.key)
      w += k + ",";
    for (auto& n : c.nodes)
      w += n + ",";
    return w;
  };
  if (wiring(was) != wiring(now))
    return "stage " + now.name + " changed its plugin, inputs, parallelism, partitioning or placement; that needs "
           "a restart of the node";
  // Every other key: the runtime's fault policies (not reloadable) and the plugin's options.
  auto& desc = *running_[s].plugin.stage;
  std::vector<std::string> keys;
  for (auto* t : {was.table, now.table})
    if (t)
      for (auto&& [k, v] : *t)
        keys.emplace_back(k.str());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (auto& k : keys) {
    auto a = was.table ? was.table->get(k) : nullptr;
    auto b = now.table ? now.table->get(k) : nullptr;
    if ((a && b && toml::node_view<const toml::node>{a} == toml::node_view<const toml::node>{b}) || (!a && !b))
      continue;
    auto& wired = config::reserved_stage_keys;
    if (std::find(wired.begin(), wired.end(), k) != wired.end())
      return "stage " + now.name + ": `" + k + "` changed; that needs a restart of the node";
    const sluice_option_spec* spec = nullptr;
    for (size_t i = 0; i < desc.option_count; ++i)
      if (k == desc.options[i].key)
        spec = &desc.options[i];
    if (spec && !(spec->flags & SLUICE_OPTION_RELOADABLE))
      return "stage " + now.name + ": option `" + k + "` changed but " + desc.name +
             " does not mark it reloadable; restart the node to apply it";
    options_changed = true; // reloadable, or unknown (binding the new options reports that)
  }
  return {};
}

reload_outcome reloader::reload(const std::vector<std::string>& stages, bool force) {
  auto loaded = config::load_file(pipeline_.file, pipeline_.node);
  if (!loaded.value)
    return {false, pipeline_.file + " has errors, nothing reloaded: " +
                     (loaded.errors.empty() ? std::string{"?"} : loaded.errors.front().str())};
  auto doc = loaded.value->doc;
  std::vector<std::string> done, refused;
  bool ok = true;
  for (size_t s = 0; s < running_.size(); ++s) {
    auto& r = running_[s];
    if (!stages.empty() && std::find(stages.begin(), stages.end(), r.config.name) == stages.end())
      continue;
    auto now = loaded.value->find(r.config.name);
    if (!now) {
      refused.push_back("stage " + r.config.name + " is gone from " + pipeline_.file + "; that needs a restart");
      ok = false;
      continue;
    }
    bool options_changed = false;
    if (auto why = refusal(s, *now, options_changed); !why.empty()) {
      refused.push_back(why);
      ok = false;
      continue;
    }
    auto id = identify(r.file);
    if (!force && !options_changed && id == r.id)
      continue;
    plugin::resolved swapped;
    auto out = reload_stage(sys_, supervisor_, pipeline_, *now, r.plugin.stage->kind, &swapped);
    if (!out.ok) {
      refused.push_back(out.message);
      ok = false;
      continue;
    }
    done.push_back(out.message);
    r.config = *now;
    r.doc = doc;
    r.plugin = swapped;
    r.id = id;
  }
  std::string msg;
  for (auto& m : refused)
    msg += (msg.empty() ? "" : "; ") + m;
  for (auto& m : done)
    msg += (msg.empty() ? "" : "; ") + m;
  if (msg.empty())
    msg = "nothing changed";
  return {ok, msg};
}

} // namespace sluice::actors
