/// project: keeps, drops and renames top-level fields of JSON object records.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "common/json.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::project {

namespace {

namespace od = simdjson::ondemand;

/// `s` as the inside of a JSON string literal (no quotes).
std::string json_escape(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// The raw text of a key between its quotes; `start` is just after the opening quote.
std::string_view raw_key_of(const char* start) {
  const char* p = start;
  while (*p != '"')
    p += *p == '\\' ? 2 : 1;
  return {start, static_cast<size_t>(p - start)};
}

} // namespace

/// Rewrites each object with only the selected fields, in their original
/// order, values copied as raw JSON text. Records that would not change pass
/// through untouched (same bytes).
class project : public Transform {
public:
  explicit project(context& c)
    : Transform(c), keep_(opts().get_list("keep")), drop_(opts().get_list("drop")) {
    for (auto& [from, to] : opts().get_map("rename"))
      rename_.emplace_back(from, json_escape(to));
  }

  void process(const batch& records) override {
    for (record r : records)
      one(r);
  }

private:
  bool kept(std::string_view name) const {
    return keep_.empty() ? !contains(drop_, name) : contains(keep_, name) && !contains(drop_, name);
  }

  const std::string* renamed(std::string_view name) const {
    for (auto& [from, to] : rename_)
      if (from == name)
        return &to;
    return nullptr;
  }

  void reject(const record& r, const std::string& why) {
    ctx().dead_letter(r.raw(), "project: record at offset " + std::to_string(r.position().offset) + " " + why);
  }

  void one(const record& r) {
    auto view = builtin::padded_view(r, copy_);
    od::document doc;
    od::object obj;
    if (parser_.iterate(view).get(doc) || doc.get_object().get(obj)) {
      reject(r, "is not a JSON object");
      return;
    }
    out_.assign(1, '{');
    bool changed = false, first = true;
    for (auto item : obj) {
      od::field f;
      if (auto err = std::move(item).get(f)) {
        reject(r, std::string{"is malformed JSON: "} + simdjson::error_message(err));
        return;
      }
      std::string_view raw_key = raw_key_of(f.key().raw());
      std::string_view name = raw_key;
      if (raw_key.find('\\') != std::string_view::npos && f.unescaped_key().get(name)) {
        reject(r, "has a malformed key");
        return;
      }
      if (!kept(name)) {
        changed = true;
        continue; // on-demand skips the unread value
      }
      const std::string* to = renamed(name);
      changed = changed || to;
      std::string_view value;
      if (auto err = simdjson::to_json_string(f.value()).get(value)) {
        reject(r, std::string{"is malformed JSON: "} + simdjson::error_message(err));
        return;
      }
      if (!first)
        out_ += ',';
      first = false;
      out_ += '"';
      out_ += to ? std::string_view{*to} : raw_key;
      out_ += "\":";
      out_ += value;
    }
    out_ += '}';
    if (changed)
      ctx().emit(out_, r);
    else
      ctx().emit(r);
  }

  std::vector<std::string> keep_, drop_;
  std::vector<std::pair<std::string, std::string>> rename_; ///< name -> escaped new name
  od::parser parser_;
  std::string copy_, out_;
};

namespace {

const sluice_option_spec project_options[] = {
  {"keep", SLUICE_OPT_STRING_LIST, 0, "[]",
   "top-level fields to keep, in record order (empty: all fields not dropped)"},
  {"drop", SLUICE_OPT_STRING_LIST, 0, "[]", "top-level fields to remove"},
  {"rename", SLUICE_OPT_STRING_MAP, 0, "{}", "table of old = \"new\" field names"},
};

} // namespace

} // namespace sluice::builtin::project

SLUICE_PLUGIN("project", sluice::stage<sluice::builtin::project::project>(
                           "project", "1.0.0", sluice::builtin::project::project_options,
                           {"keeps, drops and renames top-level fields of JSON objects"}));
