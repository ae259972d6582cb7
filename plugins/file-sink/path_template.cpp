#include "file-sink/path_template.hpp"

#include <cstdio>

namespace sluice::builtin::file_sink {

namespace {

std::string at_column(size_t index) { return " at column " + std::to_string(index + 1); }

/// UTC calendar parts of ns since the epoch (Howard Hinnant's civil_from_days).
struct civil {
  int64_t year;
  unsigned month, day, hour;
};

civil civil_of(int64_t ns) {
  constexpr int64_t ns_per_s = 1000000000, s_per_day = 86400;
  int64_t s = ns / ns_per_s - (ns % ns_per_s < 0 ? 1 : 0);
  int64_t days = s / s_per_day, secs = s % s_per_day;
  if (secs < 0) {
    secs += s_per_day;
    --days;
  }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d, static_cast<unsigned>(secs / 3600)};
}

void append_padded(int64_t v, int width, std::string& out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

} // namespace

std::optional<path_template> path_template::parse(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "path template is empty";
    return std::nullopt;
  }
  if (text.back() == '/') {
    error = "path template `" + std::string{text} + "` ends with '/'" + at_column(text.size() - 1) +
            "; it needs a file name such as part.ndjson";
    return std::nullopt;
  }
  path_template t;
  t.text_ = std::string{text};
  size_t first_placeholder = std::string_view::npos;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      error = "path template has an unmatched '}'" + at_column(i);
      return std::nullopt;
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      error = "path template has an unclosed '{'" + at_column(i);
      return std::nullopt;
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty()) {
      error = "path template has an empty placeholder '{}'" + at_column(i);
      return std::nullopt;
    }
    if (name.find('/') != std::string_view::npos) {
      error = "path template placeholder `{" + std::string{name} + "}`" + at_column(i) +
              " contains '/'; a placeholder fills part of one directory or file name";
      return std::nullopt;
    }
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
      error = "path template field `{" + std::string{name} + "}`" + at_column(i) +
              " has an empty segment; write dotted fields as {user.id}";
      return std::nullopt;
    }
    if (first_placeholder == std::string_view::npos)
      first_placeholder = i;
    if (!literal.empty())
      t.parts_.push_back({kind::literal, std::move(literal)});
    literal.clear();
    kind k = name == "year"    ? kind::year
             : name == "month" ? kind::month
             : name == "day"   ? kind::day
             : name == "hour"  ? kind::hour
                               : kind::field;
    (k == kind::field ? t.has_fields_ : t.has_time_) = true;
    t.parts_.push_back({k, std::string{name}});
    i = close;
  }
  if (!literal.empty())
    t.parts_.push_back({kind::literal, std::move(literal)});

  std::string_view prefix = text.substr(0, first_placeholder);
  size_t slash = prefix.rfind('/');
  t.root_ = slash == std::string_view::npos ? "." : slash == 0 ? "/" : std::string{prefix.substr(0, slash)};
  return t;
}

void path_template::append_time(kind k, int64_t time_ns, std::string& out) const {
  civil c = civil_of(time_ns);
  switch (k) {
    case kind::year: append_padded(c.year, 4, out); break;
    case kind::month: append_padded(c.month, 2, out); break;
    case kind::day: append_padded(c.day, 2, out); break;
    case kind::hour: append_padded(c.hour, 2, out); break;
    default: break;
  }
}

void path_template::render(const record& r, int64_t now_ns, field_reader& reader, std::string& out) const {
  int64_t t = r.has_event_time() ? r.event_time() : now_ns;
  if (!has_fields_) {
    render_with([](std::string_view) { return std::optional<std::string_view>{}; }, t, out);
    return;
  }
  bool is_object = reader.open(r);
  std::string scratch;
  auto lookup = [&](std::string_view path) -> std::optional<std::string_view> {
    if (!is_object)
      return std::nullopt;
    auto raw = reader.raw(path);
    if (!raw || raw->empty())
      return std::nullopt;
    switch (raw->front()) {
      case '{': return std::string_view{"_object_"};
      case '[': return std::string_view{"_array_"};
      case '"':
        if (raw->size() >= 2 && raw->find('\\') == std::string_view::npos)
          return raw->substr(1, raw->size() - 2);
        if (auto v = reader.get(path); v && v->t == json_value::type::string) {
          scratch = std::move(v->str);
          return std::string_view{scratch};
        }
        return std::nullopt;
      default: return raw; // number, true, false, null: their JSON text
    }
  };
  render_with(lookup, t, out);
}

void append_safe(std::string_view value, std::string& out) {
  if (value.empty()) {
    out += "_empty_";
    return;
  }
  if (value == ".") {
    out += '_';
    return;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '/' || c == '\0') {
      out += '_';
    } else if (c == '.' && i + 1 < value.size() && value[i + 1] == '.') {
      out += "__";
      ++i;
    } else {
      out += c;
    }
  }
}

split_path split(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos)
    return {".", std::string{path}};
  return {slash == 0 ? "/" : std::string{path.substr(0, slash)}, std::string{path.substr(slash + 1)}};
}

namespace {

/// Splits `name` at its extension (the last '.', not a leading one).
std::pair<std::string_view, std::string_view> stem_ext(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0)
    return {name, {}};
  return {name.substr(0, dot), name.substr(dot)};
}

} // namespace

std::string final_name(std::string_view name, uint32_t instance, uint64_t seq) {
  auto [stem, ext] = stem_ext(name);
  std::string out{stem};
  out += '-';
  out += std::to_string(instance);
  out += '-';
  out += std::to_string(seq);
  out += ext;
  return out;
}

std::string inprogress_name(std::string_view name, uint32_t instance, uint64_t seq) {
  return "." + final_name(name, instance, seq) + ".inprogress";
}

std::optional<uint64_t> seq_of(std::string_view candidate, std::string_view name, uint32_t instance) {
  constexpr std::string_view suffix = ".inprogress";
  if (!candidate.empty() && candidate.front() == '.' && candidate.size() > suffix.size() &&
      candidate.substr(candidate.size() - suffix.size()) == suffix)
    candidate = candidate.substr(1, candidate.size() - 1 - suffix.size());
  auto [stem, ext] = stem_ext(name);
  std::string head = std::string{stem} + "-" + std::to_string(instance) + "-";
  if (candidate.size() <= head.size() + ext.size() || candidate.substr(0, head.size()) != head ||
      candidate.substr(candidate.size() - ext.size()) != ext)
    return std::nullopt;
  std::string_view digits = candidate.substr(head.size(), candidate.size() - head.size() - ext.size());
  if (digits.size() > 19)
    return std::nullopt;
  uint64_t seq = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

} // namespace sluice::builtin::file_sink
