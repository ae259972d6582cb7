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
  uint64_t h = 1469598103934665603ULL;
  for (auto& f : fields) {
    auto doc = parser.iterate(view);
    std::string pointer = "/";
    for (char c : f)
      pointer += c == '.' ? '/' : c;
    std::string_view raw = "null";
    simdjson::ondemand::value v;
    if (!doc.error() && !doc.at_pointer(pointer).get(v)) {
      raw = v.raw_json_token();
    } else if (doc.error()) {
      return fnv1a({r.data, r.size});
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
