/// One file the file sink is writing: a buffered dot-file, renamed when published;
/// and the file system steps of publishing and recovery.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::builtin::file_sink {

/// Appends NDJSON lines to `<dir>/.<name>.inprogress` through a large buffer
/// and write(2); publish() makes it durable and renames it to `<dir>/<name>`.
/// Errors throw sluice::stage_error naming the file.
class output_file {
public:
  static constexpr size_t default_buffer_size = 256 * 1024;

  /// Creates the in-progress file; fails if it exists (returns false, errno EEXIST)
  /// so a caller can pick the next sequence number. Other errors throw.
  bool open(const std::string& dir, const std::string& inprogress_name, const std::string& final_name,
            size_t buffer_size = default_buffer_size);
  /// Reopens an existing in-progress file to continue after `length` bytes:
  /// a longer file is truncated (and fsynced), a shorter one throws (data that
  /// was fsynced is gone). Returns false when the file does not exist.
  bool reopen(const std::string& dir, const std::string& inprogress_name, const std::string& final_name,
              uint64_t length, size_t buffer_size = default_buffer_size);
  output_file() = default;
  /// Closes without publishing: the dot-file stays behind as unfinished output.
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  /// Appends `bytes` and a newline.
  void append(std::string_view bytes);
  /// Writes the buffer out and fsyncs the file.
  void sync();
  /// sync(), close, rename to the final name and fsync the directory.
  void publish();
  /// sync() and close, keeping the in-progress name: publish_sealed() renames later.
  void seal();

  /// Bytes appended so far (buffered ones included).
  uint64_t size() const noexcept { return size_; }
  const std::string& final_path() const noexcept { return final_path_; }

private:
  void drain();
  void write_all(const char* p, size_t n);

  int fd_ = -1;
  std::string dir_, tmp_path_, final_path_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0, used_ = 0;
  uint64_t size_ = 0;
};

/// What publish_sealed() found.
enum class publish_outcome { published, already_published, missing };

/// Renames the closed `<dir>/<inprogress_name>` to `<final_name>` and fsyncs
/// the directory. Idempotent: when only the final name exists it reports
/// already_published, when neither does `missing`.
publish_outcome publish_sealed(const std::string& dir, const std::string& inprogress_name,
                               const std::string& final_name);

/// Takes a published file back for a restore: when `<dir>/<final_name>` holds
/// more than `length` bytes (what a checkpoint fsynced before it rolled), it is
/// renamed back to `<inprogress_name>` (directory fsynced) and true returned,
/// for output_file::reopen() to cut and continue it. False when it is missing or
/// holds exactly `length` bytes; throws when it holds fewer (committed data lost).
bool take_back(const std::string& dir, const std::string& final_name, const std::string& inprogress_name,
               uint64_t length);

/// Creates `dir` and its parents (like mkdir -p); throws stage_error on failure.
/// Appends each directory it created to `created` when given.
void make_dirs(const std::string& dir, std::vector<std::string>* created = nullptr);

/// fsyncs directory `dir` (its entries: created, renamed, removed files).
void fsync_dir(const std::string& dir);

/// A file of one template file name and instance found in a directory.
struct found_file {
  uint64_t seq = 0;
  bool in_progress = false; ///< the dot-file name; otherwise the published one
  int64_t mtime_ns = 0;     ///< last modification, ns since the epoch
};

/// What remove_files() deleted.
struct removed_files {
  size_t published = 0, in_progress = 0;
};

/// Deletes the regular files of template file name `name` and `instance` in
/// `dir` that `doomed` selects, then fsyncs `dir` so that the deletions are
/// durable before anything newer is written. A missing `dir` holds nothing.
/// Idempotent: running it again after a crash deletes what is left.
removed_files remove_files(const std::string& dir, std::string_view name, uint32_t instance,
                           const std::function<bool(const found_file&)>& doomed);

/// Now on the clock file timestamps are taken from (CLOCK_REALTIME_COARSE, which
/// Linux stamps files with): a file modified later has an mtime no smaller.
int64_t file_clock_now_ns();

/// Highest seq of files for template file name `name` and `instance` already in
/// `dir` (published or in progress), or nothing when there are none.
std::optional<uint64_t> max_existing_seq(const std::string& dir, std::string_view name, uint32_t instance);

} // namespace sluice::builtin::file_sink
