// Frames as msgpack: [ "SLUICE", version, kind, gen, to_stage, to_index, from_stage, from_index,
//                      channel, edge, dest, n, op, epoch, inc, element ]
// element = nil | [ what, value, records ], records in columns (fast to write and to check):
// records = [ count, data (bin: the record bytes, back to back), sizes (bin: u32 each),
//             keys (bin), key_sizes (bin: u32 each, 0xffffffff = no key), times (bin: i64 each),
//             sources (array of str), source_of (bin: u16 each, 0xffff = none),
//             partitions (bin: u32 each), offsets (bin: u64 each) ]   (integers little-endian)
// A column other than data, sizes and offsets whose values are all the same holds that value
// once (no keys, no event times, one source, one partition: 18 of 30 bytes a record saved).
#include <cstring>
#include <map>

#include <msgpack.hpp>

#include "core/intern.hpp"
#include "link/frame.hpp"

namespace sluice::link {

namespace {

constexpr const char* magic = "SLUICE";
constexpr uint32_t no_key = 0xffffffffu;
constexpr uint16_t no_source = 0xffffu;
constexpr uint32_t fields = 16;

/// Where a frame is packed: straight into the string that is sent (no copy after packing).
struct string_out {
  std::string bytes;
  void write(const char* p, size_t n) { bytes.append(p, n); }
};
using packer = msgpack::packer<string_out>;

template <class T>
T get(std::string_view col, size_t i) {
  T v;
  std::memcpy(&v, col.data() + i * sizeof(T), sizeof(T));
  return v;
}

template <class T>
void pack_column(packer& pk, const std::vector<T>& v) { // x86-64 and aarch64 Linux are little-endian
  auto size = static_cast<uint32_t>(v.size() * sizeof(T));
  pk.pack_bin(size);
  pk.pack_bin_body(reinterpret_cast<const char*>(v.data()), size);
}

/// A column whose values all equal the first is sent as that one value.
template <class T>
void pack_column_or_constant(packer& pk, const std::vector<T>& v) {
  for (auto& x : v)
    if (x != v.front())
      return pack_column(pk, v);
  pk.pack_bin(sizeof(T));
  pk.pack_bin_body(reinterpret_cast<const char*>(v.data()), sizeof(T));
}

/// A received column of `n` values, or of one value all `n` share.
template <class T>
struct column {
  std::string_view bytes;
  bool constant = false;
  T operator[](size_t i) const { return get<T>(bytes, constant ? 0 : i); }
};

/// The frame's size, near enough to reserve it once.
size_t frame_size_hint(const flow::element& e) {
  return 256 + (e.data ? e.data->bytes() + 32 * e.data->size() : 0);
}

/// True when no record has a key and all share one event time, source and partition: the
/// common case (a source's or a filter's batch), framed without building per-record columns.
bool uniform(const flow::batch& b) {
  auto& f = b[0];
  for (size_t i = 1; i < b.size(); ++i) {
    auto& r = b[i];
    if (r.key || r.event_time_ns != f.event_time_ns || r.position.source != f.position.source ||
        r.position.partition != f.position.partition)
      return false;
  }
  return !f.key;
}

/// A column of `n` values written straight into the frame.
template <class T, class F>
void put_column(packer& pk, string_out& out, size_t n, F value_of) {
  pk.pack_bin(static_cast<uint32_t>(n * sizeof(T)));
  auto at = out.bytes.size();
  out.bytes.resize(at + n * sizeof(T));
  char* p = out.bytes.data() + at;
  for (size_t i = 0; i < n; ++i) {
    T v = value_of(i);
    std::memcpy(p + i * sizeof(T), &v, sizeof(T));
  }
}

template <class T>
void put_constant(packer& pk, T v) {
  pk.pack_bin(sizeof(T));
  pk.pack_bin_body(reinterpret_cast<const char*>(&v), sizeof(T));
}

/// The record bytes, back to back: one copy when they already are.
void put_data(packer& pk, const flow::batch& b) {
  size_t n = b.size(), data_size = 0;
  bool contiguous = true;
  for (size_t i = 0; i < n; ++i) {
    contiguous = contiguous && (i == 0 || b[i].data == b[i - 1].data + b[i - 1].size);
    data_size += b[i].size;
  }
  pk.pack_bin(static_cast<uint32_t>(data_size)); // the record bytes go straight into the frame
  if (contiguous) // back to back in one arena (a batch built by appending, keys aside): one copy
    pk.pack_bin_body(b[0].data, static_cast<uint32_t>(data_size));
  else
    for (size_t i = 0; i < n; ++i)
      pk.pack_bin_body(b[i].data, static_cast<uint32_t>(b[i].size));
}

/// The same columns pack_element writes, for a uniform() batch.
void pack_uniform(packer& pk, string_out& out, const flow::batch& b) {
  size_t n = b.size();
  auto& f = b[0];
  pk.pack_array(10);
  pk.pack(static_cast<uint64_t>(n));
  put_data(pk, b);
  put_column<uint32_t>(pk, out, n, [&](size_t i) { return static_cast<uint32_t>(b[i].size); });
  pk.pack_bin(0); // keys
  put_constant(pk, no_key);
  put_constant(pk, f.event_time_ns);
  pk.pack_array(f.position.source ? 1 : 0);
  if (f.position.source)
    pk.pack(std::string_view{f.position.source});
  put_constant(pk, f.position.source ? uint16_t{0} : no_source);
  put_constant(pk, f.position.partition);
  put_column<uint64_t>(pk, out, n, [&](size_t i) { return b[i].position.offset; });
}

void pack_element(packer& pk, string_out& out, const flow::element& e) {
  pk.pack_array(3);
  pk.pack(static_cast<uint8_t>(e.what));
  pk.pack(e.value);
  size_t n = e.data ? e.data->size() : 0;
  if (n == 0) {
    pk.pack_nil();
    return;
  }
  if (uniform(*e.data))
    return pack_uniform(pk, out, *e.data);
  std::vector<uint32_t> sizes(n), key_sizes(n), partitions(n);
  std::vector<int64_t> times(n);
  std::vector<uint16_t> source_of(n);
  std::vector<uint64_t> offsets(n);
  std::string keys;
  std::map<std::string_view, uint16_t> sources;
  std::vector<std::string_view> source_list;
  const char* last_source = nullptr; // records of a batch mostly share one source name
  uint16_t last_index = no_source;
  for (size_t i = 0; i < n; ++i) {
    auto& r = (*e.data)[i];
    sizes[i] = static_cast<uint32_t>(r.size);
    if (r.key)
      keys.append(r.key, r.key_size);
    key_sizes[i] = r.key ? static_cast<uint32_t>(r.key_size) : no_key;
    times[i] = r.event_time_ns;
    if (r.position.source && r.position.source != last_source) {
      auto [it, added] = sources.emplace(r.position.source, static_cast<uint16_t>(source_list.size()));
      if (added)
        source_list.push_back(it->first);
      last_source = r.position.source;
      last_index = it->second;
    }
    source_of[i] = r.position.source ? last_index : no_source;
    partitions[i] = r.position.partition;
    offsets[i] = r.position.offset;
  }
  pk.pack_array(10);
  pk.pack(static_cast<uint64_t>(n));
  put_data(pk, *e.data);
  pack_column(pk, sizes); // after the data: a receiver's last records have 64 readable bytes past them
  pk.pack_bin(static_cast<uint32_t>(keys.size()));
  pk.pack_bin_body(keys.data(), static_cast<uint32_t>(keys.size()));
  pack_column_or_constant(pk, key_sizes);
  pack_column_or_constant(pk, times);
  pk.pack_array(static_cast<uint32_t>(source_list.size()));
  for (auto& sname : source_list)
    pk.pack(sname);
  pack_column_or_constant(pk, source_of);
  pack_column_or_constant(pk, partitions);
  pack_column(pk, offsets);
}

std::string_view bin(const msgpack::object& o, size_t expected_size = SIZE_MAX, const char* what = "column") {
  if (o.type != msgpack::type::BIN)
    throw std::runtime_error(std::string{what} + " is not binary");
  if (expected_size != SIZE_MAX && o.via.bin.size != expected_size)
    throw std::runtime_error(std::string{what} + " holds " + std::to_string(o.via.bin.size) + " bytes, expected " +
                             std::to_string(expected_size));
  return {o.via.bin.ptr, o.via.bin.size};
}

template <class T>
column<T> column_of(const msgpack::object& o, size_t n, const char* what) {
  auto b = bin(o, SIZE_MAX, what);
  if (b.size() == sizeof(T))
    return {b, true};
  if (b.size() != n * sizeof(T))
    throw std::runtime_error(std::string{what} + " holds " + std::to_string(b.size()) + " bytes, expected " +
                             std::to_string(n * sizeof(T)) + " or " + std::to_string(sizeof(T)));
  return {b, false};
}

/// `bytes` is the whole frame; `owner` (when set) keeps it alive, and the batch adopts it.
flow::element unpack_element(const msgpack::object& o, std::string_view bytes, std::shared_ptr<const void> owner) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3)
    throw std::runtime_error("element is not [what, value, records]");
  auto& a = o.via.array;
  flow::element e;
  auto what = a.ptr[0].as<uint8_t>();
  if (what > static_cast<uint8_t>(flow::element::kind::end_of_stream))
    throw std::runtime_error("unknown element kind " + std::to_string(what));
  e.what = static_cast<flow::element::kind>(what);
  e.value = a.ptr[1].as<int64_t>();
  if (e.what != flow::element::kind::data)
    return e;
  auto& rec = a.ptr[2];
  if (rec.type == msgpack::type::NIL) { // an empty batch
    auto empty = std::make_shared<flow::batch>();
    empty->seal();
    e.data = std::move(empty);
    return e;
  }
  if (rec.type != msgpack::type::ARRAY || rec.via.array.size != 10)
    throw std::runtime_error("records are not 10 columns");
  auto* c = rec.via.array.ptr;
  auto n64 = c[0].as<uint64_t>();
  if (n64 > (1u << 24))
    throw std::runtime_error("a batch of " + std::to_string(n64) + " records");
  size_t n = static_cast<size_t>(n64);
  auto data = bin(c[1], SIZE_MAX, "data");
  auto sizes = bin(c[2], n * 4, "sizes");
  auto keys = bin(c[3], SIZE_MAX, "keys");
  auto key_sizes = column_of<uint32_t>(c[4], n, "key sizes");
  auto times = column_of<int64_t>(c[5], n, "times");
  if (c[6].type != msgpack::type::ARRAY)
    throw std::runtime_error("sources are not an array");
  std::vector<const char*> sources;
  for (uint32_t i = 0; i < c[6].via.array.size; ++i)
    sources.push_back(intern(c[6].via.array.ptr[i].as<std::string_view>())); // outlive the batch
  auto source_of = column_of<uint16_t>(c[7], n, "source indexes");
  auto partitions = column_of<uint32_t>(c[8], n, "partitions");
  auto offsets = bin(c[9], n * 8, "offsets");
  const char* frame_end = bytes.data() + bytes.size();
  size_t at = 0, key_at = 0;
  std::vector<sluice_record> records;
  if (key_sizes.constant && key_sizes[0] == no_key && times.constant && source_of.constant && partitions.constant) {
    // The common case (see uniform()): only sizes and offsets vary.
    sluice_record proto{};
    proto.event_time_ns = times[0];
    if (auto src = source_of[0]; src != no_source && src >= sources.size())
      throw std::runtime_error("the records name source " + std::to_string(src));
    proto.position.source = source_of[0] == no_source ? nullptr : sources[source_of[0]];
    proto.position.partition = partitions[0];
    records.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      auto& r = records.emplace_back(proto);
      r.size = get<uint32_t>(sizes, i);
      if (r.size > data.size() - at)
        throw std::runtime_error("record " + std::to_string(i) + " runs past the data");
      r.data = data.data() + at;
      at += r.size;
      r.position.offset = get<uint64_t>(offsets, i);
      if (frame_end - (r.data + r.size) >= 64)
        r.flags |= SLUICE_RECORD_PADDED; // what follows is read, never looked at (simdjson)
    }
  } else { // anything else: every column per record
    records.resize(n);
    for (size_t i = 0; i < n; ++i) {
      auto& r = records[i];
      r.size = get<uint32_t>(sizes, i);
      if (r.size > data.size() - at)
        throw std::runtime_error("record " + std::to_string(i) + " runs past the data");
      r.data = data.data() + at;
      at += r.size;
      if (auto ks = key_sizes[i]; ks != no_key) {
        if (ks > keys.size() - key_at)
          throw std::runtime_error("key " + std::to_string(i) + " runs past the keys");
        r.key = keys.data() + key_at;
        r.key_size = ks;
        key_at += ks;
      }
      r.event_time_ns = times[i];
      auto src = source_of[i];
      if (src != no_source && src >= sources.size())
        throw std::runtime_error("record " + std::to_string(i) + " names source " + std::to_string(src));
      r.position.source = src == no_source ? nullptr : sources[src];
      r.position.partition = partitions[i];
      r.position.offset = get<uint64_t>(offsets, i);
      if (frame_end - (r.data + r.size) >= 64)
        r.flags |= SLUICE_RECORD_PADDED; // what follows is read, never looked at (simdjson)
    }
  }
  if (at != data.size() || key_at != keys.size())
    throw std::runtime_error("data or keys longer than their records");
  if (owner) {
    e.data = flow::batch::adopt(std::move(owner), std::move(records));
    return e;
  }
  auto b = std::make_shared<flow::batch>(n, data.size() + keys.size());
  for (auto& r : records)
    b->append(r);
  b->seal();
  e.data = std::move(b);
  return e;
}

} // namespace

std::string encode(const frame& f) {
  string_out out;
  out.bytes.reserve(frame_size_hint(f.elem));
  packer pk(out);
  pk.pack_array(fields);
  pk.pack(std::string_view{magic});
  pk.pack(frame_version);
  pk.pack(static_cast<uint8_t>(f.kind));
  pk.pack(f.gen);
  pk.pack(f.to.stage);
  pk.pack(f.to.index);
  pk.pack(f.from.stage);
  pk.pack(f.from.index);
  pk.pack(f.channel);
  pk.pack(f.edge);
  pk.pack(f.dest);
  pk.pack(f.n);
  pk.pack(static_cast<uint8_t>(f.op));
  pk.pack(f.epoch);
  pk.pack(f.inc);
  if (f.kind == frame_kind::element)
    pack_element(pk, out, f.elem);
  else
    pk.pack_nil();
  return std::move(out.bytes);
}

result<frame> decode(std::string_view bytes, std::shared_ptr<const void> owner) {
  try {
    // Limits first: a frame claiming a 4-billion-element array must not make us allocate for it.
    const msgpack::unpack_limit limit(/*array*/ 1u << 20, /*map*/ 0, /*str*/ 1u << 16, /*bin*/ 1u << 30,
                                      /*ext*/ 0, /*depth*/ 8);
    if (bytes.size() > (1u << 31))
      return error{"frame of " + std::to_string(bytes.size()) + " bytes is over the 2 GiB limit"};
    // Strings and binaries refer into `bytes` (valid while we decode) instead of being copied.
    auto refer = [](msgpack::type::object_type, std::size_t, void*) { return true; };
    auto handle = msgpack::unpack(bytes.data(), bytes.size(), refer, nullptr, limit);
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
    if (a.size != fields)
      return error{"frame has " + std::to_string(a.size) + " fields, expected " + std::to_string(fields)};
    frame f;
    auto kind = a.ptr[2].as<uint8_t>();
    if (kind < 1 || kind > 5)
      return error{"unknown frame kind " + std::to_string(kind)};
    f.kind = static_cast<frame_kind>(kind);
    f.gen = a.ptr[3].as<uint64_t>();
    f.to = {a.ptr[4].as<std::string>(), a.ptr[5].as<uint32_t>()};
    f.from = {a.ptr[6].as<std::string>(), a.ptr[7].as<uint32_t>()};
    f.channel = a.ptr[8].as<uint32_t>();
    f.edge = a.ptr[9].as<uint32_t>();
    f.dest = a.ptr[10].as<uint32_t>();
    f.n = a.ptr[11].as<uint32_t>();
    auto op = a.ptr[12].as<uint8_t>();
    if (kind == static_cast<uint8_t>(frame_kind::control) && !((op >= 1 && op <= 8) || (op >= 10 && op <= 14)))
      return error{"unknown control op " + std::to_string(op)};
    f.op = static_cast<control_op>(op);
    f.epoch = a.ptr[13].as<int64_t>();
    f.inc = a.ptr[14].as<uint64_t>();
    if (f.kind == frame_kind::element)
      f.elem = unpack_element(a.ptr[15], bytes, std::move(owner));
    return f;
  } catch (const std::exception& e) {
    return error{std::string{"undecodable frame: "} + e.what()};
  }
}

} // namespace sluice::link
