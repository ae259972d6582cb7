#include <algorithm>
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

/// `dlq replay`: moves the chosen dead letters into the replay queue of the instance they failed
/// in (or instance 0 of `into`), which processes them first thing at its next start.
int replay(const config::pipeline& p, state::store& store, const dlq_args& a) {
  auto all = store.dead_letters(a.stage);
  if (!all) {
    std::cerr << all.message() << "\n";
    return 1;
  }
  auto chosen = [&](const state::dead_letter& d) {
    return a.ids.empty() || std::find(a.ids.begin(), a.ids.end(), d.id) != a.ids.end();
  };
  auto target = [&](const state::dead_letter& d) {
    return a.into.empty() ? d.instance.substr(0, d.instance.rfind('#')) : a.into;
  };
  size_t n = 0;
  for (auto& d : *all) {
    if (!chosen(d))
      continue;
    ++n;
    auto t = p.find(target(d));
    if (!t) {
      std::cerr << "dead letter " << esc(d.id) << ": the pipeline has no stage " << esc(target(d))
                << " to replay it into\n";
      return 2;
    }
    if (t->inputs.empty()) {
      std::cerr << "dead letter " << esc(d.id) << " would go back into " << esc(t->name)
                << ", a source; name the stage that should read it with --into STAGE\n";
      return 2;
    }
  }
  for (auto& id : a.ids)
    if (std::none_of(all->begin(), all->end(), [&](auto& d) { return d.id == id; })) {
      std::cerr << "no dead letter " << esc(id) << " in " << p.state_dir << " (see `sluice dlq list`)\n";
      return 2;
    }
  state::store::dead_letter_take take;
  take.stage = a.stage;
  take.ids = a.ids;
  // Back to the instance it failed in (its keyed state is there); --into: that stage's instance 0.
  take.replay_into = [&](const state::dead_letter& d) {
    return state::replay_namespace(a.into.empty() ? d.instance : a.into + "#0");
  };
  auto moved = store.take_dead_letters(take);
  if (!moved) {
    std::cerr << moved.message() << "\n";
    return 1;
  }
  std::cout << "queued " << *moved << " dead letters for replay"
            << (a.into.empty() ? " into the stages they failed in" : " into stage " + esc(a.into))
            << "; node " << p.node << " processes them first when it next starts\n";
  return 0;
}

} // namespace

int dlq(const common& c, const dlq_args& a) {
  const auto& verb = a.verb;
  const auto& stage = a.stage;
  const auto& id = a.id;
  auto loaded = load_or_report(c);
  if (!loaded)
    return 2;
  auto& p = *loaded;
  if (p.state_dir.empty()) {
    std::cerr << c.config << ": [pipeline] has no state_dir, so node " << p.node
              << " keeps no dead letters (they are only logged)\n";
    return 2;
  }
  state::store_options opts;
  opts.create_if_missing = false;
  opts.read_only = verb != "purge" && verb != "replay";
  auto store = state::store::open(p.state_dir, opts);
  if (!store) {
    std::cerr << store.message() << "\n";
    return 1;
  }
  if (verb == "replay")
    return replay(p, **store, a);
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
