/// One input channel of a stage instance seen from the instance: who sends on it, and the
/// credit owed back to that sender.
#pragma once

#include <algorithm>
#include <cstdint>

#include <caf/all.hpp>

#include "actors/links.hpp"
#include "actors/messages.hpp"

namespace sluice::actors {

class upstream {
public:
  upstream() = default;
  /// `who` said hello for its output edge `edge`, destination `dest`; on another node, `links`
  /// know it and credit goes straight to the link.
  upstream(caf::actor who, uint32_t edge, uint32_t dest, node_links* links)
    : who_(std::move(who)), edge_(edge), dest_(dest), links_(links),
      remote_(links ? links->remote_of(who_) : nullptr) {}

  /// Grants `n` batches.
  void credit(caf::event_based_actor* self, uint32_t n) {
    if (remote_)
      links_->send_credit(*remote_, edge_, dest_, n);
    else
      self->send(who_, credit_atom::value, edge_, dest_, n);
  }

  /// One more batch from it is through. Credit goes back in groups of half the `window` (one
  /// message, one frame on a link, instead of one per batch); less than a window is ever held
  /// back, so a sender whose batches are all through always has credit left.
  void through(caf::event_based_actor* self, uint32_t window) {
    if (++owed_ >= std::max<uint32_t>(1, (window + 1) / 2)) {
      credit(self, owed_);
      owed_ = 0;
    }
  }

private:
  caf::actor who_;
  uint32_t edge_ = 0, dest_ = 0;
  node_links* links_ = nullptr;
  remote_ptr remote_;
  uint32_t owed_ = 0; ///< batches taken but not yet credited back
};

} // namespace sluice::actors
