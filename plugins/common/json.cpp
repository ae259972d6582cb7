#include "common/json.hpp"

#include <cstdio>
#include <ctime>

namespace sluice::builtin {

simdjson::padded_string_view padded_view(const record& r, std::string& scratch) {
  if (r.padded())
    return simdjson::padded_string_view(r.bytes().data(), r.bytes().size(),
                                        r.bytes().size() + simdjson::SIMDJSON_PADDING);
  scratch.assign(r.bytes());
  scratch.resize(r.bytes().size() + simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(scratch.data(), r.bytes().size(), scratch.size());
}

bool field_reader::open(const record& r) {
  ok_ = !parser_.iterate(padded_view(r, copy_)).get(doc_);
  if (ok_) {
    simdjson::ondemand::json_type t;
    ok_ = !doc_.type().get(t) && t == simdjson::ondemand::json_type::object;
  }
  return ok_;
}

std::string pointer_of(std::string_view path) {
  std::string p = "/";
  for (char c : path) {
    if (c == '.')
      p += '/';
    else if (c == '~')
      p += "~0";
    else if (c == '/')
      p += "~1";
    else
      p += c;
  }
  return p;
}

bool raw_text(simdjson::ondemand::value v, std::string_view& out) {
  namespace od = simdjson::ondemand;
  od::json_type t;
  if (v.type().get(t))
    return false;
  if (t == od::json_type::object || t == od::json_type::array)
    return !simdjson::to_json_string(v).get(out);
  out = v.raw_json_token();
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r' || out.back() == '\n'))
    out.remove_suffix(1);
  return true;
}

std::optional<std::string_view> field_reader::raw(std::string_view path) {
  if (!ok_)
    return std::nullopt;
  doc_.rewind();
  simdjson::ondemand::value v;
  std::string_view out;
  if (doc_.at_pointer(pointer_of(path)).get(v) || !raw_text(v, out))
    return std::nullopt;
  return out;
}

std::optional<json_value> field_reader::get(std::string_view path) {
  if (!ok_)
    return std::nullopt;
  doc_.rewind();
  simdjson::ondemand::value v;
  if (doc_.at_pointer(pointer_of(path)).get(v))
    return std::nullopt;
  json_value out;
  simdjson::ondemand::json_type t;
  if (v.type().get(t))
    return std::nullopt;
  switch (t) {
    case simdjson::ondemand::json_type::null:
      out.t = json_value::type::null;
      break;
    case simdjson::ondemand::json_type::boolean:
      out.t = json_value::type::boolean;
      if (v.get_bool().get(out.b))
        return std::nullopt;
      break;
    case simdjson::ondemand::json_type::number:
      out.t = json_value::type::number;
      if (v.get_double().get(out.num))
        return std::nullopt;
      break;
    case simdjson::ondemand::json_type::string: {
      out.t = json_value::type::string;
      std::string_view s;
      if (v.get_string().get(s))
        return std::nullopt;
      out.str.assign(s);
      break;
    }
    default:
      out.t = json_value::type::other;
      out.str.assign(v.raw_json_token());
  }
  return out;
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t pos, size_t n, int& out) {
    if (pos + n > s.size())
      return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9')
        return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) ||
      s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100000000;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ns += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start)
      return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z'))
    ++i;
  else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else
    return std::nullopt;
  if (i != s.size())
    return std::nullopt;
  // days from civil (Howard Hinnant)
  int yy = y - (mo <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_s;
  return secs * 1000000000 + frac_ns;
}

std::string format_rfc3339(int64_t ns) {
  int64_t secs = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
  int64_t ms = (ns - secs * 1000000000) / 1000000;
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::optional<int64_t> event_time_of(const json_value& v) {
  if (v.t == json_value::type::string)
    return parse_rfc3339(v.str);
  if (v.t == json_value::type::number)
    return static_cast<int64_t>(v.num * 1e6);
  return std::nullopt;
}

} // namespace sluice::builtin
