#include "file-sink/sink_state.hpp"

#include <limits>

#include "sluice/context.hpp"

namespace sluice::builtin::file_sink {

namespace {

constexpr std::string_view header = "file-sink-state";

void put_path(std::string& out, const std::string& path) {
  out += std::to_string(path.size());
  out += ':';
  out += path;
  out += '\n';
}

/// Reads the encoding token by token; any mismatch throws with the line number.
class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}

  bool at_end() const noexcept { return pos_ >= in_.size(); }

  std::string_view word() {
    size_t end = pos_;
    while (end < in_.size() && in_[end] != ' ' && in_[end] != '\n' && in_[end] != ':')
      ++end;
    std::string_view w = in_.substr(pos_, end - pos_);
    if (w.empty())
      fail("expected a word");
    pos_ = end;
    return w;
  }

  uint64_t number() {
    std::string_view w = word();
    if (w.size() > 19)
      fail("number too long");
    uint64_t v = 0;
    for (char c : w) {
      if (c < '0' || c > '9')
        fail("expected a number, found `" + std::string{w} + "`");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  }

  void expect(char c) {
    if (at_end() || in_[pos_] != c)
      fail(std::string{"expected '"} + (c == '\n' ? std::string{"\\n"} : std::string{c}) + "'");
    if (c == '\n')
      ++line_;
    ++pos_;
  }

  std::string path() {
    uint64_t n = number();
    expect(':');
    if (n > in_.size() - pos_)
      fail("path runs past the end");
    std::string p{in_.substr(pos_, n)};
    for (char c : p)
      line_ += c == '\n';
    pos_ += n;
    expect('\n');
    return p;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw stage_error{"file-sink state is corrupt at line " + std::to_string(line_) + ": " + what};
  }

private:
  std::string_view in_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

} // namespace

std::string encode(const sink_state& s) {
  std::string out{header};
  out += ' ' + std::to_string(state_schema_version) + '\n';
  out += "instance " + std::to_string(s.instance) + '\n';
  out += "commit " + std::to_string(s.last_commit < 0 ? 0 : s.last_commit) + '\n';
  out += "origin " + std::to_string(s.origin < 0 ? 0 : s.origin) + '\n';
  for (const auto& n : s.seqs) {
    out += "seq " + std::to_string(n.seq) + ' ';
    put_path(out, n.path);
  }
  for (const auto& f : s.open) {
    out += "open " + std::to_string(f.seq) + ' ' + std::to_string(f.length) + ' ';
    put_path(out, f.path);
  }
  for (const auto& f : s.pending) {
    out += "pending " + std::to_string(f.seq) + ' ';
    put_path(out, f.path);
  }
  return out;
}

sink_state decode(std::string_view bytes, uint32_t schema_version) {
  if (schema_version < 1 || schema_version > state_schema_version)
    throw stage_error{"file-sink state has schema version " + std::to_string(schema_version) +
                      "; this file-sink reads versions 1 to " + std::to_string(state_schema_version)};
  reader r{bytes};
  sink_state s;
  if (r.word() != header)
    r.fail("missing the `file-sink-state` header");
  r.expect(' ');
  if (r.number() != schema_version)
    r.fail("header names another schema version");
  r.expect('\n');
  while (!r.at_end()) {
    std::string_view kind = r.word();
    r.expect(' ');
    if (kind == "instance") {
      s.instance = static_cast<uint32_t>(r.number());
      r.expect('\n');
    } else if (kind == "commit") {
      s.last_commit = static_cast<int64_t>(r.number());
      r.expect('\n');
    } else if (kind == "origin" && schema_version >= 2) {
      uint64_t origin = r.number();
      if (origin > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        r.fail("origin out of range");
      s.origin = static_cast<int64_t>(origin);
      r.expect('\n');
    } else if (kind == "seq") {
      sink_state::next_seq n;
      n.seq = r.number();
      r.expect(' ');
      n.path = r.path();
      s.seqs.push_back(std::move(n));
    } else if (kind == "open" || kind == "pending") {
      sink_state::file f;
      f.seq = r.number();
      r.expect(' ');
      if (kind == "open") {
        f.length = r.number();
        r.expect(' ');
      }
      f.path = r.path();
      (kind == "open" ? s.open : s.pending).push_back(std::move(f));
    } else {
      r.fail("unknown entry `" + std::string{kind} + "`");
    }
  }
  return s;
}

} // namespace sluice::builtin::file_sink
