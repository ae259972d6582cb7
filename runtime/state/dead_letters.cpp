#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "state/codec.hpp"
#include "state/dead_letter_rocks.hpp"
#include "state/rocks_error.hpp"

namespace sluice::state::dead_letter_rocks {

namespace {

constexpr char format_version = 1;

void put_str(std::string& out, std::string_view s) {
  codec::put_be(out, s.size(), 4);
  out.append(s);
}

std::string encode(const dead_letter& d) {
  std::string out(1, format_version);
  put_str(out, d.plugin);
  put_str(out, d.version);
  put_str(out, d.error);
  put_str(out, d.source);
  codec::put_be(out, d.attempts, 4);
  codec::put_be(out, d.partition, 4);
  codec::put_be(out, d.offset, 8);
  codec::put_be(out, static_cast<uint64_t>(d.time_ms), 8);
  put_str(out, d.bytes);
  return out;
}

/// Reads fields front to back; `ok` turns false at the first one that does not fit.
struct reader {
  std::string_view in;
  bool ok = true;
  uint64_t num(int bytes) {
    if (!ok || in.size() < static_cast<size_t>(bytes))
      return ok = false, 0;
    auto v = codec::get_be(in, bytes);
    in.remove_prefix(static_cast<size_t>(bytes));
    return v;
  }
  std::string str() {
    auto n = num(4);
    if (!ok || in.size() < n)
      return ok = false, std::string{};
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

} // namespace

/// The fields of a stored value into `d`; false if it is not in our format.
bool read_fields(std::string_view value, dead_letter& d) {
  if (value.empty() || value[0] != format_version)
    return false;
  reader r{value.substr(1)};
  d.plugin = r.str();
  d.version = r.str();
  d.error = r.str();
  d.source = r.str();
  d.attempts = static_cast<uint32_t>(r.num(4));
  d.partition = static_cast<uint32_t>(r.num(4));
  d.offset = r.num(8);
  d.time_ms = static_cast<int64_t>(r.num(8));
  d.bytes = r.str();
  return r.ok && r.in.empty();
}

namespace {

/// The entry stored under `key`; nullopt if either is not in our format.
std::optional<dead_letter> decode(std::string_view key, std::string_view value) {
  auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 13)
    return std::nullopt;
  dead_letter d;
  d.instance = std::string(key.substr(0, nul));
  d.id = d.instance + "/" + std::to_string(codec::get_be(key.substr(nul + 1), 8)) + "/" +
         std::to_string(codec::get_be(key.substr(nul + 9), 4));
  if (!read_fields(value, d))
    return std::nullopt;
  return d;
}

/// Calls `fn(key, value)` for every committed entry of `stage` (all when empty), in key order.
status each(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* dead, const std::string& path, const std::string& stage,
            const char* op, const std::function<rocksdb::Status(const rocksdb::Slice&, const rocksdb::Slice&)>& fn) {
  const std::string prefix = stage.empty() ? std::string{} : stage + "#";
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions{}, dead));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    if (auto s = fn(it->key(), it->value()); !s.ok())
      return rocks_error(path, op, s);
  if (!it->status().ok())
    return rocks_error(path, op, it->status());
  return status::ok();
}

} // namespace

rocksdb::Status stage(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* pending, int64_t epoch,
                      const std::string& instance, const std::vector<dead_letter>& entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string key = codec::epoch_prefix(static_cast<uint64_t>(epoch));
    key.push_back('\x01');
    key += instance;
    key.push_back('\0');
    codec::put_be(key, static_cast<uint64_t>(epoch), 8);
    codec::put_be(key, i, 4);
    if (auto s = b.Put(pending, key, encode(entries[i])); !s.ok())
      return s;
  }
  return rocksdb::Status::OK();
}

rocksdb::Status apply(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* dead, rocksdb::ColumnFamilyHandle* pending,
                      const rocksdb::Slice& k, const rocksdb::Slice& v) {
  if (!decode(k.ToStringView().substr(9), v.ToStringView()))
    return rocksdb::Status::Corruption("malformed pending dead letter");
  auto s = b.Put(dead, rocksdb::Slice(k.data() + 9, k.size() - 9), v);
  return s.ok() ? b.Delete(pending, k) : s;
}

result<std::vector<dead_letter>> list(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* dead, const std::string& path,
                                      const std::string& stage) {
  std::vector<dead_letter> out;
  auto st = each(db, dead, path, stage, "reading dead letters", [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    auto d = decode(k.ToStringView(), v.ToStringView());
    if (!d)
      return rocksdb::Status::Corruption("malformed dead letter");
    out.push_back(std::move(*d));
    return rocksdb::Status::OK();
  });
  if (st.failed())
    return error{st.message()};
  return out;
}

result<size_t> take(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* dead, rocksdb::ColumnFamilyHandle* keyed,
                    const std::string& path, const store::dead_letter_take& what, rocksdb::WriteBatch& b) {
  size_t n = 0;
  auto st = each(db, dead, path, what.stage, "taking dead letters", [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
    if (what.ids.empty() && !what.replay_into) { // a purge: even entries we cannot read go
      ++n;
      return b.Delete(dead, k);
    }
    auto d = decode(k.ToStringView(), v.ToStringView());
    if (!d)
      return rocksdb::Status::Corruption("malformed dead letter");
    if (!what.ids.empty() && std::find(what.ids.begin(), what.ids.end(), d->id) == what.ids.end())
      return rocksdb::Status::OK();
    ++n;
    if (what.replay_into)
      if (auto ns = what.replay_into(*d); !ns.empty())
        if (auto s = b.Put(keyed, codec::keyed_key(ns, d->id), v); !s.ok())
          return s;
    return b.Delete(dead, k);
  });
  if (st.failed())
    return error{st.message()};
  return n;
}

} // namespace sluice::state::dead_letter_rocks

namespace sluice::state {

std::optional<dead_letter> queued_dead_letter(std::string_view id, std::string_view value) {
  dead_letter d;
  d.id = std::string{id};
  d.instance = d.id.substr(0, d.id.find('/'));
  if (!dead_letter_rocks::read_fields(value, d))
    return std::nullopt;
  return d;
}

} // namespace sluice::state
