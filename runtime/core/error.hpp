/// Errors as values: `status` for calls that return nothing, `result<T>` otherwise.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

/// A failure a user can act on: what went wrong, where, what to do.
struct error {
  std::string message;
};

/// Success or an error. Ignoring one is a compile warning.
class [[nodiscard]] status {
public:
  status() = default;
  status(error e) : err_(std::move(e)) {}
  static status ok() { return {}; }

  explicit operator bool() const noexcept { return !err_; }
  bool failed() const noexcept { return err_.has_value(); }
  const std::string& message() const noexcept { return err_->message; }
  /// Explicitly drops the outcome (greppable).
  void ignore() const noexcept {}

private:
  std::optional<error> err_;
};

/// A value or an error.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::move(value)) {}
  result(error e) : v_(std::move(e)) {}

  explicit operator bool() const noexcept { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const std::string& message() const { return std::get<1>(v_).message; }
  error take_error() { return std::move(std::get<1>(v_)); }

private:
  std::variant<T, error> v_;
};

} // namespace sluice
