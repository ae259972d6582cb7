/// Retained copies of the store: RocksDB's BackupEngine in the sibling `<state_dir>-copies`.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include "state/rocks_error.hpp"
#include "state/store_impl.hpp"

namespace sluice::state {

namespace {

namespace fs = std::filesystem;

/// The engine's options must be the same every time it is opened on a directory: these are
/// the defaults (table files shared between copies, named by checksum; every file synced).
rocksdb::BackupEngineOptions engine_options(const std::string& copies) { return rocksdb::BackupEngineOptions(copies); }

int64_t epoch_of(const std::string& app_metadata) {
  if (app_metadata.empty() || app_metadata.size() > 18 ||
      !std::all_of(app_metadata.begin(), app_metadata.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0; // not written by make_copy; the restored store's own committed epoch is the truth
  return std::stoll(app_metadata);
}

/// Reads, verifies and restores; never writes to the copies (no clean-up of files a corrupt
/// copy might still need).
result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> open_reader(const std::string& dir, const std::string& copies) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  auto s = rocksdb::BackupEngineReadOnly::Open(engine_options(copies), rocksdb::Env::Default(), &raw);
  if (!s.ok())
    return rocks_error(dir, "opening the retained copies in " + copies, s);
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(raw);
}

} // namespace

std::string sibling(const std::string& dir, const std::string& suffix) {
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/')
    base.pop_back();
  return base + suffix;
}

std::string store::copies_dir(const std::string& dir) { return sibling(dir, "-copies"); }

status make_copy(rocksdb::DB& db, const std::string& dir, int64_t epoch, size_t keep) {
  const std::string copies = store::copies_dir(dir);
  const std::string op = "retaining a copy in " + copies;
  rocksdb::BackupEngine* raw = nullptr;
  auto s = rocksdb::BackupEngine::Open(engine_options(copies), rocksdb::Env::Default(), &raw);
  if (!s.ok())
    return rocks_error(dir, op + " (opening it)", s);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions o;
  o.flush_before_backup = true; // the copy then needs no WAL replay, and shares what it flushed
  s = engine->CreateNewBackupWithMetadata(o, &db, std::to_string(epoch));
  if (!s.ok())
    return rocks_error(dir, op, s);
  s = engine->PurgeOldBackups(static_cast<uint32_t>(std::clamp<size_t>(keep, 1, UINT32_MAX)));
  if (!s.ok())
    return rocks_error(dir, op + " (deleting old copies)", s);
  return status::ok();
}

result<std::vector<copy_info>> store::list_copies(const std::string& dir) {
  const std::string copies = copies_dir(dir);
  std::error_code ec;
  if (!fs::exists(fs::path(copies) / "meta", ec))
    return std::vector<copy_info>{};
  auto engine = open_reader(dir, copies);
  if (!engine)
    return engine.take_error();
  std::vector<rocksdb::BackupInfo> infos;
  (*engine)->GetBackupInfo(&infos);
  std::vector<copy_info> out;
  for (auto& i : infos)
    out.push_back({i.backup_id, epoch_of(i.app_metadata), i.timestamp, i.size});
  std::sort(out.begin(), out.end(), [](const copy_info& a, const copy_info& b) { return a.id < b.id; });
  return out;
}

status restore_copy(const std::string& dir, uint32_t id) {
  const std::string copies = store::copies_dir(dir);
  auto engine = open_reader(dir, copies);
  if (!engine)
    return engine.take_error();
  auto s = (*engine)->VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!s.ok())
    return error{"verifying it: " + s.ToString()};
  s = (*engine)->RestoreDBFromBackup(rocksdb::RestoreOptions{}, id, dir, dir);
  if (!s.ok())
    return error{"restoring it: " + s.ToString()};
  return status::ok();
}

} // namespace sluice::state
