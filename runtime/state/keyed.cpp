#include "state/keyed.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace sluice::state {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

/// The entry of `key` in a staged epoch's sorted writes, or nullptr.
const std::optional<std::string>* find(const keyed_writes& w, std::string_view key) {
  auto it = std::lower_bound(w.begin(), w.end(), key, [](const auto& e, std::string_view k) { return e.first < k; });
  return it != w.end() && it->first == key ? &it->second : nullptr;
}

} // namespace

keyed_state::keyed_state(std::shared_ptr<store> s, std::string ns) : store_(std::move(s)), ns_(std::move(ns)) {}

result<std::optional<std::string>> keyed_state::get(std::string_view key) const {
  if (auto it = overlay_.find(key); it != overlay_.end())
    return it->second;
  for (auto e = staged_.rbegin(); e != staged_.rend(); ++e)
    if (auto v = find(e->second, key))
      return *v;
  if (!store_)
    return std::optional<std::string>{};
  return store_->keyed_get(ns_, key);
}

void keyed_state::put(std::string_view key, std::string_view value) {
  auto it = overlay_.lower_bound(key);
  if (it != overlay_.end() && it->first == key)
    it->second = std::string{value};
  else
    overlay_.emplace_hint(it, std::string{key}, std::string{value});
}

void keyed_state::erase(std::string_view key) {
  if (!store_) {
    if (auto it = overlay_.find(key); it != overlay_.end())
      overlay_.erase(it);
    return;
  }
  // A tombstone: the key may live in a lower layer.
  auto it = overlay_.lower_bound(key);
  if (it != overlay_.end() && it->first == key)
    it->second.reset();
  else
    overlay_.emplace_hint(it, std::string{key}, std::nullopt);
}

status keyed_state::scan(std::string_view prefix, const visitor& visit) const {
  // The in-memory layers under `prefix`, merged oldest first so newer writes win.
  layer upper;
  for (auto& [epoch, writes] : staged_) {
    auto it = std::lower_bound(writes.begin(), writes.end(), prefix,
                               [](const auto& e, std::string_view p) { return e.first < p; });
    for (; it != writes.end() && starts_with(it->first, prefix); ++it)
      upper.insert_or_assign(it->first, it->second);
  }
  for (auto it = overlay_.lower_bound(prefix); it != overlay_.end() && starts_with(it->first, prefix); ++it)
    upper.insert_or_assign(it->first, it->second);

  auto next = upper.begin();
  bool go_on = true;
  // Visits the in-memory entries before `bound` (all of them for nullopt), skipping deletions.
  auto visit_upper = [&](std::optional<std::string_view> bound) {
    for (; go_on && next != upper.end() && (!bound || next->first < *bound); ++next)
      if (next->second)
        go_on = visit(next->first, *next->second);
  };
  if (store_) {
    auto st = store_->keyed_scan(ns_, prefix, [&](std::string_view k, std::string_view v) {
      visit_upper(k);
      if (!go_on)
        return false;
      if (next != upper.end() && next->first == k) { // shadowed by a newer write or deletion
        if (next->second)
          go_on = visit(next->first, *next->second);
        ++next;
        return go_on;
      }
      return go_on = visit(k, v);
    });
    if (st.failed())
      return st;
  }
  visit_upper(std::nullopt);
  return status::ok();
}

status keyed_state::stage(int64_t epoch) {
  if (!store_ || overlay_.empty())
    return status::ok();
  keyed_writes writes;
  writes.reserve(overlay_.size());
  for (auto& e : overlay_)
    writes.emplace_back(e.first, std::move(e.second));
  if (auto st = store_->stage_keyed(epoch, ns_, writes); st.failed()) {
    // The writes stay readable; the checkpoint fails and the node goes back to the last commit.
    for (auto& [k, v] : writes)
      overlay_[k] = std::move(v);
    return st;
  }
  overlay_.clear();
  staged_.emplace(epoch, std::move(writes));
  return status::ok();
}

void keyed_state::committed(int64_t epoch) {
  staged_.erase(staged_.begin(), staged_.upper_bound(epoch));
}

} // namespace sluice::state
