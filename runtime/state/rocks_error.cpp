#include "state/rocks_error.hpp"

#include "state/store.hpp"

namespace sluice::state {

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

/// RocksDB reports a held LOCK file as an IOError: "While lock file: <dir>/LOCK: ..." from
/// another process, "lock hold by current process" from this one.
bool is_lock_error(const rocksdb::Status& s, const std::string& text) {
  return s.IsIOError() && (contains(text, "While lock file") || contains(text, "lock hold by current process"));
}

std::string advice(const std::string& path, const rocksdb::Status& s) {
  const std::string text = s.ToString();
  if (is_lock_error(s, text))
    return "another sluice process uses this state_dir: stop it or give each node its own state_dir";
  if (s.IsCorruption())
    return corrupt_advice(path);
  if (s.IsIOError() && contains(text, "Permission denied"))
    return "give the sluice user read and write access to " + path;
  if (s.IsNoSpace() || s.IsIOError())
    return "free disk space under " + path + " and restart; the last committed checkpoint is intact";
  if (s.IsInvalidArgument() || s.IsNotSupported())
    return "check that state_dir points at a sluice state store";
  return "see " + path + "/LOG for details";
}

} // namespace

std::string corrupt_advice(const std::string& path) {
  return "the store is corrupt: restart the node, which moves it aside and restores the newest good copy "
         "from " + store::copies_dir(path);
}

error rocks_error(const std::string& path, std::string_view op, const rocksdb::Status& s) {
  return store_error(path, op, s.ToString(), advice(path, s));
}

error store_error(const std::string& path, std::string_view op, std::string_view what, std::string_view todo) {
  std::string m = "state store " + path + ": ";
  m += op;
  m += " failed: ";
  m += what;
  m += "; ";
  m += todo;
  return error{std::move(m)};
}

} // namespace sluice::state
