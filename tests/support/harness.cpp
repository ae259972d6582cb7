#include "support/harness.hpp"

#include "plugin/options.hpp"

namespace sluice::test {

harness::harness(const std::string& plugin, const std::string& toml_options, uint32_t index,
                 uint32_t count, uint32_t host_flags, std::shared_ptr<state::store> store) {
  registry_ = std::make_unique<plugin::registry>(plugin::exe_dir());
  std::string text = "[[stage]]\nname = \"under-test\"\nplugin = \"" + plugin + "\"\n" + toml_options + "\n";
  auto loaded = config::load_string(text, "test.toml");
  if (!loaded.value) {
    for (auto& e : loaded.errors)
      setup_error_ += e.str() + "\n";
    return;
  }
  pipeline_ = std::make_shared<config::pipeline>(std::move(*loaded.value));
  auto& st = pipeline_->stages.front();
  auto res = registry_->resolve(st.plugin);
  if (!res) {
    setup_error_ = res.message();
    return;
  }
  auto bound = plugin::bind_options(*res->stage, st, "test.toml");
  for (auto& e : bound.errors)
    setup_error_ += e.str() + "\n";
  if (!setup_error_.empty())
    return;
  instance_ = std::make_unique<plugin::instance>(*res, std::make_shared<plugin::option_set>(std::move(bound.options)), st.name, pipeline_->name,
                                                 index, count, this, std::move(store));
  if (auto s = instance_->create(host_flags); s.failed())
    setup_error_ = s.message();
}

status harness::process(const std::vector<std::string>& lines, int64_t event_time) {
  flow::batch b(lines.size(), 0);
  uint64_t offset = 0;
  for (auto& l : lines) {
    sluice_record r{};
    r.data = l.data();
    r.size = l.size();
    r.event_time_ns = event_time;
    r.position.offset = offset;
    offset += l.size() + 1;
    b.append(r);
  }
  b.seal();
  return instance_->process(b.records(), b.size());
}

int harness::drain(size_t max_per_poll, size_t max_polls) {
  for (size_t i = 0; i < max_polls; ++i) {
    auto rc = instance_->poll(max_per_poll);
    if (!rc) {
      setup_error_ = rc.message();
      return -1;
    }
    if (*rc == SLUICE_END)
      return SLUICE_END;
  }
  return SLUICE_AGAIN;
}

std::vector<std::string> harness::out_bytes(uint32_t port) const {
  std::vector<std::string> v;
  for (auto& e : out)
    if (e.port == port)
      v.push_back(e.bytes);
  return v;
}

void harness::emit(uint32_t port, const sluice_record& r) {
  out.push_back({port, std::string{r.data, r.size}, r.event_time_ns, r.position.offset});
}

void harness::dead_letter(const sluice_record& r, const char* reason) {
  dead.emplace_back(std::string{r.data, r.size}, reason);
}

} // namespace sluice::test
