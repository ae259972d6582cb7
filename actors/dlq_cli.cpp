#include <ctime>
#include <iostream>
#include <limits>

#include "actors/commands.hpp"
#include "config/pipeline.hpp"
#include "core/text.hpp"
#include "state/store.hpp"

namespace sluice::cli {

namespace {

constexpr size_t listed_bytes = 60;
constexpr size_t unlimited = std::numeric_limits<size_t>::max();

/// "2026-11-24T18:00:00.123Z".
std::string utc_ms(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string esc(const std::string& s) { return text::printable(s, unlimited); }

void print_line(const state::dead_letter& d) {
  auto head = esc(d.bytes.substr(0, listed_bytes)) + (d.bytes.size() > listed_bytes ? "..." : "");
  std::cout << esc(d.id) << " " << esc(d.instance) << " " << esc(d.plugin) << "@" << esc(d.version) << " "
            << esc(d.source) << ":" << d.partition << ":" << d.offset << " " << utc_ms(d.time_ms)
            << " attempts=" << d.attempts << " " << esc(d.error) << " | " << head << "\n";
}

void print_all(const state::dead_letter& d) {
  std::cout << "id        " << esc(d.id) << "\n"
            << "instance  " << esc(d.instance) << "\n"
            << "plugin    " << esc(d.plugin) << " " << esc(d.version) << "\n"
            << "error     " << esc(d.error) << "\n"
            << "attempts  " << d.attempts << "\n"
            << "source    " << esc(d.source) << " partition " << d.partition << " offset " << d.offset << "\n"
            << "time      " << utc_ms(d.time_ms) << "\n"
            << "bytes     " << d.bytes.size() << "\n"
            << esc(d.bytes) << "\n";
}

} // namespace

int dlq(const common& c, const std::string& verb, const std::string& stage, const std::string& id) {
  auto loaded = config::load_file(c.config, c.node);
  for (auto& e : loaded.errors)
    std::cerr << e.str() << "\n";
  if (!loaded.value)
    return 2;
  auto& p = *loaded.value;
  if (p.state_dir.empty()) {
    std::cerr << c.config << ": [pipeline] has no state_dir, so node " << p.node
              << " keeps no dead letters (they are only logged)\n";
    return 2;
  }
  state::store_options opts;
  opts.create_if_missing = false;
  opts.read_only = verb != "purge";
  auto store = state::store::open(p.state_dir, opts);
  if (!store) {
    std::cerr << store.message() << "\n";
    return 1;
  }
  if (verb == "purge") {
    auto n = (*store)->purge_dead_letters(stage);
    if (!n) {
      std::cerr << n.message() << "\n";
      return 1;
    }
    std::cout << "purged " << *n << " dead letters" << (stage.empty() ? "" : " of stage " + esc(stage)) << "\n";
    return 0;
  }
  auto all = (*store)->dead_letters(stage);
  if (!all) {
    std::cerr << all.message() << "\n";
    return 1;
  }
  if (verb == "list") {
    if (all->empty())
      std::cerr << "no dead letters" << (stage.empty() ? "" : " of stage " + esc(stage)) << "\n";
    for (auto& d : *all)
      print_line(d);
    return 0;
  }
  for (auto& d : *all)
    if (d.id == id) {
      print_all(d);
      return 0;
    }
  std::cerr << "no dead letter " << esc(id) << " in " << p.state_dir << " (see `sluice dlq list`)\n";
  return 2;
}

} // namespace sluice::cli
