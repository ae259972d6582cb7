/// The receiving side of a stage instance: one queue per input channel,
/// barrier alignment, watermark merging, end of stream.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "flow/batch.hpp"

namespace sluice::flow {

/// Orders what arrives on N channels into what the stage handles next.
///
/// - data is taken round-robin from channels that are not blocked;
/// - a channel that delivered barrier e is blocked until every open channel
///   has delivered e; then one barrier e comes out (aligned snapshot);
/// - the watermark that comes out is the minimum over open channels;
/// - end of input comes out once, after every channel announced it (or ended);
/// - end of stream comes out once, after every channel ended.
/// Controls take no credit; each data element taken owes its channel one.
class input_set {
public:
  /// `aligned` false (at-least-once): a barrier blocks no channel; it comes
  /// out once every open channel delivered it, with no alignment wait.
  explicit input_set(size_t channels, bool aligned = true);

  struct item {
    element e;
    size_t channel; ///< for data: the channel to return one credit to
  };

  void push(size_t channel, element e);
  std::optional<item> next();

  size_t channels() const noexcept { return ch_.size(); }
  size_t queued_records() const noexcept { return queued_records_; }
  bool ended() const noexcept { return eos_emitted_; }
  /// True while a barrier is held waiting for other channels.
  bool aligning() const noexcept { return aligning_; }

private:
  struct channel {
    std::deque<element> q;
    bool eos = false;
    bool input_ended = false;
    bool blocked = false;
    int64_t wm = INT64_MIN;
  };
  std::optional<element> take_control(channel& c, element e);
  std::optional<element> merged_watermark();
  bool all_open_blocked() const;

  std::vector<channel> ch_;
  std::deque<element> ready_; ///< controls due after the one just returned
  bool aligned_ = true;
  size_t rr_ = 0;
  size_t queued_records_ = 0;
  bool aligning_ = false;
  int64_t barrier_epoch_ = 0;
  int64_t emitted_wm_ = INT64_MIN;
  bool eos_emitted_ = false;
  bool eoi_emitted_ = false;
  bool stopped_ = false; ///< some channel's end of input was a stop (see element::end_of_input)
};

} // namespace sluice::flow
