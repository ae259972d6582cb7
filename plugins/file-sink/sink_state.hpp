/// The file sink's checkpoint state and its text encoding (schema version 2; 1 is read).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::builtin::file_sink {

/// Schema version of the bytes encode() writes. Version 1 (read, never written) listed
/// next seqs only for paths with an open or rolled file and had no `origin`.
inline constexpr uint32_t state_schema_version = 2;

/// What a checkpoint of one file sink instance must remember. Paths are
/// rendered template paths (`out/c=books/part.ndjson`); a file is named by its
/// path, the instance and its seq.
struct sink_state {
  /// A file of this instance: its path, seq and (open files) fsynced length.
  struct file {
    std::string path;
    uint64_t seq = 0;
    uint64_t length = 0;
  };
  /// The next seq to use for one rendered path.
  struct next_seq {
    std::string path;
    uint64_t seq = 0;
  };

  uint32_t instance = 0;
  int64_t last_commit = 0; ///< latest epoch on_commit() had seen (0: none); informative
  /// File-timestamp time (ns) at which this line of checkpoints began: the fresh start
  /// that the snapshot descends from through restores. 0: unknown (it descends from a
  /// version 1 snapshot), so `seqs` may miss paths written before.
  int64_t origin = 0;
  /// Every path this line of checkpoints has written (version 1: only those in `open`
  /// or `pending`) with the next seq it would use: files of the path with a higher or
  /// equal seq were created after the snapshot.
  std::vector<next_seq> seqs;
  std::vector<file> open;    ///< in-progress, to be truncated to `length` and continued
  std::vector<file> pending; ///< rolled, closed and fsynced; published at commit
};

/// Text lines: a header `file-sink-state 2`, then `instance I`, `commit E`, `origin T`,
/// `seq N <len>:<path>`, `open SEQ LENGTH <len>:<path>`, `pending SEQ <len>:<path>`.
/// Paths are length-prefixed, so any byte (a newline in a field value) survives.
std::string encode(const sink_state& s);

/// Parses bytes written by encode() under `schema_version` (1 or 2); throws
/// sluice::stage_error saying what is wrong.
sink_state decode(std::string_view bytes, uint32_t schema_version);

} // namespace sluice::builtin::file_sink
