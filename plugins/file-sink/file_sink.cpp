/// file-sink: writes records as NDJSON files under a path template and
/// publishes each file (fsync + rename of a dot-file) when it rolls or the stream ends.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.hpp"
#include "file-sink/output_file.hpp"
#include "file-sink/path_template.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::file_sink {

namespace {

constexpr size_t max_open_files = 64;

int64_t now_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

class file_sink : public Sink {
public:
  explicit file_sink(context& c)
    : Sink(c),
      roll_size_(static_cast<uint64_t>(opts().get_int("roll_size", 134217728))),
      roll_interval_(opts().get_duration("roll_interval", std::chrono::seconds{60})),
      instance_(c.instance_index()) {
    std::string error;
    auto t = path_template::parse(opts().get_string("path"), error);
    if (!t)
      throw stage_error{"option `path`: " + error};
    template_ = std::move(*t);
    if (roll_size_ == 0)
      roll_size_ = 1;
  }

  ~file_sink() override = default;

  void write(const batch& records) override {
    auto wall = std::chrono::system_clock::now();
    auto steady = std::chrono::steady_clock::now();
    publish_expired(steady);
    int64_t wall_ns = now_ns(wall);
    uint64_t bytes = 0;
    for (record r : records) {
      slot& s = slot_for(r, wall_ns);
      output_file& f = ensure_open(s, steady);
      f.append(r.bytes());
      bytes += r.bytes().size() + 1;
      if (f.size() >= roll_size_)
        publish(s);
    }
    records_ += records.size();
    ctx().count("records_written", static_cast<int64_t>(records.size()));
    ctx().count("bytes_written", static_cast<int64_t>(bytes));
  }

  void flush() override {
    publish_expired(std::chrono::steady_clock::now());
    for (slot* s : open_)
      s->file->sync();
  }

  void finish() override {
    while (!open_.empty())
      publish(*open_.back());
    ctx().info("wrote " + std::to_string(records_) + " records to " + template_.root() + " (" +
               std::to_string(published_) + " files)");
  }

private:
  /// Everything known about one rendered path: its next seq and open file.
  struct slot {
    split_path where;
    bool scanned = false;
    uint64_t next_seq = 0;
    std::unique_ptr<output_file> file;
    std::chrono::steady_clock::time_point opened_at;
    uint64_t last_used = 0;
  };

  slot& slot_for(const record& r, int64_t wall_ns) {
    if (template_.is_constant()) {
      if (!last_)
        last_ = &new_slot(template_.text());
      return *last_;
    }
    template_.render(r, wall_ns, reader_, path_);
    if (last_ && path_ == last_path_)
      return *last_;
    auto it = slots_.find(path_);
    last_ = it != slots_.end() ? &it->second : &new_slot(path_);
    last_path_ = path_;
    return *last_;
  }

  slot& new_slot(const std::string& path) {
    slot& s = slots_[path];
    s.where = split(path);
    return s;
  }

  output_file& ensure_open(slot& s, std::chrono::steady_clock::time_point now) {
    s.last_used = ++tick_;
    if (s.file)
      return *s.file;
    if (open_.size() >= max_open_files)
      publish(*least_recently_used());
    if (!s.scanned) {
      make_dirs(s.where.dir);
      if (auto seq = max_existing_seq(s.where.dir, s.where.name, instance_))
        s.next_seq = *seq + 1;
      s.scanned = true;
    }
    auto f = std::make_unique<output_file>();
    // Another writer may have taken a name since the scan: skip to the next seq.
    while (!f->open(s.where.dir, inprogress_name(s.where.name, instance_, s.next_seq),
                    final_name(s.where.name, instance_, s.next_seq)))
      ++s.next_seq;
    ++s.next_seq;
    s.file = std::move(f);
    s.opened_at = now;
    open_.push_back(&s);
    return *s.file;
  }

  slot* least_recently_used() const {
    slot* lru = open_.front();
    for (slot* s : open_)
      if (s->last_used < lru->last_used)
        lru = s;
    return lru;
  }

  void publish(slot& s) {
    std::unique_ptr<output_file> f = std::move(s.file);
    for (size_t i = 0; i < open_.size(); ++i)
      if (open_[i] == &s) {
        open_[i] = open_.back();
        open_.pop_back();
        break;
      }
    f->publish();
    ++published_;
    ctx().count("files_published");
    ctx().debug("published " + f->final_path() + " (" + std::to_string(f->size()) + " bytes)");
  }

  void publish_expired(std::chrono::steady_clock::time_point now) {
    if (roll_interval_.count() <= 0)
      return;
    for (size_t i = open_.size(); i-- > 0;)
      if (i < open_.size() && now - open_[i]->opened_at >= roll_interval_)
        publish(*open_[i]);
  }

  path_template template_;
  uint64_t roll_size_;
  std::chrono::nanoseconds roll_interval_;
  uint32_t instance_;
  field_reader reader_;
  std::unordered_map<std::string, slot> slots_; // node-based: slot pointers stay valid
  std::vector<slot*> open_;
  slot* last_ = nullptr;
  std::string path_, last_path_;
  uint64_t tick_ = 0;
  uint64_t records_ = 0, published_ = 0;
};

namespace {

const sluice_option_spec file_sink_options[] = {
  {"path", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr,
   "file path template: {field}, {a.b}, {year} {month} {day} {hour}; e.g. out/c={category}/day={day}/part.ndjson"},
  {"roll_size", SLUICE_OPT_SIZE, 0, "134217728", "publish a file once it holds this many bytes"},
  {"roll_interval", SLUICE_OPT_DURATION, 0, "60s",
   "publish a file this long after it was opened (\"0s\": only on size or end of stream)"},
};

} // namespace

} // namespace sluice::builtin::file_sink

SLUICE_PLUGIN("file-sink",
              sluice::stage<sluice::builtin::file_sink::file_sink>(
                "file-sink", "1.0.0", sluice::builtin::file_sink::file_sink_options,
                {"writes NDJSON files under a path template; a file is published (renamed from "
                 ".name.inprogress) when it rolls or the stream ends"}));
