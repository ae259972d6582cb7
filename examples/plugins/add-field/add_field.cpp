/// add-field: an out-of-tree sluice plugin. Adds `"<field>":"<value>"` to
/// every NDJSON object it sees. Built with nothing but the SDK headers:
///
///   c++ -std=c++17 -shared -fPIC $(pkg-config --cflags sluice) add_field.cpp -o add-field.so
#include <string>

#include <sluice/sluice.hpp>

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

class add_field : public sluice::Transform {
public:
  explicit add_field(sluice::context& ctx)
    : Transform(ctx),
      member_(json_string(opts().get_string("field")) + ":" + json_string(opts().get_string("value"))) {}

  void process(const sluice::batch& records) override {
    int64_t skipped = 0;
    for (auto r : records) {
      auto bytes = r.bytes();
      auto close = bytes.rfind('}');
      if (bytes.empty() || bytes.front() != '{' || close == std::string_view::npos) {
        ctx().emit(r); // not an object: pass it on untouched
        ++skipped;
        continue;
      }
      auto body = bytes.substr(0, close);
      bool empty = body.find_first_not_of(" \t{") == std::string_view::npos;
      line_.assign(body);
      line_ += empty ? "" : ",";
      line_ += member_;
      line_ += bytes.substr(close);
      ctx().emit(line_, r);
    }
    if (skipped)
      ctx().count("not_objects", skipped);
  }

private:
  std::string member_;
  std::string line_;
};

const sluice_option_spec options[] = {
  {"field", SLUICE_OPT_STRING, 0, "\"_tag\"", "name of the field to add"},
  {"value", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr, "string value to set"},
};

} // namespace

SLUICE_PLUGIN("add-field", sluice::stage<add_field>("add-field", "1.0.0", options,
                                                    {"Adds a constant string field to every JSON object."}))
