/// A running count per key, built as three versions of one stage for the hot-reload tests
/// (COUNTER_VERSION): v1 and v2 format their output differently and keep their state in
/// different schemas, each reading the other's; v3 refuses every restore.
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include <sluice/sluice.hpp>

#ifndef COUNTER_VERSION
#define COUNTER_VERSION 1
#endif

namespace {

std::string field(std::string_view b, const char* name) {
  auto key = std::string{"\""} + name + "\":";
  auto at = b.find(key);
  if (at == std::string_view::npos)
    return {};
  auto v = b.substr(at + key.size());
  if (!v.empty() && v[0] == '"')
    return std::string{v.substr(1, v.find('"', 1) - 1)};
  return std::string{v.substr(0, v.find_first_of(",}"))};
}

class counter : public sluice::Transform {
public:
  explicit counter(sluice::context& ctx) : Transform(ctx), tag_(opts().get_string("tag")) {}

  void process(const sluice::batch& records) override {
    for (auto r : records) {
      auto k = field(r.bytes(), "k");
      auto n = ++counts_[k];
      auto id = field(r.bytes(), "id");
#if COUNTER_VERSION == 1
      line_ = "{\"v\":1,\"id\":" + id + ",\"k\":\"" + k + "\",\"count\":" + std::to_string(n) + "}";
#else
      line_ = "{\"v\":2,\"id\":" + id + ",\"key\":\"" + k + "\",\"n\":" + std::to_string(n) + "}";
#endif
      if (!tag_.empty())
        line_.insert(line_.size() - 1, ",\"tag\":\"" + tag_ + "\"");
      ctx().emit(line_, r);
    }
  }

  // Schema 1: "key=count\n" lines. Schema 2: "v2|key:count|key:count|".
  std::string snapshot() override {
    std::string out = COUNTER_VERSION == 1 ? "" : "v2|";
    for (auto& [k, n] : counts_)
      out += COUNTER_VERSION == 1 ? k + "=" + std::to_string(n) + "\n" : k + ":" + std::to_string(n) + "|";
    return out;
  }

  void restore(std::string_view bytes, uint32_t schema) override {
    if (COUNTER_VERSION == 3)
      throw sluice::stage_error{"counter 3 cannot read any state (on purpose)"};
    counts_.clear();
    std::string s{bytes};
    char sep = schema == 1 ? '\n' : '|';
    char eq = schema == 1 ? '=' : ':';
    if (schema == 2)
      s = s.substr(s.find('|') + 1);
    std::istringstream in{s};
    for (std::string item; std::getline(in, item, sep);)
      if (auto at = item.find(eq); at != std::string::npos)
        counts_[item.substr(0, at)] = std::stoll(item.substr(at + 1));
  }

private:
  std::string tag_;
  std::map<std::string, int64_t> counts_;
  std::string line_;
};

#define STR2(x) #x
#define STR(x) STR2(x)

} // namespace


const sluice_option_spec counter_options[] = {
  {"tag", SLUICE_OPT_STRING, SLUICE_OPTION_RELOADABLE, "", "added to every output record as \"tag\""},
};

SLUICE_PLUGIN("counter", sluice::stage<counter>("counter", STR(COUNTER_VERSION) ".0.0", counter_options,
                                                sluice::stage_extra{"running count per key",
                                                                    COUNTER_VERSION == 1 ? 1u : 2u}))
