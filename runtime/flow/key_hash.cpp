#include "flow/key_hash.hpp"

#include <simdjson.h>

namespace sluice::flow {

uint64_t fnv1a(std::string_view bytes, uint64_t h) noexcept {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

thread_local simdjson::ondemand::parser parser;

} // namespace

uint64_t key_hash(const sluice_record& r, const std::vector<std::string>& fields) {
  if (fields.empty())
    return fnv1a({r.key, r.key_size});
  std::string copy;
  simdjson::padded_string_view view;
  if (r.flags & SLUICE_RECORD_PADDED)
    view = simdjson::padded_string_view(r.data, r.size, r.size + simdjson::SIMDJSON_PADDING);
  else {
    copy.assign(r.data, r.size);
    copy.resize(r.size + simdjson::SIMDJSON_PADDING);
    view = simdjson::padded_string_view(copy.data(), r.size, copy.size());
  }
  uint64_t h = 14695981039346656037ULL;
  for (auto& f : fields) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::json_type type;
    if (parser.iterate(view).get(doc) || doc.type().get(type) || type != simdjson::ondemand::json_type::object)
      return fnv1a({r.data, r.size}); // not a JSON object: its bytes are its key
    std::string pointer = "/";
    for (char c : f)
      pointer += c == '.' ? '/' : c;
    std::string_view raw = "null";
    std::string compound;
    simdjson::ondemand::value v;
    if (!doc.at_pointer(pointer).get(v)) {
      simdjson::ondemand::json_type vt;
      if (!v.type().get(vt) &&
          (vt == simdjson::ondemand::json_type::object || vt == simdjson::ondemand::json_type::array)) {
        std::string_view whole;
        if (!simdjson::to_json_string(v).get(whole))
          raw = compound.assign(whole);
      } else {
        raw = v.raw_json_token();
      }
    }
    // trailing whitespace is part of a raw token; strip it so layout doesn't matter
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
      raw.remove_suffix(1);
    h = fnv1a(raw, h);
    h = fnv1a("\x1f", h);
  }
  return h;
}

} // namespace sluice::flow
