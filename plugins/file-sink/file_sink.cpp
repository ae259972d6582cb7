/// file-sink's write path: render, open, append, roll. Checkpoints: checkpoint.cpp.
#include "file-sink/file_sink.hpp"

#include <algorithm>
#include <optional>

#include "file-sink/sink_state.hpp"

namespace sluice::builtin::file_sink {

namespace {

constexpr size_t max_open_files = 64;

int64_t now_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

file_sink::file_sink(context& c)
  : Sink(c),
    roll_size_(static_cast<uint64_t>(opts().get_int("roll_size", 134217728))),
    roll_interval_(opts().get_duration("roll_interval", std::chrono::seconds{60})),
    instance_(c.instance_index()) {
  checkpointing_ = c.checkpoints(); // from the first record on, rolls wait for a commit
  origin_ = file_clock_now_ns();    // a fresh start, unless restore() says otherwise
  std::string error;
  auto t = path_template::parse(opts().get_string("path"), error);
  if (!t)
    throw stage_error{"option `path`: " + error};
  template_ = std::move(*t);
  if (roll_size_ == 0)
    roll_size_ = 1;
}

void file_sink::write(const batch& records) {
  auto wall = std::chrono::system_clock::now();
  auto now = steady::now();
  roll_expired(now);
  int64_t wall_ns = now_ns(wall);
  uint64_t bytes = 0;
  for (record r : records) {
    slot& s = slot_for(r, wall_ns);
    output_file& f = ensure_open(s, now);
    f.append(r.bytes());
    bytes += r.bytes().size() + 1;
    if (f.size() >= roll_size_)
      roll(s);
  }
  if (records.size() > 0)
    unsynced_ = written_since_snapshot_ = true;
  records_ += records.size();
  ctx().count("records_written", static_cast<int64_t>(records.size()));
  ctx().count("bytes_written", static_cast<int64_t>(bytes));
}

file_sink::slot& file_sink::slot_for(const record& r, int64_t wall_ns) {
  if (template_.is_constant()) {
    if (!last_)
      last_ = &new_slot(template_.text());
    return *last_;
  }
  template_.render(r, wall_ns, reader_, path_);
  if (last_ && path_ == last_path_)
    return *last_;
  last_ = &slot_at(path_);
  last_path_ = path_;
  return *last_;
}

file_sink::slot& file_sink::slot_at(const std::string& path) {
  auto it = slots_.find(path);
  return it != slots_.end() ? it->second : new_slot(path);
}

file_sink::slot& file_sink::new_slot(const std::string& path) {
  slot& s = slots_[path];
  s.path = path;
  s.where = split(path);
  return s;
}

/// First use of a path: create its directory, continue after the highest seq
/// there and, after a restore, remove our in-progress files that the
/// checkpoint does not name (they hold uncommitted data).
///
/// A path the restored snapshot does not know was first written after it: a
/// version 2 snapshot names every path written since the fresh start (origin_),
/// so our files there that are no older than that start were created after the
/// snapshot, published ones included, and their records are replayed. Files
/// older than origin_ belong to an earlier run (a fresh start on new state) and
/// stay. The template's directories come from record fields, so they cannot be
/// listed at restore: this happens when the sink first writes there again.
void file_sink::scan(slot& s) {
  std::vector<std::string> created;
  make_dirs(s.where.dir, &created);
  for (const auto& d : created) {
    dirs_to_sync_.insert(d);
    dirs_to_sync_.insert(split(d).dir);
  }
  if (restored_) {
    auto keep = s.file ? std::optional<uint64_t>{s.file_seq} : std::nullopt;
    bool unknown = !s.known && origin_ > 0;
    auto r = remove_files(s.where.dir, s.where.name, instance_, [&](const found_file& f) {
      return f.in_progress ? f.seq != keep : unknown && f.mtime_ns >= origin_;
    });
    if (r.in_progress)
      ctx().info("removed " + std::to_string(r.in_progress) + " uncommitted in-progress file(s) of " + s.path);
    if (r.published)
      ctx().warn("removed " + std::to_string(r.published) + " file(s) of " + s.path +
                 " published after the restored checkpoint: their records are replayed");
  }
  if (auto seq = max_existing_seq(s.where.dir, s.where.name, instance_))
    s.next_seq = std::max(s.next_seq, *seq + 1);
  s.scanned = true;
}

output_file& file_sink::ensure_open(slot& s, steady::time_point now) {
  s.last_used = ++tick_;
  if (s.file)
    return *s.file;
  if (open_.size() >= max_open_files)
    roll(*least_recently_used());
  if (!s.scanned)
    scan(s);
  auto f = std::make_unique<output_file>();
  // Another writer may have taken a name since the scan: skip to the next seq.
  while (!f->open(s.where.dir, inprogress_name(s.where.name, instance_, s.next_seq),
                  final_name(s.where.name, instance_, s.next_seq)))
    ++s.next_seq;
  s.file_seq = s.next_seq++;
  dirs_to_sync_.insert(s.where.dir);
  s.file = std::move(f);
  s.opened_at = now;
  open_.push_back(&s);
  return *s.file;
}

file_sink::slot* file_sink::least_recently_used() const {
  slot* lru = open_.front();
  for (slot* s : open_)
    if (s->last_used < lru->last_used)
      lru = s;
  return lru;
}

std::unique_ptr<output_file> file_sink::take_open(slot& s) {
  for (size_t i = 0; i < open_.size(); ++i)
    if (open_[i] == &s) {
      open_[i] = open_.back();
      open_.pop_back();
      break;
    }
  return std::move(s.file);
}

/// A file is full, old or least recently used: publish it now, or under
/// checkpoints close it and publish it when a checkpoint that lists it commits.
void file_sink::roll(slot& s) {
  if (!checkpointing_)
    return publish(s);
  take_open(s)->seal();
  sealed_.push_back({&s, s.file_seq, 0});
}

void file_sink::publish(slot& s) {
  std::unique_ptr<output_file> f = take_open(s);
  f->publish();
  published(f->final_path(), f->size());
}

void file_sink::published(const std::string& path, uint64_t size) {
  ++published_;
  ctx().count("files_published");
  ctx().debug("published " + path + (size ? " (" + std::to_string(size) + " bytes)" : ""));
}

void file_sink::roll_expired(steady::time_point now) {
  if (roll_interval_.count() <= 0)
    return;
  for (size_t i = open_.size(); i-- > 0;)
    if (i < open_.size() && now - open_[i]->opened_at >= roll_interval_)
      roll(*open_[i]);
}

namespace {

const sluice_option_spec file_sink_options[] = {
  {"path", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr,
   "file path template: {field}, {a.b}, {year} {month} {day} {hour}; e.g. out/c={category}/day={day}/part.ndjson"},
  {"roll_size", SLUICE_OPT_SIZE, 0, "134217728", "roll (publish) a file once it holds this many bytes"},
  {"roll_interval", SLUICE_OPT_DURATION, 0, "60s",
   "roll (publish) a file this long after it was opened (\"0s\": only on size or end of stream)"},
};

} // namespace

} // namespace sluice::builtin::file_sink

SLUICE_PLUGIN("file-sink",
              sluice::stage<sluice::builtin::file_sink::file_sink>(
                "file-sink", "1.1.0", sluice::builtin::file_sink::file_sink_options,
                {"writes NDJSON files under a path template; a file is published (renamed from "
                 ".name.inprogress) when it rolls or the stream ends, under checkpoints at the "
                 "commit after it rolls",
                 sluice::builtin::file_sink::state_schema_version}));
