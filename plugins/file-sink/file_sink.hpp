/// file-sink: writes records as NDJSON files under a path template. Without
/// checkpoints a file is published (fsync + rename of a dot-file) when it rolls
/// or the stream ends; with checkpoints publishing is the commit of a two-phase
/// commit (Flink's StreamingFileSink): see README.md, "Delivery guarantee".
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json.hpp"
#include "file-sink/output_file.hpp"
#include "file-sink/path_template.hpp"
#include "sluice/sluice.hpp"

namespace sluice::builtin::file_sink {

class file_sink : public Sink {
public:
  explicit file_sink(context& c);
  ~file_sink() override = default;

  void write(const batch& records) override;
  /// Pre-commit: everything written so far reaches the disk, new directory
  /// entries included; under checkpoints nothing is published.
  void flush() override;
  /// Open files with their fsynced lengths, rolled files awaiting a commit,
  /// the next seq of every path written so far (sink_state.hpp).
  std::string snapshot() override;
  /// Publishes the files the oldest uncommitted snapshot listed as rolled.
  void on_commit(int64_t epoch) override;
  /// Recovers from a committed snapshot, possibly older than the latest one:
  /// removes this instance's files created after it (published ones too: their
  /// records are replayed), publishes what it had rolled, truncates its open
  /// files to their committed length (taking back one a later commit published)
  /// and continues them, and removes this instance's other in-progress files.
  void restore(std::string_view bytes, uint32_t schema_version) override;
  /// End of stream. Under checkpoints the host calls this after the final
  /// commit, so everything written is committed and is published now.
  void finish() override;

private:
  using steady = std::chrono::steady_clock;

  /// Everything known about one rendered path: its next seq and open file.
  /// Slots are never dropped (an evicted file's slot stays), so every snapshot
  /// can name every path written since the fresh start (see restore()).
  struct slot {
    std::string path; ///< the rendered template path, the key in slots_
    split_path where;
    bool scanned = false;
    bool known = false; ///< named by the restored snapshot, which has pruned it by seq
    uint64_t next_seq = 0;
    std::unique_ptr<output_file> file;
    uint64_t file_seq = 0; ///< seq of `file`
    steady::time_point opened_at;
    uint64_t last_used = 0;
  };

  /// A rolled file under checkpoints: closed and fsynced, published at commit.
  struct sealed {
    slot* where;
    uint64_t seq;
    uint64_t snapshot; ///< the first snapshot that listed it; 0: none yet
  };

  // Writing (file_sink.cpp).
  slot& slot_for(const record& r, int64_t wall_ns);
  slot& slot_at(const std::string& path);
  slot& new_slot(const std::string& path);
  void scan(slot& s);
  output_file& ensure_open(slot& s, steady::time_point now);
  slot* least_recently_used() const;
  std::unique_ptr<output_file> take_open(slot& s);
  void roll(slot& s);
  void publish(slot& s);
  void published(const std::string& path, uint64_t size);
  void roll_expired(steady::time_point now);

  // Checkpoints (checkpoint.cpp).
  size_t prune(const std::map<std::string, uint64_t>& first_new);
  bool reopen(slot& s, uint64_t seq, uint64_t length);
  void publish_one(slot& s, uint64_t seq);
  template <class Pred>
  void publish_sealed_files(Pred due);

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

  bool checkpointing_ = false; ///< the host checkpoints (or snapshot/restore was called): rolls wait for a commit
  bool restored_ = false;      ///< our in-progress files the checkpoint does not name are stale
  /// File-clock time the line of checkpoints began (sink_state::origin); 0: unknown.
  int64_t origin_ = 0;
  bool unsynced_ = false, written_since_snapshot_ = false;
  std::set<std::string> dirs_to_sync_; ///< directories with entries created since the last flush
  std::vector<sealed> sealed_;
  uint64_t snapshots_ = 0;
  std::deque<uint64_t> uncommitted_; ///< snapshots taken and not yet matched to a commit
  int64_t last_commit_ = 0;
};

} // namespace sluice::builtin::file_sink
