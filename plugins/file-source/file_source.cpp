/// file-source: reads a file line by line (validated NDJSON or raw lines), optionally following it
/// across appends, rotation and truncation.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.hpp"
#include "file-source/ndjson.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::file_source {

namespace {

constexpr size_t read_chunk = size_t{1} << 20;
/// How much of a line over max_record_bytes is kept as the dead letter's bytes.
constexpr size_t dead_prefix = 1024;

int64_t wall_clock_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

/// Which file a byte offset belongs to.
struct file_position {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t offset = 0;
};

} // namespace

/// Emits each line of `path` with its byte offset as the record position.
/// A line is never buffered past max_record_bytes: a longer one is skipped to
/// its newline and dead-lettered with its first KiB.
class file_source : public Source {
public:
  explicit file_source(context& c)
    : Source(c), path_(opts().get_string("path")), follow_(opts().get_bool("follow")),
      max_bytes_(static_cast<size_t>(std::max<int64_t>(1, opts().get_int("max_record_bytes", 1 << 20)))) {
    auto format = opts().get_string("format", "ndjson");
    if (format == "ndjson")
      validator_.emplace(max_bytes_);
    else if (format != "lines")
      throw stage_error{"format must be \"ndjson\" or \"lines\", not \"" + format + "\""};
    if (auto field = opts().get_string("event_time"); !field.empty()) {
      time_field_ = field;
      time_pointer_ = ndjson::pointer_of(field);
    }
    cap_ = read_chunk + max_bytes_ + 1;
    // Left uninitialised (pages are touched only as the file fills them) but for the padding.
    buf_.reset(new char[cap_ + simdjson::SIMDJSON_PADDING]);
    std::memset(buf_.get() + cap_, 0, simdjson::SIMDJSON_PADDING);
    if (!open_at(nullptr) && !follow_)
      throw stage_error{errno_text("cannot open", path_)};
  }

  ~file_source() override { close_file(); }

  poll_result poll(size_t max) override {
    if (done_)
      return poll_result::end;
    if (fd_ < 0 && !open_at(pending_ ? &*pending_ : nullptr))
      return poll_result::again; // following a file that does not exist yet
    now_ns_ = time_pointer_.empty() ? wall_clock_ns() : SLUICE_NO_TIME;
    size_t handled = 0;
    auto result = poll_result::more;
    while (handled < max) {
      if (take_line()) {
        ++handled;
        continue;
      }
      if (fill())
        continue;
      if (!follow_) {
        handled += finish_tail();
        done_ = true;
        result = poll_result::end;
        break;
      }
      if (!file_changed()) {
        result = handled > 0 ? poll_result::more : poll_result::again;
        break;
      }
    }
    flush_counters();
    return result;
  }

  std::string snapshot() override {
    auto p = position();
    return std::to_string(p.dev) + " " + std::to_string(p.ino) + " " + std::to_string(p.offset);
  }

  void restore(std::string_view bytes, uint32_t /*schema_version*/) override {
    if (bytes.empty())
      return;
    file_position p;
    unsigned long long dev = 0, ino = 0, offset = 0;
    std::string text{bytes};
    if (std::sscanf(text.c_str(), "%llu %llu %llu", &dev, &ino, &offset) != 3)
      throw stage_error{"file-source state is not \"device inode offset\": \"" + text + "\""};
    p.dev = dev;
    p.ino = ino;
    p.offset = offset;
    close_file();
    done_ = false;
    pending_ = p;
    if (!open_at(&p) && !follow_)
      throw stage_error{errno_text("cannot open", path_)};
  }

private:
  /// Where the next unconsumed line starts.
  file_position position() const {
    return {dev_, ino_, skipping_ ? skip_offset_ : pos_};
  }

  /// Opens the file at `path_`, at `saved` if it is the same file, else at 0. False if it cannot be opened.
  bool open_at(const file_position* saved) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      throw stage_error{errno_text("cannot stat", path_)};
    }
    close_file();
    fd_ = fd;
    dev_ = static_cast<uint64_t>(st.st_dev);
    ino_ = static_cast<uint64_t>(st.st_ino);
    uint64_t offset = 0;
    if (saved && saved->ino != 0) {
      if (saved->dev != dev_ || saved->ino != ino_)
        ctx().warn(path_ + " is not the file of the checkpoint (inode " + std::to_string(ino_) +
                   ", checkpoint has " + std::to_string(saved->ino) + "): reading it from the start");
      else if (static_cast<uint64_t>(st.st_size) < saved->offset)
        ctx().warn(path_ + " is shorter (" + std::to_string(st.st_size) + " bytes) than the checkpoint offset " +
                   std::to_string(saved->offset) + ": it was truncated, reading it from the start");
      else
        offset = saved->offset;
    }
    seek(offset);
    pending_.reset();
    return true;
  }

  void close_file() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Positions the open file at `offset` with an empty buffer.
  void seek(uint64_t offset) {
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
      throw stage_error{errno_text("cannot seek in", path_)};
    begin_ = end_ = 0;
    pos_ = offset;
    skipping_ = false;
  }

  void consume(size_t n) {
    begin_ += n;
    pos_ += n;
    if (begin_ == end_)
      begin_ = end_ = 0;
  }

  /// Reads more of the file behind what is buffered; false at its current end.
  bool fill() {
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    for (;;) {
      ssize_t n = ::read(fd_, buf_.get() + end_, std::min(read_chunk, cap_ - end_));
      if (n >= 0) {
        end_ += static_cast<size_t>(n);
        return n > 0;
      }
      if (errno != EINTR)
        throw stage_error{errno_text("cannot read", path_)};
    }
  }

  /// Consumes one complete line from the buffer; false if none is complete yet.
  bool take_line() {
    if (begin_ == end_)
      return false;
    const char* b = buf_.get() + begin_;
    size_t avail = end_ - begin_;
    auto nl = static_cast<const char*>(std::memchr(b, '\n', avail));
    if (skipping_) {
      size_t n = nl ? static_cast<size_t>(nl - b) : avail;
      skip_bytes_ += n;
      consume(nl ? n + 1 : n);
      if (!nl)
        return false;
      skipping_ = false;
      dead_letter(skip_prefix_, skip_offset_, ndjson::oversize_reason(skip_offset_, skip_bytes_, max_bytes_));
      return true;
    }
    if (!nl) {
      if (avail > max_bytes_) { // already too long: stop buffering it
        skipping_ = true;
        skip_offset_ = pos_;
        skip_bytes_ = avail;
        skip_prefix_.assign(b, std::min(avail, dead_prefix));
        consume(avail);
      }
      return false;
    }
    size_t len = static_cast<size_t>(nl - b);
    uint64_t offset = pos_;
    consume(len + 1); // the bytes stay in place until the next fill()
    handle({b, len}, offset);
    return true;
  }

  /// At the end of a file: the last line has no newline but is complete. Returns lines handled.
  size_t finish_tail() {
    if (skipping_) {
      skipping_ = false; // take_line() consumed everything read
      dead_letter(skip_prefix_, skip_offset_, ndjson::oversize_reason(skip_offset_, skip_bytes_, max_bytes_));
      return 1;
    }
    if (begin_ == end_)
      return 0;
    std::string_view rest{buf_.get() + begin_, end_ - begin_};
    uint64_t offset = pos_;
    consume(rest.size());
    handle(rest, offset);
    return 1;
  }

  /// Following, at the end of the file: true if it was rotated or truncated and reading goes on.
  bool file_changed() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 &&
        (static_cast<uint64_t>(st.st_dev) != dev_ || static_cast<uint64_t>(st.st_ino) != ino_)) {
      if (fill()) // written to the old file before it was replaced: finish that first
        return true;
      finish_tail();
      ctx().info(path_ + " was rotated: reading the new file from the start");
      ++rotations_;
      return open_at(nullptr);
    }
    struct stat cur {};
    uint64_t read_end = pos_ + (end_ - begin_);
    if (::fstat(fd_, &cur) == 0 && static_cast<uint64_t>(cur.st_size) < read_end) {
      ctx().warn(path_ + " was truncated to " + std::to_string(cur.st_size) + " bytes (read up to " +
                 std::to_string(read_end) + "): reading it again from the start");
      seek(0);
      return true;
    }
    return false;
  }

  /// Validates one line and emits it, or dead-letters it.
  void handle(std::string_view line, uint64_t offset) {
    int64_t t = now_ns_;
    if (validator_) {
      if (ndjson::is_blank(line)) {
        ++empty_;
        return;
      }
      // The line sits in buf_, which keeps SIMDJSON_PADDING readable bytes behind any line.
      if (auto why = validator_->check(line, offset, true))
        return dead_letter(line, offset, *why);
      if (!time_pointer_.empty())
        t = note_time(ndjson::event_time_at(validator_->root(), time_pointer_));
    } else {
      if (line.size() > max_bytes_)
        return dead_letter(line, offset, ndjson::oversize_reason(offset, line.size(), max_bytes_));
      if (!time_pointer_.empty())
        t = note_time(raw_line_time(line));
    }
    ctx().emit(line, t, offset);
    ++records_;
    bytes_ += line.size() + 1;
  }

  /// Event time of a `lines` record that happens to be JSON.
  std::optional<int64_t> raw_line_time(std::string_view line) {
    sluice_record r{};
    r.data = line.data();
    r.size = line.size();
    if (!reader_.open(record{r}))
      return std::nullopt;
    auto v = reader_.get(time_field_);
    return v ? event_time_of(*v) : std::nullopt;
  }

  int64_t note_time(std::optional<int64_t> t) {
    if (t)
      return *t;
    ++no_time_;
    return SLUICE_NO_TIME;
  }

  void dead_letter(std::string_view bytes, uint64_t offset, const std::string& why) {
    sluice_record r{};
    r.data = bytes.data();
    r.size = bytes.size() > max_bytes_ ? std::min(bytes.size(), dead_prefix) : bytes.size();
    r.event_time_ns = SLUICE_NO_TIME;
    r.position.offset = offset;
    ctx().dead_letter(r, why);
    ++bad_;
  }

  void flush_counters() {
    auto put = [this](const char* name, int64_t& n) {
      if (n != 0)
        ctx().count(name, n);
      n = 0;
    };
    put("records_read", records_);
    put("bytes_read", bytes_);
    put("bad_records", bad_);
    put("empty_lines", empty_);
    put("missing_event_time", no_time_);
    put("rotations", rotations_);
  }

  std::string path_;
  bool follow_;
  size_t max_bytes_;
  std::optional<ndjson::validator> validator_; ///< set for format = "ndjson"
  std::string time_field_, time_pointer_;      ///< empty: processing time
  field_reader reader_;

  int fd_ = -1;
  uint64_t dev_ = 0, ino_ = 0;
  std::optional<file_position> pending_; ///< restored position not applied yet (file missing)
  bool done_ = false;

  std::unique_ptr<char[]> buf_; ///< cap_ bytes plus SIMDJSON_PADDING
  size_t cap_ = 0;
  size_t begin_ = 0, end_ = 0; ///< unconsumed bytes
  uint64_t pos_ = 0;           ///< file offset of buf_[begin_]

  bool skipping_ = false; ///< inside a line over max_record_bytes
  uint64_t skip_offset_ = 0, skip_bytes_ = 0;
  std::string skip_prefix_;

  int64_t now_ns_ = SLUICE_NO_TIME;
  int64_t records_ = 0, bytes_ = 0, bad_ = 0, empty_ = 0, no_time_ = 0, rotations_ = 0;
};

} // namespace sluice::builtin::file_source

namespace {

const sluice_option_spec file_source_options[] = {
  {"path", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr, "file to read"},
  {"format", SLUICE_OPT_STRING, 0, "ndjson",
   "ndjson: each line must be one JSON object (others are dead-lettered); lines: any bytes"},
  {"follow", SLUICE_OPT_BOOL, 0, "false",
   "keep reading appended data at the end of the file, across rotation and truncation"},
  {"max_record_bytes", SLUICE_OPT_SIZE, 0, "1048576", "longer lines are dead-lettered"},
  {"event_time", SLUICE_OPT_STRING, 0, nullptr,
   "field holding the event time (RFC 3339 or epoch ms); unset: processing time"},
};

} // namespace

SLUICE_PLUGIN("file-source",
              sluice::stage<sluice::builtin::file_source::file_source>(
                "file-source", "1.0.0", file_source_options,
                {"reads NDJSON or text lines from a file, optionally following it"}));
