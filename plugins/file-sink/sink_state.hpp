/// The file sink's checkpoint state and its text encoding (schema version 1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::builtin::file_sink {

/// Schema version of the bytes encode() writes.
inline constexpr uint32_t state_schema_version = 1;

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
  std::vector<next_seq> seqs;
  std::vector<file> open;    ///< in-progress, to be truncated to `length` and continued
  std::vector<file> pending; ///< rolled, closed and fsynced; published at commit
};

/// Text lines: a header `file-sink-state 1`, then `instance I`, `commit E`,
/// `seq N <len>:<path>`, `open SEQ LENGTH <len>:<path>`, `pending SEQ <len>:<path>`.
/// Paths are length-prefixed, so any byte (a newline in a field value) survives.
std::string encode(const sink_state& s);

/// Parses bytes written by encode() under `schema_version`; throws
/// sluice::stage_error saying what is wrong.
sink_state decode(std::string_view bytes, uint32_t schema_version);

} // namespace sluice::builtin::file_sink
