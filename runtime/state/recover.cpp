/// store::open_or_recover: a corrupt or lost live store is replaced by the newest good copy.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "state/rocks_error.hpp"
#include "state/store_impl.hpp"

namespace sluice::state {

namespace {

namespace fs = std::filesystem;

/// "20261124T093000Z": when a corrupt store was moved aside, in its new name.
std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

/// Renames `dir` to a fresh `<dir>.corrupt-<UTC time>[-n]`; returns the new name.
result<std::string> move_aside(const std::string& dir) {
  const std::string base = sibling(dir, ".corrupt-" + utc_stamp());
  std::string to = base;
  std::error_code ec;
  for (int n = 1; fs::exists(to, ec); ++n)
    to = base + "-" + std::to_string(n);
  fs::rename(dir, to, ec);
  if (ec)
    return store_error(dir, "moving the corrupt store aside to " + to, ec.message(),
                       "move it away yourself and restart; the retained copies in " + store::copies_dir(dir) +
                           " are then restored");
  return to;
}

/// Holds a store's LOCK file with an open-file-description lock: it conflicts with RocksDB's
/// lock, even one this process holds, and releasing it leaves RocksDB's alone.
class dir_lock {
public:
  dir_lock() = default;
  explicit dir_lock(int fd) : fd_(fd) {}
  dir_lock(dir_lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  dir_lock& operator=(dir_lock&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~dir_lock() {
    if (fd_ >= 0)
      ::close(fd_);
  }

private:
  int fd_ = -1;
};

result<dir_lock> lock_dir(const std::string& dir) {
  const std::string path = (fs::path(dir) / "LOCK").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return store_error(dir, "open", path + ": " + std::strerror(errno),
                       "give the sluice user read and write access to " + dir);
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    const int e = errno;
    ::close(fd);
    return store_error(dir, "open", "While lock file: " + path + ": " + std::strerror(e),
                       "another sluice process uses this state_dir: stop it or give each node its own state_dir");
  }
  return dir_lock{fd};
}

/// Removes a failed restore: `dir` held nothing else (open_or_recover moved any store aside).
void clear_restore(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec); // ignored: the next restore or the marker write reports a stuck directory
}

std::string describe(const copy_info& c) {
  return "copy #" + std::to_string(c.id) + " (epoch " + std::to_string(c.epoch) + ")";
}

/// No copy replaced the store: leave a marker so that no later start begins afresh silently.
error refuse(const std::string& dir, const recovery_report& r, const std::string& copies) {
  std::string what = r.moved_to.empty() ? "the store is LOST" : "the store is CORRUPT";
  what += " (" + r.problem + ") and no retained copy in " + copies + " restores it";
  for (auto& s : r.skipped)
    what += "; " + s;
  if (!r.moved_to.empty())
    what += "; the corrupt store was moved to " + r.moved_to;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ofstream(fs::path(dir) / moved_marker) << what << "\n";
  std::string todo = "refusing a silent fresh start: ";
  todo += r.moved_to.empty() ? "restore " + dir + " from elsewhere" : "move " + r.moved_to + " back to " + dir;
  todo += ", or delete " + dir + " and " + copies + " to start over (this loses the checkpoint)";
  return store_error(dir, "recovery", what, todo);
}

} // namespace

result<std::unique_ptr<store>> store::open_or_recover(const std::string& dir, recovery_report& out) {
  out = recovery_report{};
  std::error_code ec;
  const std::string copies = copies_dir(dir);
  open_checks checks;
  dir_lock lock;
  if (fs::exists(fs::path(dir) / "CURRENT", ec)) {
    // Verified read-only first, so that a corrupt store is moved aside exactly as found (a
    // read-write open replays and deletes logs); under the lock, so it is nobody else's.
    auto locked = lock_dir(dir);
    if (!locked)
      return locked.take_error();
    lock = std::move(*locked);
    bool verified = false;
    {
      store_options ro;
      ro.read_only = true;
      checks.verify_checksums = true;
      verified = bool(open_with_env(dir, ro, nullptr, &checks));
    }
    if (!checks.corrupt) {
      lock = dir_lock{}; // RocksDB takes it now
      // Verify here when the read-only open failed for another reason (a family added since).
      checks = open_checks{};
      checks.verify_checksums = !verified;
      auto live = open_with_env(dir, {}, nullptr, &checks);
      if (live || !checks.corrupt)
        return live; // a good store, or a failure that is not the store's (lock, permissions, space)
    }
    out.problem = checks.cause;
  } else {
    // A wiped or lost state_dir: its copies are the checkpoint. With none (a first start) or a
    // marker left by an earlier refusal, the plain open decides.
    auto found = list_copies(dir);
    if (!found)
      return found.take_error();
    if (found->empty() || fs::exists(fs::path(dir) / moved_marker, ec))
      return open_with_env(dir, {}, nullptr, &checks);
    out.problem = "there is no store (no CURRENT file), but " + copies + " holds retained copies";
  }
  const bool present = fs::exists(dir, ec);
  if (ec)
    return store_error(dir, "recovery", ec.message(), "give the sluice user access to " + dir);
  if (present && !fs::is_empty(dir, ec)) { // from here on `dir` holds nothing but what we restore
    auto moved = move_aside(dir);
    if (!moved)
      return moved.take_error();
    out.moved_to = *moved;
  }
  lock = dir_lock{}; // on the moved store's LOCK file
  auto found = list_copies(dir);
  if (!found)
    return found.take_error();
  for (auto it = found->rbegin(); it != found->rend(); ++it) {
    fs::create_directories(dir, ec);
    if (auto r = restore_copy(dir, it->id); !r) {
      out.skipped.push_back(describe(*it) + ": " + r.message());
      clear_restore(dir);
      continue;
    }
    open_checks again;
    again.verify_checksums = true;
    auto restored = open_with_env(dir, {}, nullptr, &again);
    if (!restored) {
      out.skipped.push_back(describe(*it) + ": restored, but " + restored.message());
      clear_restore(dir);
      continue;
    }
    out.recovered = true;
    out.restored = *it;
    out.restored.epoch = (*restored)->committed_epoch(); // the store's own word over the copy's tag
    return restored;
  }
  return refuse(dir, out, copies);
}

} // namespace sluice::state
