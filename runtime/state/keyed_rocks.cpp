#include "state/keyed_rocks.hpp"

#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "state/codec.hpp"
#include "state/rocks_error.hpp"

namespace sluice::state::keyed_rocks {

rocksdb::Status stage(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* pending, int64_t epoch,
                      const std::string& ns, const keyed_writes& writes) {
  for (auto& [key, value] : writes)
    if (auto s = b.Put(pending, codec::keyed_pending_key(epoch, ns, key), codec::keyed_pending_value(value)); !s.ok())
      return s;
  return rocksdb::Status::OK();
}

rocksdb::Status apply(rocksdb::WriteBatch& b, rocksdb::ColumnFamilyHandle* keyed, rocksdb::ColumnFamilyHandle* pending,
                      const rocksdb::Slice& k, const rocksdb::Slice& v) {
  auto w = codec::decode_keyed_pending(k.ToStringView(), v.ToStringView());
  if (!w)
    return rocksdb::Status::Corruption("malformed pending keyed-state entry");
  // Pending is read in epoch order, so a later epoch's write of the same key wins in the batch.
  auto s = w->value ? b.Put(keyed, rocksdb::Slice(w->key.data(), w->key.size()),
                            rocksdb::Slice(w->value->data(), w->value->size()))
                    : b.Delete(keyed, rocksdb::Slice(w->key.data(), w->key.size()));
  return s.ok() ? b.Delete(pending, k) : s;
}

result<std::optional<std::string>> get(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* keyed, const std::string& path,
                                       const std::string& ns, std::string_view key) {
  std::string v;
  auto s = db.Get(rocksdb::ReadOptions{}, keyed, codec::keyed_key(ns, key), &v);
  if (s.IsNotFound())
    return std::optional<std::string>{};
  if (!s.ok())
    return rocks_error(path, "reading keyed state of " + ns, s);
  return std::optional<std::string>{std::move(v)};
}

status scan(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* keyed, const std::string& path, const std::string& ns,
            std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) {
  const std::string from = codec::keyed_key(ns, prefix);
  const size_t skip = from.size() - prefix.size(); // the namespace part of every key
  // An iterator reads one implicit snapshot: commits during the scan stay out of it.
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions{}, keyed));
  for (it->Seek(from); it->Valid() && it->key().starts_with(from); it->Next()) {
    auto k = it->key().ToStringView();
    if (!visit(k.substr(skip), it->value().ToStringView()))
      return status::ok();
  }
  if (!it->status().ok())
    return rocks_error(path, "scanning keyed state of " + ns, it->status());
  return status::ok();
}

} // namespace sluice::state::keyed_rocks
