#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/options.h>

#include "state/rocks_error.hpp"
#include "state/store_impl.hpp"

namespace sluice::state {

namespace {

namespace fs = std::filesystem;

/// The text of `dir`'s moved_marker, if it has one.
std::optional<std::string> read_marker(const std::string& dir) {
  std::ifstream in(fs::path(dir) / moved_marker);
  if (!in)
    return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

/// Opens and closes the store read-only with the families it has.
rocksdb::Status probe_read_only(const rocksdb::DBOptions& dbo, const std::string& dir,
                                const std::vector<std::string>& families) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : families)
    descs.emplace_back(n, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(dbo, dir, descs, &handles, &raw);
  if (!s.ok())
    return s;
  std::unique_ptr<rocksdb::DB> db(raw);
  for (auto* h : handles)
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError(); // a probe: only the open mattered
  return rocksdb::Status::OK();
}

} // namespace

result<std::unique_ptr<store>> open_with_env(const std::string& dir, const store_options& opts,
                                             std::shared_ptr<rocksdb::Env> env, open_checks* checks) {
  open_checks unused;
  open_checks& chk = checks ? *checks : unused;
  // What RocksDB reports as Corruption is the store's fault (open_or_recover restores a copy).
  auto fail = [&](std::string_view op, const rocksdb::Status& s) {
    chk.corrupt = s.IsCorruption();
    chk.cause = std::string(op) + ": " + s.ToString();
    return rocks_error(dir, op, s);
  };
  std::error_code ec;
  const bool exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (!exists) {
    if (auto moved = read_marker(dir))
      return store_error(dir, "open", "refusing a silent fresh start: " + *moved,
                         "move that store back, or delete " + dir + " to start over (this loses the checkpoint)");
    if (opts.read_only || !opts.create_if_missing)
      return store_error(dir, "open", "there is no state store here (no CURRENT file)",
                         "check state_dir, or run the node once to create the store");
    fs::create_directories(dir, ec);
    if (ec)
      return store_error(dir, "creating the directory", ec.message(),
                         "check that the path is writable by the sluice user");
  }

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = opts.create_if_missing;
  dbo.create_missing_column_families = true;
  dbo.paranoid_checks = true;
  dbo.keep_log_file_num = 5;
  // Table files carry a whole-file checksum, so a copy refuses to take in a corrupt one.
  dbo.file_checksum_gen_factory = rocksdb::GetFileChecksumGenCrc32cFactory();
  if (env)
    dbo.env = env.get();

  std::vector<std::string> names(std::begin(cf_names), std::end(cf_names));
  if (exists) {
    // RocksDB refuses to open read-write unless every family is named: keep ones a newer
    // sluice may have added.
    std::vector<std::string> found;
    auto s = rocksdb::DB::ListColumnFamilies(dbo, dir, &found);
    if (!s.ok())
      return fail("open (listing column families)", s);
    for (auto& n : found)
      if (std::find(names.begin(), names.end(), n) == names.end())
        names.push_back(n);
    if (opts.read_only)
      for (const char* n : cf_names)
        if (std::find(found.begin(), found.end(), n) == found.end()) {
          // Also what a damaged MANIFEST looks like: let RocksDB say so before advising.
          if (auto probe = probe_read_only(dbo, dir, found); !probe.ok())
            return fail("open read-only", probe);
          return store_error(dir, "open read-only", std::string("column family \"") + n + "\" is missing",
                             "open the store read-write once (start the node) to add it");
        }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (auto& n : names)
    descs.emplace_back(n, rocksdb::ColumnFamilyOptions{});

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = opts.read_only ? rocksdb::DB::OpenForReadOnly(dbo, dir, descs, &handles, &raw)
                          : rocksdb::DB::Open(dbo, dir, descs, &handles, &raw);
  if (!s.ok())
    return fail(opts.read_only ? "open read-only" : "open", s);
  // Families beyond ours are kept open (and closed) but unused.
  return adopt(dir, opts.read_only, std::move(env), std::unique_ptr<rocksdb::DB>(raw), std::move(handles), chk);
}

result<std::unique_ptr<store>> store::open(const std::string& dir, const store_options& opts) {
  return open_with_env(dir, opts, nullptr);
}

} // namespace sluice::state
