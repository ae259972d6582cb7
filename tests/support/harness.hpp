/// Test harness: runs one stage through the real loader and host services.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/pipeline.hpp"
#include "flow/batch.hpp"
#include "plugin/instance.hpp"
#include "plugin/loader.hpp"

namespace sluice::test {

/// One emitted record, copied.
struct emitted {
  uint32_t port;
  std::string bytes;
  int64_t event_time;
  uint64_t offset;
};

/// Loads `plugin` (a built-in name or a path) via SLUICE_PLUGIN_PATH, binds
/// the options written as TOML lines (`where = "x == 1"`), creates instance
/// `index` of `count`, and records what it emits and dead-letters. With `store`, keyed state
/// has its committed layer there (pass SLUICE_HOST_CHECKPOINTS too).
class harness : public plugin::emitter {
public:
  harness(const std::string& plugin, const std::string& toml_options, uint32_t index = 0,
          uint32_t count = 1, uint32_t host_flags = 0, std::shared_ptr<state::store> store = nullptr);

  /// Errors from loading, option binding or create(); empty when all went well.
  const std::string& setup_error() const { return setup_error_; }
  plugin::instance& stage() { return *instance_; }

  /// Transform/sink: processes the given lines as one batch.
  status process(const std::vector<std::string>& lines, int64_t event_time = SLUICE_NO_TIME);
  /// Source: polls until END (or `max_polls`); returns the final poll code or -1 on error.
  int drain(size_t max_per_poll = 512, size_t max_polls = 1000000);

  std::vector<emitted> out;
  std::vector<std::pair<std::string, std::string>> dead; ///< bytes, reason
  std::vector<std::string> out_bytes(uint32_t port = 0) const;

  void emit(uint32_t port, const sluice_record& r) override;
  void dead_letter(const sluice_record& r, const char* reason) override;

private:
  std::string setup_error_;
  std::unique_ptr<plugin::registry> registry_;
  std::shared_ptr<config::pipeline> pipeline_;
  std::unique_ptr<plugin::instance> instance_;
};

} // namespace sluice::test
