#include "aggregate/state.hpp"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json.hpp"
#include "common/snapshot_reader.hpp"
#include "sluice/context.hpp"

namespace sluice::builtin::aggregate {

namespace {

constexpr std::string_view magic = "sluice-aggregate";

/// Appends `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
}

/// `v` as JSON: integral values exactly, others with DBL_DIG (15) significant
/// digits, which drops the binary noise a sum picks up (0.1 + 0.2 prints 0.3);
/// `null` for inf/NaN.
void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 9e18)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%.*g", DBL_DIG, v);
  out += buf;
}

void append_hex(std::string& out, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %a", v);
  out += buf;
}

void append_blob(std::string& out, std::string_view b) {
  out += ' ';
  out += std::to_string(b.size());
  out += ':';
  out += b;
}

/// Reads the tokens encode() wrote; every failure names the byte offset.
using reader = snapshot_reader;

} // namespace

void group::add(const std::vector<aggregation>& aggs, const std::vector<double>& nums) {
  if (acc.size() != aggs.size())
    acc.assign(aggs.size(), 0.0);
  for (size_t i = 0; i < aggs.size(); ++i) {
    double v = nums[i];
    switch (aggs[i].f) {
      case fn::count: break;
      case fn::sum:
      case fn::avg: acc[i] += v; break;
      case fn::min: acc[i] = count == 0 || v < acc[i] ? v : acc[i]; break;
      case fn::max: acc[i] = count == 0 || v > acc[i] ? v : acc[i]; break;
    }
  }
  ++count;
}

std::string key_of(const std::vector<std::string>& values) {
  std::string k;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i)
      k += ',';
    k += values[i];
  }
  return k;
}

std::string encode(const state& s, const spec& sp) {
  std::string out{magic};
  out += " 1\nfingerprint";
  append_blob(out, sp.fingerprint());
  out += "\nwatermark " + std::to_string(s.has_watermark ? 1 : 0) + " " + std::to_string(s.watermark);
  out += "\nemitted " + std::to_string(s.emitted);
  out += "\nwindows " + std::to_string(s.windows.size()) + "\n";
  for (auto& [start, w] : s.windows) {
    out += "w " + std::to_string(start) + " " + (w.fired ? "1 " : "0 ") + std::to_string(w.groups.size()) + "\n";
    for (auto& [key, g] : w.groups) {
      out += "g " + std::to_string(g.count) + " " + std::to_string(g.values.size());
      for (auto& v : g.values)
        append_blob(out, v);
      out += " " + std::to_string(g.acc.size());
      for (double a : g.acc)
        append_hex(out, a);
      out += '\n';
    }
  }
  return out + "end\n";
}

state decode(std::string_view bytes, const spec& sp) {
  reader in{bytes, "aggregate"};
  in.expect(magic);
  in.expect("1");
  in.expect("fingerprint");
  std::string_view fp = in.blob();
  if (fp != sp.fingerprint())
    throw stage_error{"aggregate: the checkpoint was written for other options (" + std::string{fp} +
                      ", now " + sp.fingerprint() +
                      "); window, slide, group_by and aggregations cannot change on a restore"};
  state s;
  in.expect("watermark");
  s.has_watermark = in.i64() != 0;
  s.watermark = in.i64();
  in.expect("emitted");
  s.emitted = in.u64();
  in.expect("windows");
  for (uint64_t nw = in.u64(); nw > 0; --nw) {
    in.expect("w");
    int64_t start = in.i64();
    window& w = s.windows[start];
    w.fired = in.i64() != 0;
    for (uint64_t ng = in.u64(); ng > 0; --ng) {
      in.expect("g");
      group g;
      g.count = in.i64();
      uint64_t nv = in.u64();
      if (nv != sp.group_by.size())
        in.fail(std::to_string(sp.group_by.size()) + " group values");
      for (; nv > 0; --nv)
        g.values.emplace_back(in.blob());
      uint64_t na = in.u64();
      if (na != sp.aggs.size())
        in.fail(std::to_string(sp.aggs.size()) + " aggregates");
      for (; na > 0; --na)
        g.acc.push_back(in.dbl());
      w.groups.emplace(key_of(g.values), std::move(g));
    }
  }
  in.expect("end");
  return s;
}

std::string format_row(const spec& sp, int64_t start, const group& g) {
  std::string out = "{\"window_start\":\"" + format_rfc3339(start) + "\",\"window_end\":\"" +
                    format_rfc3339(start + sp.window) + "\"";
  for (size_t i = 0; i < sp.group_by.size(); ++i) {
    out += ',';
    append_json_string(out, sp.group_by[i]);
    out += ':';
    out += g.values[i];
  }
  for (size_t i = 0; i < sp.aggs.size(); ++i) {
    out += ',';
    append_json_string(out, sp.aggs[i].output);
    out += ':';
    switch (sp.aggs[i].f) {
      case fn::count: out += std::to_string(g.count); break;
      case fn::avg: append_number(out, g.acc[i] / static_cast<double>(g.count)); break;
      default: append_number(out, g.acc[i]);
    }
  }
  return out + "}";
}

} // namespace sluice::builtin::aggregate
