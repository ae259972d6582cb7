#include "actors/dead_letters.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/text.hpp"

namespace sluice::actors {

namespace {

constexpr size_t logged = 5;

} // namespace

dead_letter_log::dead_letter_log(std::shared_ptr<state::store> store, std::string instance, std::string stage,
                                 std::string plugin, std::string version)
  : store_(std::move(store)), instance_(std::move(instance)), stage_(std::move(stage)), plugin_(std::move(plugin)),
    version_(std::move(version)) {}

void dead_letter_log::add(const sluice_record& r, const char* reason, uint32_t attempts) {
  if (++count_ <= logged)
    spdlog::warn("[{}] dead letter: {} (record: {})", instance_, reason, text::printable({r.data, r.size}, 120));
  if (!store_)
    return;
  using namespace std::chrono;
  state::dead_letter d;
  d.plugin = plugin_;
  d.version = version_;
  d.error = reason;
  d.attempts = attempts;
  d.source = r.position.source ? r.position.source : stage_;
  d.partition = r.position.partition;
  d.offset = r.position.offset;
  d.time_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  d.bytes.assign(r.data, r.size);
  since_checkpoint_.push_back(std::move(d));
}

status dead_letter_log::stage(int64_t epoch) {
  if (!store_ || since_checkpoint_.empty())
    return status::ok();
  auto st = store_->stage_dead_letters(epoch, instance_, since_checkpoint_);
  since_checkpoint_.clear();
  return st;
}

void dead_letter_log::log_rest() const {
  if (count_ > logged)
    spdlog::warn("[{}] {} more dead letters not shown", instance_, count_ - logged);
}

} // namespace sluice::actors
