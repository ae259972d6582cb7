// Frames as msgpack: [ "SLUICE", version, kind, to_stage, to_index, from_stage, from_index,
//                      channel, edge, dest, n, element ]
// element = nil | [ what, value, [ record... ] ]
// record  = [ data (bin), key (bin | nil), event_time, source (str), partition, offset ]
#include <msgpack.hpp>

#include "core/intern.hpp"
#include "link/frame.hpp"

namespace sluice::link {

namespace {

constexpr const char* magic = "SLUICE";

void pack_element(msgpack::packer<msgpack::sbuffer>& pk, const flow::element& e) {
  pk.pack_array(3);
  pk.pack(static_cast<uint8_t>(e.what));
  pk.pack(e.value);
  size_t n = e.data ? e.data->size() : 0;
  pk.pack_array(static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    auto& r = (*e.data)[i];
    pk.pack_array(6);
    pk.pack_bin(static_cast<uint32_t>(r.size));
    pk.pack_bin_body(r.data, static_cast<uint32_t>(r.size));
    if (r.key) {
      pk.pack_bin(static_cast<uint32_t>(r.key_size));
      pk.pack_bin_body(r.key, static_cast<uint32_t>(r.key_size));
    } else {
      pk.pack_nil();
    }
    pk.pack(r.event_time_ns);
    pk.pack(std::string_view{r.position.source ? r.position.source : ""});
    pk.pack(r.position.partition);
    pk.pack(r.position.offset);
  }
}

std::string_view bin(const msgpack::object& o) {
  if (o.type != msgpack::type::BIN)
    throw msgpack::type_error();
  return {o.via.bin.ptr, o.via.bin.size};
}

flow::element unpack_element(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3)
    throw std::runtime_error("element is not [what, value, records]");
  auto& a = o.via.array;
  flow::element e;
  auto what = a.ptr[0].as<uint8_t>();
  if (what > static_cast<uint8_t>(flow::element::kind::end_of_stream))
    throw std::runtime_error("unknown element kind " + std::to_string(what));
  e.what = static_cast<flow::element::kind>(what);
  e.value = a.ptr[1].as<int64_t>();
  auto& recs = a.ptr[2];
  if (recs.type != msgpack::type::ARRAY)
    throw std::runtime_error("records are not an array");
  if (e.what != flow::element::kind::data)
    return e;
  auto b = std::make_shared<flow::batch>(recs.via.array.size);
  for (uint32_t i = 0; i < recs.via.array.size; ++i) {
    auto& ro = recs.via.array.ptr[i];
    if (ro.type != msgpack::type::ARRAY || ro.via.array.size != 6)
      throw std::runtime_error("record " + std::to_string(i) + " is not a 6-field array");
    auto& f = ro.via.array.ptr;
    sluice_record r{};
    auto data = bin(f[0]);
    r.data = data.data();
    r.size = data.size();
    if (f[1].type != msgpack::type::NIL) {
      auto key = bin(f[1]);
      r.key = key.data();
      r.key_size = key.size();
    }
    r.event_time_ns = f[2].as<int64_t>();
    auto source = f[3].as<std::string_view>();
    r.position.source = source.empty() ? nullptr : intern(source); // outlives the batch
    r.position.partition = f[4].as<uint32_t>();
    r.position.offset = f[5].as<uint64_t>();
    b->append(r);
  }
  b->seal();
  e.data = std::move(b);
  return e;
}

} // namespace

std::string encode(const frame& f) {
  msgpack::sbuffer buf(256 + (f.elem.data ? f.elem.data->bytes() + 32 * f.elem.data->size() : 0));
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(12);
  pk.pack(std::string_view{magic});
  pk.pack(frame_version);
  pk.pack(static_cast<uint8_t>(f.kind));
  pk.pack(f.to.stage);
  pk.pack(f.to.index);
  pk.pack(f.from.stage);
  pk.pack(f.from.index);
  pk.pack(f.channel);
  pk.pack(f.edge);
  pk.pack(f.dest);
  pk.pack(f.n);
  if (f.kind == frame_kind::element)
    pack_element(pk, f.elem);
  else
    pk.pack_nil();
  return {buf.data(), buf.size()};
}

result<frame> decode(std::string_view bytes) {
  try {
    // Limits first: a frame claiming a 4-billion-element array must not make us allocate for it.
    const msgpack::unpack_limit limit(/*array*/ 1u << 20, /*map*/ 0, /*str*/ 1u << 16, /*bin*/ 1u << 30,
                                      /*ext*/ 0, /*depth*/ 8);
    if (bytes.size() > (1u << 31))
      return error{"frame of " + std::to_string(bytes.size()) + " bytes is over the 2 GiB limit"};
    auto handle = msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr, limit);
    auto& o = handle.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size < 3)
      return error{"not a sluice frame (" + std::to_string(bytes.size()) + " bytes)"};
    auto& a = o.via.array;
    if (a.ptr[0].type != msgpack::type::STR || a.ptr[0].as<std::string_view>() != magic)
      return error{"not a sluice frame (no magic)"};
    auto version = a.ptr[1].as<uint32_t>();
    if (version != frame_version)
      return error{"frame version " + std::to_string(version) + ", this node speaks " +
                   std::to_string(frame_version)};
    if (a.size != 12)
      return error{"frame has " + std::to_string(a.size) + " fields, expected 12"};
    frame f;
    auto kind = a.ptr[2].as<uint8_t>();
    if (kind < 1 || kind > 4)
      return error{"unknown frame kind " + std::to_string(kind)};
    f.kind = static_cast<frame_kind>(kind);
    f.to = {a.ptr[3].as<std::string>(), a.ptr[4].as<uint32_t>()};
    f.from = {a.ptr[5].as<std::string>(), a.ptr[6].as<uint32_t>()};
    f.channel = a.ptr[7].as<uint32_t>();
    f.edge = a.ptr[8].as<uint32_t>();
    f.dest = a.ptr[9].as<uint32_t>();
    f.n = a.ptr[10].as<uint32_t>();
    if (f.kind == frame_kind::element)
      f.elem = unpack_element(a.ptr[11]);
    return f;
  } catch (const std::exception& e) {
    return error{std::string{"undecodable frame: "} + e.what()};
  }
}

} // namespace sluice::link
