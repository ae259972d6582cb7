// Reads a stage's fault policies: restart, on_error, breaker.
#include <functional>
#include <map>

#include "config/toml_util.hpp"
#include "core/text.hpp"

namespace sluice::faults {

std::string backoff::str() const {
  return text::format_duration(min_ns) + ".." + text::format_duration(max_ns);
}

const char* to_string(then_action a) {
  switch (a) {
    case then_action::dead_letter: return "dead-letter";
    case then_action::drop: return "drop";
    case then_action::fail: return "fail";
  }
  return "?";
}

} // namespace sluice::faults

namespace sluice::config {

namespace {

using field_reader = std::function<void(const toml::node&)>;

/// Reads the inline table `key = { ... }` field by field; unknown fields are errors.
void read_fields(const std::string& stage, const std::string& key, const toml::node& v, reader& r,
                 const std::map<std::string, field_reader>& fields) {
  auto t = v.as_table();
  std::vector<std::string> names;
  for (auto& [n, _] : fields)
    names.push_back(n);
  if (!t) {
    std::string list;
    for (auto& n : names)
      list += (list.empty() ? "" : ", ") + n;
    r.fail(v, "stage " + stage + ": `" + key + "` expects a table like { " + list + " }");
    return;
  }
  for (auto&& [k, n] : *t) {
    std::string f{k.str()};
    auto it = fields.find(f);
    if (it == fields.end()) {
      auto hint = text::closest(f, names);
      r.fail(n, "stage " + stage + ": `" + key + "` has no field `" + f + "`" +
                  (hint ? " (did you mean `" + *hint + "`?)" : ""));
      continue;
    }
    it->second(n);
  }
}

bool read_count(const toml::node& n, const std::string& what, int64_t lo, int64_t hi, uint32_t& out, reader& r) {
  int64_t v = 0;
  if (!r.get(n, what.c_str(), v))
    return false;
  if (v < lo || v > hi) {
    r.fail(n, "`" + what + "` is " + std::to_string(v) + "; expected " + std::to_string(lo) + ".." +
                std::to_string(hi));
    return false;
  }
  out = static_cast<uint32_t>(v);
  return true;
}

void read_duration(const toml::node& n, const std::string& what, int64_t& out, reader& r) {
  std::string s;
  if (!r.get(n, what.c_str(), s))
    return;
  if (auto d = text::parse_duration(s); d && *d > 0)
    out = *d;
  else
    r.fail(n, "`" + what + "` is \"" + s + "\"; expected a duration like \"30s\"");
}

void read_backoff(const toml::node& n, const std::string& what, faults::backoff& out, reader& r) {
  std::string s;
  if (!r.get(n, what.c_str(), s))
    return;
  auto dots = s.find("..");
  auto lo = text::parse_duration(s.substr(0, dots));
  auto hi = dots == std::string::npos ? lo : text::parse_duration(s.substr(dots + 2));
  if (!lo || !hi || *lo <= 0 || *hi < *lo) {
    r.fail(n, "`" + what + "` is \"" + s + "\"; expected \"min..max\" like \"100ms..5s\" (min > 0, max >= min)");
    return;
  }
  out = {*lo, *hi};
}

} // namespace

void read_fault_policy(const std::string& key, const toml::node& v, stage_config& s, reader& r) {
  auto q = [&](const char* f) { return key + "." + f; };
  auto named = s.table ? s.table->get_as<std::string>("name") : nullptr; // keys come in any order
  const std::string stage = named ? named->get() : s.name;
  if (key == "restart") {
    auto& p = s.restart;
    read_fields(stage, key, v, r,
                {{"max", [&](const toml::node& n) { read_count(n, q("max"), 0, 1000000, p.max, r); }},
                 {"within", [&](const toml::node& n) { read_duration(n, q("within"), p.within_ns, r); }},
                 {"backoff", [&](const toml::node& n) { read_backoff(n, q("backoff"), p.wait, r); }}});
  } else if (key == "on_error") {
    auto& p = s.on_error;
    read_fields(stage, key, v, r,
                {{"retries", [&](const toml::node& n) { read_count(n, q("retries"), 0, 1000000, p.retries, r); }},
                 {"backoff", [&](const toml::node& n) { read_backoff(n, q("backoff"), p.wait, r); }},
                 {"then", [&](const toml::node& n) {
                    std::string t;
                    if (!r.get(n, q("then").c_str(), t))
                      return;
                    if (t == "dead-letter")
                      p.then = faults::then_action::dead_letter;
                    else if (t == "drop")
                      p.then = faults::then_action::drop;
                    else if (t == "fail")
                      p.then = faults::then_action::fail;
                    else {
                      auto hint = text::closest(t, {"dead-letter", "drop", "fail"});
                      r.fail(n, "`on_error.then` is \"" + t + "\"; expected \"dead-letter\", \"drop\" or \"fail\"" +
                                  (hint ? " (did you mean \"" + *hint + "\"?)" : ""));
                    }
                  }}});
  } else if (key == "breaker") {
    auto& p = s.breaker;
    read_fields(stage, key, v, r,
                {{"failures", [&](const toml::node& n) { read_count(n, q("failures"), 1, 1000000, p.failures, r); }},
                 {"open_for", [&](const toml::node& n) { read_duration(n, q("open_for"), p.open_for_ns, r); }}});
  }
}

} // namespace sluice::config
