/// Byte layout of the state store's keys and values (private to runtime/state).
///
/// "pending":        key = epoch (8 bytes, big-endian) + instance key,
///                   value = schema version (4 bytes, big-endian) + is_source (1 byte) + bytes.
/// "offsets"/"state": key = instance key, value = schema version (4 bytes, big-endian) + bytes.
/// "keyed":          key = keyed key = namespace size (4 bytes, big-endian) + namespace + user key,
///                   value = the user's bytes. The namespace is the instance key.
/// "pending" also holds keyed-state writes: key = epoch (8 bytes) + 0x00 + keyed key (an instance
/// key never starts with 0x00: stage names start with [A-Za-z0-9_]), value = 'p' + bytes for a
/// put, 'd' for a delete.
/// Big-endian epochs make RocksDB's bytewise order the epoch order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "state/store.hpp"

namespace sluice::state::codec {

inline void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline uint64_t get_be(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

/// The 8-byte prefix of epoch `e`'s pending keys; every key of epochs < e sorts before it.
inline std::string epoch_prefix(uint64_t e) {
  std::string out;
  put_be(out, e, 8);
  return out;
}

inline std::string pending_key(int64_t epoch, const std::string& key) {
  return epoch_prefix(static_cast<uint64_t>(epoch)) + key;
}

inline std::string pending_value(const instance_state& s, bool is_source) {
  std::string out;
  out.reserve(5 + s.bytes.size());
  put_be(out, s.schema_version, 4);
  out.push_back(is_source ? 1 : 0);
  out += s.bytes;
  return out;
}

inline std::string committed_value(const instance_state& s) {
  std::string out;
  out.reserve(4 + s.bytes.size());
  put_be(out, s.schema_version, 4);
  out += s.bytes;
  return out;
}

struct pending_entry {
  int64_t epoch = 0;
  std::string key;
  instance_state state;
  bool is_source = false;
};

/// nullopt when the key or value is too short to be ours.
inline std::optional<pending_entry> decode_pending(std::string_view key, std::string_view value) {
  if (key.size() < 8 || value.size() < 5)
    return std::nullopt;
  pending_entry e;
  e.epoch = static_cast<int64_t>(get_be(key, 8));
  e.key = std::string(key.substr(8));
  e.state.schema_version = static_cast<uint32_t>(get_be(value, 4));
  e.is_source = value[4] != 0;
  e.state.bytes = std::string(value.substr(5));
  return e;
}

inline std::optional<instance_state> decode_committed(std::string_view value) {
  if (value.size() < 4)
    return std::nullopt;
  return instance_state{std::string(value.substr(4)), static_cast<uint32_t>(get_be(value, 4))};
}

/// The "keyed" key of `key` in namespace `ns`; every key of `ns` starting with `key` starts with it.
inline std::string keyed_key(std::string_view ns, std::string_view key) {
  std::string out;
  out.reserve(4 + ns.size() + key.size());
  put_be(out, ns.size(), 4);
  out.append(ns);
  out.append(key);
  return out;
}

inline std::string keyed_pending_key(int64_t epoch, std::string_view ns, std::string_view key) {
  std::string out = epoch_prefix(static_cast<uint64_t>(epoch));
  out.push_back('\0');
  return out + keyed_key(ns, key);
}

/// Whether a "pending" key is a keyed-state write rather than an instance's state.
inline bool is_keyed_pending(std::string_view pending) { return pending.size() > 8 && pending[8] == '\0'; }

inline std::string keyed_pending_value(const std::optional<std::string>& value) {
  return value ? "p" + *value : std::string{"d"};
}

/// A keyed-state write read back from "pending": the "keyed" key and the value, nullopt to delete.
struct keyed_write {
  std::string_view key;
  std::optional<std::string_view> value;
};

/// nullopt when the entry is not a keyed-state write in our format.
inline std::optional<keyed_write> decode_keyed_pending(std::string_view key, std::string_view value) {
  if (!is_keyed_pending(key) || value.empty() || (value[0] != 'p' && value[0] != 'd'))
    return std::nullopt;
  keyed_write w{key.substr(9), std::nullopt};
  if (value[0] == 'p')
    w.value = value.substr(1);
  return w;
}

} // namespace sluice::state::codec
