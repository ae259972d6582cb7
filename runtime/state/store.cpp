#include "state/store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include "state/codec.hpp"
#include "state/dead_letter_rocks.hpp"
#include "state/keyed_rocks.hpp"
#include "state/rocks_error.hpp"
#include "state/store_impl.hpp"

namespace sluice::state {

namespace {

constexpr const char* meta_committed_epoch = "committed_epoch";
constexpr const char* meta_committed_at_ms = "committed_at_ms";

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// A non-negative decimal; nullopt for anything else.
std::optional<int64_t> parse_decimal(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(s);
}

class rocks_store final : public store {
public:
  rocks_store(std::string path, bool read_only, std::shared_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db,
              std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : path_(std::move(path)), read_only_(read_only), env_(std::move(env)), db_(std::move(db)),
        handles_(std::move(handles)) {}

  ~rocks_store() override {
    for (auto* h : handles_)
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError(); // closing: nothing left to tell
    db_->Close().PermitUncheckedError(); // every commit was synced; an unsynced stage may be lost
  }

  /// Reads the committed epoch recorded in "meta" (called once by open); sets `corrupt` when
  /// the failure is the store's fault.
  status load(bool& corrupt) {
    auto e = meta_int(rocksdb::ReadOptions{}, meta_committed_epoch, &corrupt);
    if (!e)
      return e.take_error();
    committed_ = *e;
    return status::ok();
  }

  /// Reads every block of every table file against its checksum.
  rocksdb::Status verify() const { return db_->VerifyChecksum(); }

  int64_t committed_epoch() const override {
    std::lock_guard lock(mu_);
    return committed_;
  }

  /// Not synced: a crash may lose a staged entry, which only matters before its epoch commits,
  /// and commit's synced batch makes everything written before it durable with it (one WAL).
  status stage(int64_t epoch, const std::string& key, const instance_state& s, bool is_source) override {
    std::lock_guard lock(mu_);
    if (auto st = stageable("stage", epoch); !st)
      return st;
    return write("stage", [&](rocksdb::WriteBatch& b) {
      return b.Put(handles_[cf_pending], codec::pending_key(epoch, key), codec::pending_value(s, is_source));
    }, false);
  }

  status commit(int64_t epoch) override {
    std::lock_guard lock(mu_);
    if (auto st = writable("commit"); !st)
      return st;
    if (epoch <= committed_)
      return status::ok(); // already committed: recovery and retried notifications repeat commits
    rocksdb::WriteBatch batch;
    const std::string upper = codec::epoch_prefix(static_cast<uint64_t>(epoch) + 1);
    auto scanned = scan(rocksdb::ReadOptions{}, cf_pending, {}, upper, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      if (codec::is_keyed_pending(k.ToStringView()))
        return keyed_rocks::apply(batch, handles_[cf_keyed], handles_[cf_pending], k, v);
      if (dead_letter_rocks::is_pending(k.ToStringView()))
        return dead_letter_rocks::apply(batch, handles_[cf_dead_letters], handles_[cf_pending], k, v);
      auto e = codec::decode_pending(k.ToStringView(), v.ToStringView());
      if (!e)
        return rocksdb::Status::Corruption("malformed pending entry");
      // Epoch order, so a later epoch's state of the same key wins within the batch.
      auto* to = handles_[e->is_source ? cf_offsets : cf_state];
      auto* other = handles_[e->is_source ? cf_state : cf_offsets];
      auto s = batch.Put(to, e->key, codec::committed_value(e->state));
      if (s.ok())
        s = batch.Delete(other, e->key); // a key lives in one family, so state_of is unambiguous
      if (s.ok())
        s = batch.Delete(handles_[cf_pending], k);
      return s;
    });
    if (!scanned)
      return rocks_error(path_, "commit (reading pending)", scanned.code);
    auto st = write("commit", [&](rocksdb::WriteBatch& b) {
      auto s = b.Put(handles_[cf_meta], meta_committed_epoch, std::to_string(epoch));
      if (s.ok())
        s = b.Put(handles_[cf_meta], meta_committed_at_ms, std::to_string(now_ms()));
      return s;
    }, true, &batch);
    if (st)
      committed_ = epoch;
    return st;
  }

  status drop_uncommitted() override {
    std::lock_guard lock(mu_);
    if (auto st = writable("drop_uncommitted"); !st)
      return st;
    rocksdb::WriteBatch batch;
    auto scanned = scan(rocksdb::ReadOptions{}, cf_pending, codec::epoch_prefix(static_cast<uint64_t>(committed_) + 1), {},
                        [&](const rocksdb::Slice& k, const rocksdb::Slice&) { return batch.Delete(handles_[cf_pending], k); });
    if (!scanned)
      return rocks_error(path_, "drop_uncommitted (reading pending)", scanned.code);
    if (batch.Count() == 0)
      return status::ok();
    return write("drop_uncommitted", [](rocksdb::WriteBatch&) { return rocksdb::Status::OK(); }, true, &batch);
  }

  result<std::optional<instance_state>> state_of(const std::string& key) const override {
    for (cf_id cf : {cf_offsets, cf_state}) {
      std::string v;
      auto s = db_->Get(rocksdb::ReadOptions{}, handles_[cf], key, &v);
      if (s.IsNotFound())
        continue;
      if (!s.ok())
        return rocks_error(path_, "reading the state of " + key, s);
      auto d = codec::decode_committed(v);
      if (!d)
        return store_error(path_, "reading the state of " + key, "value shorter than its schema version",
                           corrupt_advice(path_));
      return std::optional<instance_state>{std::move(*d)};
    }
    return std::optional<instance_state>{};
  }

  result<std::vector<epoch_info>> epochs() const override {
    snapshot_reads snap(db_.get(), read_only_);
    std::vector<epoch_info> out;
    auto committed = meta_int(snap.ro, meta_committed_epoch);
    if (!committed)
      return committed.take_error();
    if (*committed > 0) {
      auto at = meta_int(snap.ro, meta_committed_at_ms);
      if (!at)
        return at.take_error();
      auto states = committed_states_at(snap.ro);
      if (!states)
        return states.take_error();
      epoch_info e{*committed, true, *at, states->size(), 0};
      for (auto& [k, s] : *states)
        e.bytes += s.bytes.size();
      out.push_back(e);
    }
    std::map<int64_t, epoch_info> pending;
    auto scanned = scan(snap.ro, cf_pending, {}, {}, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
      if (codec::is_keyed_pending(k.ToStringView()) || dead_letter_rocks::is_pending(k.ToStringView())) {
        auto epoch = static_cast<int64_t>(codec::get_be(k.ToStringView(), 8));
        pending[epoch].epoch = epoch;
        pending[epoch].bytes += v.size();
        return rocksdb::Status::OK();
      }
      auto d = codec::decode_pending(k.ToStringView(), v.ToStringView());
      if (!d)
        return rocksdb::Status::Corruption("malformed pending entry");
      auto& e = pending[d->epoch];
      e.epoch = d->epoch;
      e.instances++;
      e.bytes += d->state.bytes.size();
      return rocksdb::Status::OK();
    });
    if (!scanned)
      return rocks_error(path_, "listing epochs", scanned.code);
    for (auto& [epoch, e] : pending)
      out.push_back(e);
    std::stable_sort(out.begin(), out.end(), [](const epoch_info& a, const epoch_info& b) { return a.epoch < b.epoch; });
    return out;
  }

  result<std::vector<std::pair<std::string, instance_state>>> committed_states() const override {
    snapshot_reads snap(db_.get(), read_only_);
    return committed_states_at(snap.ro);
  }

  result<std::string> meta(const std::string& key) const override {
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions{}, handles_[cf_meta], key, &v);
    if (s.IsNotFound())
      return std::string{};
    if (!s.ok())
      return rocks_error(path_, "reading meta " + key, s);
    return v;
  }

  status set_meta(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    if (auto st = writable("set_meta"); !st)
      return st;
    if (key == meta_committed_epoch || key == meta_committed_at_ms)
      return store_error(path_, "set_meta", "\"" + key + "\" is written only by commit", "use another meta key");
    return write("set_meta", [&](rocksdb::WriteBatch& b) { return b.Put(handles_[cf_meta], key, value); }, true);
  }

  status retain_copy(size_t keep) override {
    std::lock_guard lock(mu_); // no commit while copying: the copy's epoch tag stays true
    if (auto st = writable("retain_copy"); !st)
      return st;
    return make_copy(*db_, path_, committed_, keep);
  }

  const std::string& path() const override { return path_; }

  /// Not synced, like stage().
  status stage_keyed(int64_t epoch, const std::string& ns, const keyed_writes& writes) override {
    std::lock_guard lock(mu_);
    if (auto st = stageable("stage_keyed", epoch); !st)
      return st;
    return write("stage_keyed", [&](rocksdb::WriteBatch& b) {
      return keyed_rocks::stage(b, handles_[cf_pending], epoch, ns, writes);
    }, false);
  }

  result<std::optional<std::string>> keyed_get(const std::string& ns, std::string_view key) const override {
    return keyed_rocks::get(*db_, handles_[cf_keyed], path_, ns, key);
  }

  status keyed_scan(const std::string& ns, std::string_view prefix,
                    const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    return keyed_rocks::scan(*db_, handles_[cf_keyed], path_, ns, prefix, visit);
  }

  status stage_dead_letters(int64_t epoch, const std::string& instance, const std::vector<dead_letter>& d) override {
    std::lock_guard lock(mu_);
    if (auto st = stageable("stage_dead_letters", epoch); !st)
      return st;
    return write("stage_dead_letters", [&](auto& b) { return dead_letter_rocks::stage(b, handles_[cf_pending], epoch,
                                                                                       instance, d); }, false);
  }
  result<std::vector<dead_letter>> dead_letters(const std::string& stage) const override {
    return dead_letter_rocks::list(*db_, handles_[cf_dead_letters], path_, stage);
  }
  result<size_t> take_dead_letters(const dead_letter_take& what) override {
    std::lock_guard lock(mu_);
    rocksdb::WriteBatch batch;
    auto may = writable("take_dead_letters"); // the scan's error, if any, comes back as `found`
    auto found = may ? dead_letter_rocks::take(*db_, handles_[cf_dead_letters], handles_[cf_keyed], path_, what, batch)
                     : error{may.message()};
    if (auto st = found ? write("take_dead_letters", [](auto&) { return rocksdb::Status::OK(); }, true, &batch) : may; !st)
      return error{st.message()};
    return found;
  }

private:
  /// Reads at one snapshot, so a concurrent commit is seen whole or not at all. A read-only DB
  /// never changes, so it needs none.
  struct snapshot_reads {
    snapshot_reads(rocksdb::DB* db, bool read_only) {
      if (!read_only) {
        snap.emplace(db);
        ro.snapshot = snap->snapshot();
      }
    }
    std::optional<rocksdb::ManagedSnapshot> snap;
    rocksdb::ReadOptions ro;
  };

  struct scan_result {
    rocksdb::Status code;
    explicit operator bool() const { return code.ok(); }
  };

  /// Calls `fn(key, value)` for keys in [lower, upper) of `cf` (empty bound: open); stops at the
  /// first non-ok status `fn` returns.
  template <class Fn>
  scan_result scan(rocksdb::ReadOptions ro, cf_id cf, const std::string& lower, const std::string& upper, Fn&& fn) const {
    rocksdb::Slice upper_slice(upper);
    if (!upper.empty())
      ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[cf]));
    for (lower.empty() ? it->SeekToFirst() : it->Seek(lower); it->Valid(); it->Next())
      if (auto s = fn(it->key(), it->value()); !s.ok())
        return {s};
    return {it->status()};
  }

  result<std::vector<std::pair<std::string, instance_state>>> committed_states_at(const rocksdb::ReadOptions& ro) const {
    std::vector<std::pair<std::string, instance_state>> out;
    for (cf_id cf : {cf_offsets, cf_state}) {
      auto scanned = scan(ro, cf, {}, {}, [&](const rocksdb::Slice& k, const rocksdb::Slice& v) {
        auto d = codec::decode_committed(v.ToStringView());
        if (!d)
          return rocksdb::Status::Corruption("value of " + k.ToString() + " shorter than its schema version");
        out.emplace_back(k.ToString(), std::move(*d));
        return rocksdb::Status::OK();
      });
      if (!scanned)
        return rocks_error(path_, "reading committed state", scanned.code);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

  /// A meta value written as a decimal; 0 when unset. Sets `*corrupt` when the store is.
  result<int64_t> meta_int(const rocksdb::ReadOptions& ro, const char* key, bool* corrupt = nullptr) const {
    std::string v;
    auto s = db_->Get(ro, handles_[cf_meta], key, &v);
    if (s.IsNotFound())
      return int64_t{0};
    auto n = s.ok() ? parse_decimal(v) : std::nullopt;
    if (corrupt && !n)
      *corrupt = s.ok() || s.IsCorruption();
    if (!s.ok())
      return rocks_error(path_, std::string("reading meta ") + key, s);
    if (!n)
      return store_error(path_, std::string("reading meta ") + key, "not a decimal number", corrupt_advice(path_));
    return *n;
  }

  /// Whether a write may start: not read-only, no earlier write failed. Holds mu_.
  status writable(const char* op) const {
    if (read_only_)
      return store_error(path_, op, "the store is open read-only", "open it read-write (only the node does)");
    if (failed_)
      return *failed_;
    return status::ok();
  }

  /// Whether state for `epoch` may be staged: writable and the epoch still open. Holds mu_.
  status stageable(const char* op, int64_t epoch) const {
    if (auto st = writable(op); !st)
      return st;
    if (epoch <= committed_)
      return store_error(path_, op, "epoch " + std::to_string(epoch) + " is not after the committed epoch " +
                         std::to_string(committed_), "stage state only for epochs that are still open");
    return status::ok();
  }

  /// Adds `fill` to `batch` (or a fresh one) and writes it; a failure fails the store. Holds mu_.
  template <class Fill>
  status write(const char* op, Fill&& fill, bool sync, rocksdb::WriteBatch* batch = nullptr) {
    rocksdb::WriteBatch own;
    rocksdb::WriteBatch& b = batch ? *batch : own;
    auto s = fill(b);
    if (s.ok()) {
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      s = db_->Write(wo, &b);
    }
    if (s.ok())
      return status::ok();
    // RocksDB may have switched to read-only after this; report the first cause every time.
    failed_ = rocks_error(path_, op, s);
    return *failed_;
  }

  std::string path_;
  bool read_only_;
  std::shared_ptr<rocksdb::Env> env_; // outlives db_ (declared before it)
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_; // indexed by cf_id
  mutable std::mutex mu_;                            // writes, committed_, failed_
  int64_t committed_ = 0;
  std::optional<error> failed_;
};

} // namespace

result<std::unique_ptr<store>> adopt(const std::string& dir, bool read_only, std::shared_ptr<rocksdb::Env> env,
                                     std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                                     open_checks& checks) {
  auto st = std::make_unique<rocks_store>(dir, read_only, std::move(env), std::move(db), std::move(handles));
  if (auto loaded = st->load(checks.corrupt); !loaded) {
    checks.cause = loaded.message();
    return error{loaded.message()};
  }
  if (checks.verify_checksums)
    if (auto v = st->verify(); !v.ok()) {
      checks.corrupt = v.IsCorruption();
      checks.cause = "verifying checksums: " + v.ToString();
      return rocks_error(dir, "verifying checksums", v);
    }
  return std::unique_ptr<store>(std::move(st));
}

} // namespace sluice::state
