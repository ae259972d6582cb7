#include "file-sink/output_file.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "file-sink/path_template.hpp"
#include "sluice/context.hpp"

namespace sluice::builtin::file_sink {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw stage_error{what + " " + path + ": " + std::strerror(err)};
}

} // namespace

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail("cannot open directory", dir, errno);
  // Some file systems refuse fsync on a directory (EINVAL); the rename still happened.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(fd);
    fail("cannot fsync directory", dir, err);
  }
  ::close(fd);
}

bool output_file::open(const std::string& dir, const std::string& inprogress_name, const std::string& final_name,
                       size_t buffer_size) {
  dir_ = dir;
  tmp_path_ = dir + "/" + inprogress_name;
  final_path_ = dir + "/" + final_name;
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    if (errno == EEXIST)
      return false;
    fail("cannot create", tmp_path_, errno);
  }
  cap_ = buffer_size;
  buf_.reset(new char[cap_]);
  used_ = 0;
  size_ = 0;
  return true;
}

bool output_file::reopen(const std::string& dir, const std::string& inprogress_name, const std::string& final_name,
                         uint64_t length, size_t buffer_size) {
  dir_ = dir;
  tmp_path_ = dir + "/" + inprogress_name;
  final_path_ = dir + "/" + final_name;
  int fd = ::open(tmp_path_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return false;
    fail("cannot open", tmp_path_, errno);
  }
  fd_ = fd;
  struct stat st;
  if (::fstat(fd_, &st) != 0)
    fail("cannot stat", tmp_path_, errno);
  auto on_disk = static_cast<uint64_t>(st.st_size);
  if (on_disk < length)
    throw stage_error{"cannot restore " + tmp_path_ + ": it holds " + std::to_string(on_disk) +
                      " bytes but the committed checkpoint fsynced " + std::to_string(length) +
                      "; committed output was lost or the file was changed by someone else"};
  if (on_disk > length) {
    // The tail was written after the checkpoint: it is uncommitted, and will be written again.
    if (::ftruncate(fd_, static_cast<off_t>(length)) != 0)
      fail("cannot truncate", tmp_path_, errno);
    if (::fsync(fd_) != 0)
      fail("cannot fsync", tmp_path_, errno);
  }
  if (::lseek(fd_, static_cast<off_t>(length), SEEK_SET) < 0)
    fail("cannot seek in", tmp_path_, errno);
  cap_ = buffer_size;
  buf_.reset(new char[cap_]);
  used_ = 0;
  size_ = length;
  return true;
}

output_file::~output_file() {
  if (fd_ >= 0) {
    if (used_ > 0) {
      // Best effort: keep what was handed over in the unfinished dot-file.
      ssize_t ignored = ::write(fd_, buf_.get(), used_);
      (void)ignored;
    }
    ::close(fd_);
  }
}

void output_file::write_all(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      fail("cannot write", tmp_path_, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void output_file::drain() {
  if (used_ > 0)
    write_all(buf_.get(), used_);
  used_ = 0;
}

void output_file::append(std::string_view bytes) {
  size_t need = bytes.size() + 1;
  if (used_ + need > cap_) {
    drain();
    if (need > cap_) {
      // Larger than the buffer: one writev of the line and its newline.
      iovec iov[2] = {{const_cast<char*>(bytes.data()), bytes.size()}, {const_cast<char*>("\n"), 1}};
      ssize_t w = ::writev(fd_, iov, 2);
      if (w < 0 && errno != EINTR)
        fail("cannot write", tmp_path_, errno);
      size_t done = w < 0 ? 0 : static_cast<size_t>(w);
      if (done < bytes.size())
        write_all(bytes.data() + done, bytes.size() - done);
      if (done < need)
        write_all("\n", 1);
      size_ += need;
      return;
    }
  }
  std::memcpy(buf_.get() + used_, bytes.data(), bytes.size());
  buf_[used_ + bytes.size()] = '\n';
  used_ += need;
  size_ += need;
}

void output_file::sync() {
  drain();
  if (::fsync(fd_) != 0)
    fail("cannot fsync", tmp_path_, errno);
}

void output_file::seal() {
  sync();
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    fail("cannot close", tmp_path_, errno);
}

void output_file::publish() {
  seal();
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0)
    fail("cannot publish " + tmp_path_ + " as", final_path_, errno);
  fsync_dir(dir_);
}

publish_outcome publish_sealed(const std::string& dir, const std::string& inprogress_name,
                               const std::string& final_name) {
  std::string from = dir + "/" + inprogress_name, to = dir + "/" + final_name;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != ENOENT)
      fail("cannot publish " + from + " as", to, errno);
    struct stat st;
    return ::stat(to.c_str(), &st) == 0 ? publish_outcome::already_published : publish_outcome::missing;
  }
  fsync_dir(dir);
  return publish_outcome::published;
}

bool take_back(const std::string& dir, const std::string& final_name, const std::string& inprogress_name,
               uint64_t length) {
  std::string from = dir + "/" + final_name, to = dir + "/" + inprogress_name;
  struct stat st;
  if (::stat(from.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return false;
    fail("cannot stat", from, errno);
  }
  auto on_disk = static_cast<uint64_t>(st.st_size);
  if (on_disk < length)
    throw stage_error{"cannot restore " + from + ": it holds " + std::to_string(on_disk) +
                      " bytes but the committed checkpoint fsynced " + std::to_string(length) +
                      "; committed output was lost or the file was changed by someone else"};
  if (on_disk == length)
    return false;
  if (::rename(from.c_str(), to.c_str()) != 0)
    fail("cannot take back " + from + " as", to, errno);
  fsync_dir(dir);
  return true;
}

void make_dirs(const std::string& dir, std::vector<std::string>* created) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      fail("cannot use as a directory", dir, ENOTDIR);
    return;
  }
  size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0)
    make_dirs(dir.substr(0, slash), created);
  if (::mkdir(dir.c_str(), 0755) == 0) {
    if (created)
      created->push_back(dir);
  } else if (errno != EEXIST) {
    fail("cannot create directory", dir, errno);
  }
}

std::optional<uint64_t> max_existing_seq(const std::string& dir, std::string_view name, uint32_t instance) {
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    fail("cannot list directory", dir, errno);
  std::optional<uint64_t> best;
  while (dirent* e = ::readdir(d)) {
    if (auto seq = seq_of(e->d_name, name, instance); seq && (!best || *seq > *best))
      best = seq;
  }
  ::closedir(d);
  return best;
}

removed_files remove_files(const std::string& dir, std::string_view name, uint32_t instance,
                           const std::function<bool(const found_file&)>& doomed) {
  removed_files out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT)
      return out;
    fail("cannot list directory", dir, errno);
  }
  std::vector<std::pair<std::string, bool>> gone; // name, in progress
  while (dirent* e = ::readdir(d)) {
    auto seq = seq_of(e->d_name, name, instance);
    if (!seq)
      continue;
    found_file f;
    f.seq = *seq;
    f.in_progress = e->d_name == inprogress_name(name, instance, *seq);
    if (!f.in_progress && e->d_name != final_name(name, instance, *seq))
      continue; // `part-0-07.ndjson`: not a name this sink writes
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT)
        continue;
      int err = errno;
      ::closedir(d);
      fail("cannot stat", dir + "/" + e->d_name, err);
    }
    if (!S_ISREG(st.st_mode))
      continue;
    f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (doomed(f))
      gone.emplace_back(e->d_name, f.in_progress);
  }
  ::closedir(d);
  for (const auto& [n, in_progress] : gone) {
    std::string p = dir + "/" + n;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      fail("cannot remove", p, errno);
    ++(in_progress ? out.in_progress : out.published);
  }
  if (!gone.empty())
    fsync_dir(dir);
  return out;
}

int64_t file_clock_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace sluice::builtin::file_sink
