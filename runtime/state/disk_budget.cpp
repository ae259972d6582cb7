#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "state/store_impl.hpp"
#include "state/testing.hpp"

namespace sluice::state::testing {

namespace {

/// Takes `n` bytes from the budget, or none when fewer are left.
bool take(std::atomic<int64_t>& budget, size_t n) {
  int64_t left = budget.load();
  while (left >= static_cast<int64_t>(n))
    if (budget.compare_exchange_weak(left, left - static_cast<int64_t>(n)))
      return true;
  return false;
}

rocksdb::IOStatus no_space() { return rocksdb::IOStatus::NoSpace("No space left on device (injected)"); }

class budget_file final : public rocksdb::FSWritableFileOwnerWrapper {
public:
  budget_file(std::unique_ptr<rocksdb::FSWritableFile> f, disk_budget b)
      : FSWritableFileOwnerWrapper(std::move(f)), budget_(std::move(b)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o, rocksdb::IODebugContext* g) override {
    return take(*budget_, d.size()) ? target()->Append(d, o, g) : no_space();
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* g) override {
    return take(*budget_, d.size()) ? target()->Append(d, o, v, g) : no_space();
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t off, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* g) override {
    return take(*budget_, d.size()) ? target()->PositionedAppend(d, off, o, g) : no_space();
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t off, const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* g) override {
    return take(*budget_, d.size()) ? target()->PositionedAppend(d, off, o, v, g) : no_space();
  }

private:
  disk_budget budget_;
};

class budget_fs final : public rocksdb::FileSystemWrapper {
public:
  budget_fs(disk_budget b) : FileSystemWrapper(rocksdb::FileSystem::Default()), budget_(std::move(b)) {}

  const char* Name() const override { return "SluiceDiskBudget"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* g) override {
    return wrap(target()->NewWritableFile(f, o, r, g), r);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* g) override {
    return wrap(target()->ReopenWritableFile(f, o, r, g), r);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* g) override {
    return wrap(target()->ReuseWritableFile(f, old, o, r, g), r);
  }

private:
  rocksdb::IOStatus wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok())
      *r = std::make_unique<budget_file>(std::move(*r), budget_);
    return s;
  }

  disk_budget budget_;
};

} // namespace

result<std::unique_ptr<store>> open_with_disk_budget(const std::string& dir, disk_budget budget,
                                                     const store_options& opts) {
  std::shared_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(std::make_shared<budget_fs>(std::move(budget)));
  return open_with_env(dir, opts, std::move(env));
}

} // namespace sluice::state::testing
