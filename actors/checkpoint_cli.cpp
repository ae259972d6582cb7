#include <ctime>
#include <iostream>

#include "actors/commands.hpp"
#include "config/pipeline.hpp"
#include "core/text.hpp"
#include "state/store.hpp"

namespace sluice::cli {

namespace {

std::string utc(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace

int checkpoint(const common& c, const std::string& verb) {
  auto loaded = load_or_report(c);
  if (!loaded)
    return 2;
  auto& p = *loaded;
  if (p.state_dir.empty()) {
    std::cerr << c.config << ": [pipeline] has no state_dir, so node " << p.node << " keeps no checkpoints\n";
    return 2;
  }
  state::store_options opts;
  opts.create_if_missing = false;
  opts.read_only = true;
  auto store = state::store::open(p.state_dir, opts);
  if (!store) {
    std::cerr << store.message() << "\n";
    return 1;
  }
  auto epochs = (*store)->epochs();
  if (!epochs) {
    std::cerr << epochs.message() << "\n";
    return 1;
  }
  std::cout << "node " << p.node << ", state in " << p.state_dir << "\n";
  if (verb == "ls") {
    if (epochs->empty())
      std::cout << "no checkpoints yet\n";
    for (auto& e : *epochs)
      std::cout << "epoch " << e.epoch << "  " << (e.committed ? "committed " + utc(e.committed_at_ms) : "pending")
                << "  " << e.instances << " instance states, " << e.bytes << " bytes\n";
    auto copies = state::store::list_copies(p.state_dir);
    if (!copies) {
      std::cerr << copies.message() << "\n";
      return 1;
    }
    for (auto& c : *copies)
      std::cout << "copy #" << c.id << "  epoch " << c.epoch << "  made " << utc(c.created_s * 1000) << "  "
                << c.bytes << " bytes in " << state::store::copies_dir(p.state_dir) << "\n";
    return 0;
  }
  auto states = (*store)->committed_states();
  if (!states) {
    std::cerr << states.message() << "\n";
    return 1;
  }
  std::cout << "committed epoch " << (*store)->committed_epoch() << "\n";
  for (auto& [key, st] : *states) {
    auto stage = key.substr(0, key.rfind('#'));
    auto sc = p.find(stage);
    std::cout << "  " << key << "  " << (sc ? sc->plugin : "(stage no longer in the config)") << "  schema "
              << st.schema_version << "  " << st.bytes.size() << " bytes";
    if (st.bytes.size() <= 80)
      std::cout << "  state \"" << text::printable(st.bytes, 80) << "\"";
    std::cout << "\n";
  }
  return 0;
}

} // namespace sluice::cli
