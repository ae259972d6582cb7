/// Keyed state: an instance's own key-value map for state too large to snapshot.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "sluice/abi.h"
#include "sluice/error.hpp"

namespace sluice {

/// This instance's keyed state (`ctx().state()`): bytes to bytes, private to
/// the instance, checkpointed with it.
///
/// A write is visible to the next read at once. Under checkpoints it becomes
/// durable with the next checkpoint, and a restart sees exactly the state of
/// the checkpoint it resumes from, so snapshot() can leave it out. Without
/// checkpoints it is a map in memory. Every call throws stage_error when the
/// host fails (the reason is appended to the call's error message).
class keyed_state {
public:
  explicit keyed_state(const sluice_host* host) noexcept : host_(host) {}

  /// The value of `key`, if it has one.
  std::optional<std::string> get(std::string_view key) const {
    sluice_bytes out{};
    int rc = service(host_->state_get, "get")(host_->ctx, key.data(), key.size(), &out);
    if (rc < 0)
      throw stage_error{"keyed state: get failed"};
    if (rc == 0)
      return std::nullopt;
    return std::string{out.data ? out.data : "", out.size};
  }

  void put(std::string_view key, std::string_view value) {
    if (service(host_->state_put, "put")(host_->ctx, key.data(), key.size(), value.data(), value.size()) < 0)
      throw stage_error{"keyed state: put failed"};
  }

  /// Removes `key`; a missing key is no error.
  void erase(std::string_view key) {
    if (service(host_->state_delete, "erase")(host_->ctx, key.data(), key.size()) < 0)
      throw stage_error{"keyed state: erase failed"};
  }

  /// Calls `f(key, value)` (both std::string_view, valid during the call) for
  /// every key starting with `prefix`, in byte order, while it returns true.
  /// `f` may write; the scan still visits the state as it was when it began.
  template <class F>
  void scan(std::string_view prefix, F&& f) const {
    struct call {
      std::remove_reference_t<F>* f;
      std::exception_ptr thrown;
    } c{&f, nullptr};
    auto visit = [](void* user, const char* k, size_t ks, const char* v, size_t vs) -> int {
      auto* c = static_cast<call*>(user);
      try {
        return (*c->f)(std::string_view{k, ks}, std::string_view{v, vs}) ? 0 : 1;
      } catch (...) {
        c->thrown = std::current_exception(); // rethrown below, never across the C boundary
        return 1;
      }
    };
    int rc = service(host_->state_scan, "scan")(host_->ctx, prefix.data(), prefix.size(), &c, visit);
    if (c.thrown)
      std::rethrow_exception(c.thrown);
    if (rc < 0)
      throw stage_error{"keyed state: scan failed"};
  }

private:
  template <class Fn>
  static Fn service(Fn fn, const char* what) {
    if (!fn)
      throw stage_error{std::string{"keyed state: this host has no "} + what +
                        " service (it predates keyed state; run a newer sluice)"};
    return fn;
  }

  const sluice_host* host_;
};

} // namespace sluice
