/// stdout-sink: writes each record's bytes and a newline to standard output.
#include <cerrno>
#include <cstring>
#include <string>

#include <unistd.h>

#include "sluice/sluice.hpp"

namespace sluice::builtin::stdout_sink {

/// Collects a batch in one buffer and hands it to write(2) at once, so a
/// batch costs one system call and lines of concurrent writers never interleave mid-line.
class stdout_sink : public Sink {
public:
  using Sink::Sink;

  void write(const batch& records) override {
    for (record r : records) {
      buf_.append(r.bytes());
      buf_ += '\n';
    }
    ctx().count("records_written", static_cast<int64_t>(records.size()));
    ctx().count("bytes_written", static_cast<int64_t>(buf_.size()));
    drain();
  }

  /// Each batch is already written; kept so a later buffering change stays correct.
  void flush() override { drain(); }
  void finish() override { drain(); }

private:
  void drain() {
    const char* p = buf_.data();
    size_t n = buf_.size();
    while (n > 0) {
      ssize_t w = ::write(STDOUT_FILENO, p, n);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        int err = errno;
        buf_.clear();
        throw stage_error{std::string{"cannot write to standard output: "} + std::strerror(err)};
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    buf_.clear();
  }

  std::string buf_;
};

} // namespace sluice::builtin::stdout_sink

SLUICE_PLUGIN("stdout-sink", sluice::stage<sluice::builtin::stdout_sink::stdout_sink>(
                               "stdout-sink", "1.0.0",
                               sluice::stage_extra{"writes records to standard output, one per line"}));
