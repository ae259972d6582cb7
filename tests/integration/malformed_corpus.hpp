/// The malformed-input corpus of malformed_test: built from a seed, written as one NDJSON file,
/// each line with what file-source must say about it. Included by that one test only.
#pragma once

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace malformed {


constexpr size_t max_record = size_t{1} << 20; // file-source's default max_record_bytes
constexpr size_t dead_prefix = 1024;           // what file-source keeps of a longer line
constexpr size_t huge_filler = size_t{10} << 20;
constexpr size_t listed_bytes = 60; // what `dlq list` shows of a dead letter

enum class kind { good, bad, blank };

/// One line of the corpus. The 10 MB line is `bytes`, `filler` x's and `tail`: the x's are
/// written straight to the file and never held here, so the test's own memory stays small.
struct line_spec {
  kind k = kind::good;
  std::string what;  ///< the kind of line, for messages
  std::string bytes;
  size_t filler = 0;
  std::string tail;
  /// For a bad line: the reasons that fit it, given its byte offset ('*' matches anything).
  std::vector<std::string> (*reasons)(const line_spec&, uint64_t) = nullptr;
  size_t second = 0; ///< where the second value or the trailing content starts in the line
  uint64_t offset = 0; ///< set when the corpus is laid out

  size_t size() const { return bytes.size() + filler + tail.size(); }
  /// The bytes the dead-letter store keeps: the line, or its first KiB when it is over the limit.
  std::string kept() const {
    if (size() <= max_record)
      return bytes + tail;
    return (bytes + std::string(dead_prefix, 'x')).substr(0, dead_prefix);
  }
};

line_spec spec(kind k, std::string what, std::string bytes) {
  line_spec l;
  l.k = k;
  l.what = std::move(what);
  l.bytes = std::move(bytes);
  return l;
}

std::string at(uint64_t offset) { return " at byte offset " + std::to_string(offset); }

std::vector<std::string> invalid_json(const line_spec&, uint64_t o) { return {"invalid JSON" + at(o) + ": *"}; }
std::vector<std::string> invalid_utf8(const line_spec&, uint64_t o) { return {"invalid UTF-8" + at(o)}; }
std::vector<std::string> garbage(const line_spec&, uint64_t o) {
  return {"invalid JSON" + at(o) + ": *", "invalid UTF-8" + at(o)};
}
std::vector<std::string> too_deep(const line_spec&, uint64_t o) { return {"nesting deeper than 512" + at(o)}; }
std::vector<std::string> oversize(const line_spec& l, uint64_t o) {
  return {"line" + at(o) + " is " + std::to_string(l.size()) + " bytes, over max_record_bytes " +
          std::to_string(max_record)};
}
std::vector<std::string> two_values(const line_spec& l, uint64_t o) {
  return {"invalid JSON" + at(o) + ": *(more than one JSON value on the line: another one starts" +
          at(o + l.second) + ", after the object)"};
}
std::vector<std::string> trailing(const line_spec& l, uint64_t o) {
  return {"invalid JSON" + at(o) + ": *(trailing content" + at(o + l.second) + ", after the object)"};
}
template <const char* Type>
std::vector<std::string> not_object(const line_spec&, uint64_t o) {
  return {std::string("not a JSON object") + at(o) + ": the line is " + Type};
}
constexpr char a_number[] = "a number", a_string[] = "a string", an_array[] = "an array", null[] = "null",
               a_boolean[] = "a boolean";

/// '*' in `pattern` matches any run of characters.
bool glob(const std::string& pattern, const std::string& text) {
  auto star = pattern.find('*');
  if (star == std::string::npos)
    return pattern == text;
  auto head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() && text.compare(0, head.size(), head) == 0 &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

/// The bytes as `sluice dlq` prints them: printable ASCII as is, '\' doubled, the rest \xNN.
std::string escaped(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    char buf[8];
    if (c == '\\')
      out += "\\\\";
    else if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string bytes_of(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes)
    s += static_cast<char>(b);
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

/// Builds the corpus from one seed: the same seed gives the same bytes.
class corpus_builder {
public:
  explicit corpus_builder(uint32_t seed) : rng_(seed) {}

  /// A valid record (ASCII-only if asked) with escapes, unicode, numbers and nesting of its own.
  std::string record(int id, bool ascii = false) {
    static const char* const notes[] = {
      R"(plain)", R"(quote \" and backslash \\)", R"(\u00e9 and \ud83d\ude80 escaped)",
      R"(nul \u0000 escaped)", R"(}{ is not two objects)", R"(tab\tnewline\n)", "",
      "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80"}; // the last one is raw UTF-8
    static const char* const numbers[] = {"-0", "1e10", "0.5E-3", "-12", "3.14159", "0"};
    static const char* const flags[] = {"true", "false", "null"};
    const char* sep = pick(4) == 0 ? " , " : ",";
    std::string r = pick(5) == 0 ? "{ \"id\" : " : "{\"id\":";
    r += std::to_string(id);
    r += sep + std::string(R"("user":"u)") + std::to_string(pick(1000)) + "\"";
    r += sep + std::string(R"("note":")") + notes[pick(ascii ? 7 : 8)] + "\"";
    r += sep + std::string(R"("n":)") + numbers[pick(6)];
    r += sep + std::string(R"("ok":)") + flags[pick(3)];
    if (pick(3) == 0)
      r += sep + std::string(R"("nested":{"a":{"b":[1,{"c":null},[]]},"e":{}})");
    return r + "}";
  }

  line_spec good(std::string bytes, std::string what = "valid record") {
    return spec(kind::good, std::move(what), std::move(bytes));
  }
  line_spec bad(std::string what, std::string bytes,
                std::vector<std::string> (*reasons)(const line_spec&, uint64_t), size_t second = 0) {
    auto l = spec(kind::bad, std::move(what), std::move(bytes));
    l.reasons = reasons;
    l.second = second;
    return l;
  }

  /// Every malformed, blank and boundary line, in no particular order.
  std::vector<line_spec> specials() {
    std::vector<line_spec> s;
    for (int i = 0; i < 6; ++i) { // a record cut anywhere before its closing brace
      auto r = record(100000 + i, true);
      s.push_back(bad("truncated JSON", r.substr(0, 1 + pick(static_cast<uint32_t>(r.size() - 1))), invalid_json));
    }
    s.push_back(bad("truncated JSON", "{", invalid_json));
    s.push_back(bad("truncated JSON", R"({"id":1,"note":"cut inside a str)", invalid_json));

    const std::pair<const char*, std::string> utf8[] = {
      {"invalid UTF-8 (0xC3 0x28)", "caf" + bytes_of({0xc3, 0x28})},
      {"invalid UTF-8 (overlong 2-byte)", bytes_of({0xc0, 0xaf})},
      {"invalid UTF-8 (overlong 3-byte)", bytes_of({0xe0, 0x80, 0xaf})},
      {"invalid UTF-8 (overlong 4-byte)", bytes_of({0xf0, 0x82, 0x82, 0xac})},
      {"invalid UTF-8 (lone continuation byte)", "a" + bytes_of({0x80}) + "b"},
      {"invalid UTF-8 (UTF-16 surrogate)", bytes_of({0xed, 0xa0, 0x80})},
      {"invalid UTF-8 (over U+10FFFF)", bytes_of({0xf4, 0x90, 0x80, 0x80})},
      {"invalid UTF-8 (cut sequence)", "cut " + bytes_of({0xe2, 0x82})},
      {"invalid UTF-8 (0xFF 0xFE)", bytes_of({0xff, 0xfe})},
    };
    int id = 200000;
    for (auto& [what, text] : utf8)
      s.push_back(bad(what, "{\"id\":" + std::to_string(id++) + ",\"s\":\"" + text + "\"}", invalid_utf8));
    s.push_back(bad("invalid UTF-8 (in a key)", "{\"k" + bytes_of({0xc3, 0x28}) + "\":1}", invalid_utf8));

    auto repeat = [](const std::string& part, size_t n) {
      std::string out;
      for (size_t i = 0; i < n; ++i)
        out += part;
      return out;
    };
    s.push_back(bad("5000 nested arrays", repeat("[", 5000) + repeat("]", 5000), too_deep));
    s.push_back(bad("5000 nested objects", repeat(R"({"a":)", 5000) + "1" + repeat("}", 5000), too_deep));
    s.push_back(bad("5000 nested objects and arrays", repeat(R"({"a":[)", 2500) + repeat("]}", 2500), too_deep));
    s.push_back(bad("513 nested objects", repeat(R"({"a":)", 513) + "1" + repeat("}", 513), too_deep));
    s.push_back(good(repeat(R"({"a":)", 512) + "1" + repeat("}", 512), "512 nested objects"));

    s.push_back(bad("two objects", R"({"a":1}{"b":2})", two_values, 7));
    s.push_back(bad("two objects with a space", R"({"a":1} {"b":2})", two_values, 8));
    s.push_back(bad("an object and an array", "{\"a\":1}\t[2]", two_values, 8));
    auto first = record(300000);
    s.push_back(bad("two records without a newline", first + record(300001), two_values, first.size()));

    s.push_back(bad("trailing word", R"({"a":1} garbage)", trailing, 8));
    s.push_back(bad("trailing comma", R"({"a":1},)", trailing, 7));
    s.push_back(bad("trailing NUL", R"({"id":5})" + std::string(1, '\0'), trailing, 8));
    s.push_back(bad("trailing word after a brace in a string", R"({"a":"}"} x)", trailing, 10));
    s.push_back(bad("trailing comment", R"({"a":1}  // comment)", trailing, 9));

    s.push_back(bad("a number", "42", not_object<a_number>));
    s.push_back(bad("a number with spaces", " -1.5e3 ", not_object<a_number>));
    s.push_back(bad("a string", R"("just a string")", not_object<a_string>));
    s.push_back(bad("an array", "[1,2,3]", not_object<an_array>));
    s.push_back(bad("an array of objects", R"([{"id":1},{"id":2}])", not_object<an_array>));
    s.push_back(bad("null", "null", not_object<null>));
    s.push_back(bad("true", "true", not_object<a_boolean>));
    s.push_back(bad("false", "false", not_object<a_boolean>));

    std::string all_bytes;
    for (int b = 0; b < 256; ++b)
      if (b != '\n')
        all_bytes += static_cast<char>(b);
    s.push_back(bad("bytes 0x00-0xFF", all_bytes, garbage));
    for (size_t i = all_bytes.size() - 1; i > 0; --i) // Fisher-Yates, spelled out to stay portable
      std::swap(all_bytes[i], all_bytes[pick(static_cast<uint32_t>(i + 1))]);
    s.push_back(bad("bytes 0x00-0xFF shuffled", all_bytes, garbage));
    std::string noise(300, '\0');
    for (auto& c : noise) {
      auto b = rng_() & 0xff;
      c = static_cast<char>(b == '\n' ? 0 : b);
    }
    noise[pick(300)] = static_cast<char>(0xff); // never UTF-8, so never valid
    s.push_back(bad("300 random bytes", noise, garbage));
    s.push_back(bad("NUL bytes", std::string(16, '\0'), garbage));
    s.push_back(bad("raw NUL in a string", std::string("{\"s\":\"a\0b\"}", 12), invalid_json));

    line_spec huge = bad("10 MB line", R"({"big":")", oversize);
    huge.filler = huge_filler;
    huge.tail = "\"}";
    s.push_back(huge);
    auto fill = [](size_t total) { return R"({"fill":")" + std::string(total - 11, 'x') + "\"}"; };
    s.push_back(good(fill(max_record), "record of exactly max_record_bytes"));
    s.push_back(bad("max_record_bytes + 1 line", fill(max_record + 1), oversize));

    s.push_back(good("  " + record(400000) + "\t", "valid record with whitespace around it"));
    const char* const blanks[] = {"", " ", "\t", "   \t  ", "\r", " \r"};
    for (int i = 0; i < 12; ++i)
      s.push_back(spec(kind::blank, "blank line", blanks[i % 6]));
    return s;
  }

  /// `valid` records with the specials mixed in at seeded places, then a record without a newline.
  std::vector<line_spec> lines(int valid) {
    std::vector<line_spec> all;
    for (int i = 0; i < valid; ++i)
      all.push_back(good(record(i)));
    for (auto& s : specials())
      all.insert(all.begin() + pick(static_cast<uint32_t>(all.size() + 1)), std::move(s));
    all.push_back(good(record(valid), "last record, without a newline"));
    return all;
  }

private:
  uint32_t pick(uint32_t n) { return rng_() % n; }
  std::mt19937 rng_;
};

/// Lays `lines` out as a file (newline-separated, none after the last) and sets their offsets.
void write_corpus(const std::string& path, std::vector<line_spec>& lines) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(64 * 1024, 'x');
  uint64_t offset = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto& l = lines[i];
    l.offset = offset;
    out << l.bytes;
    for (size_t left = l.filler; left > 0; left -= std::min(left, chunk.size()))
      out.write(chunk.data(), static_cast<std::streamsize>(std::min(left, chunk.size())));
    out << l.tail;
    if (i + 1 < lines.size())
      out << '\n';
    offset += l.size() + 1;
  }
  BOOST_TEST_REQUIRE(out.good());
}

} // namespace malformed
