/// W1 orders: the deterministic NDJSON workload shared by the generator plugin,
/// the tests and the `w1gen` benchmark tool. Header-only, no dependencies.
///
///   {"id":0,"ts":"2026-01-01T00:00:00.000Z","category":"cat03","status":"active","amount":123.45,"user":"u0042"}
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::builtin::w1 {

/// 2026-01-01T00:00:00Z in milliseconds since the epoch: the `ts` of order 0.
inline constexpr int64_t start_ms = 1767225600000;
/// Largest step between the `ts` of consecutive orders (uniform 0..max_step_ms).
inline constexpr uint64_t max_step_ms = 120000;

/// splitmix64: tiny and fast, and its whole state is one integer to snapshot.
class splitmix64 {
public:
  explicit splitmix64(uint64_t seed = 0) noexcept : s_(seed) {}

  uint64_t next() noexcept {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (multiply-shift; the bias is far below what tests can see).
  uint64_t below(uint64_t n) noexcept {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  uint64_t state() const noexcept { return s_; }
  void set_state(uint64_t s) noexcept { s_ = s; }

private:
  uint64_t s_;
};

/// Everything needed to continue the sequence exactly where it stopped.
struct cursor {
  uint64_t next_id = 0;
  uint64_t rng = 0;
  int64_t ts_ms = start_ms;
};

/// Produces orders 0, 1, 2, ... for one seed; the same seed gives the same bytes.
class generator {
public:
  explicit generator(uint64_t seed) noexcept : rng_(seed) {}

  /// Appends the next order (no newline) to `out`; returns its event time (its `ts`) in ns.
  int64_t append_next(std::string& out) {
    char buf[192];
    char* p = buf;
    const int64_t ts = ts_ms_;
    p = put(p, "{\"id\":");
    p = put_uint(p, next_id_++);
    p = put(p, ",\"ts\":\"");
    p = put_time(p, ts);
    p = put(p, "\",\"category\":\"cat");
    p = put_digits(p, rng_.below(10), 2);
    p = put(p, "\",\"status\":\"");
    uint64_t s = rng_.below(100);
    p = put(p, s < 70 ? "active" : s < 85 ? "inactive" : "pending");
    p = put(p, "\",\"amount\":");
    uint64_t cents = 100 + rng_.below(99900); // 1.00 .. 999.99
    p = put_uint(p, cents / 100);
    *p++ = '.';
    p = put_digits(p, cents % 100, 2);
    p = put(p, ",\"user\":\"u");
    p = put_digits(p, rng_.below(10000), 4);
    p = put(p, "\"}");
    out.append(buf, static_cast<size_t>(p - buf));
    ts_ms_ += static_cast<int64_t>(rng_.below(max_step_ms + 1));
    return ts * 1000000;
  }

  /// The `id` of the order append_next() produces next.
  uint64_t next_id() const noexcept { return next_id_; }
  cursor save() const noexcept { return {next_id_, rng_.state(), ts_ms_}; }
  void load(const cursor& c) noexcept {
    next_id_ = c.next_id;
    rng_.set_state(c.rng);
    ts_ms_ = c.ts_ms;
  }

private:
  static char* put(char* p, const char* s) noexcept {
    while (*s)
      *p++ = *s++;
    return p;
  }
  static char* put_digits(char* p, uint64_t v, int width) noexcept {
    for (int i = width - 1; i >= 0; --i, v /= 10)
      p[i] = static_cast<char>('0' + v % 10);
    return p + width;
  }
  static char* put_uint(char* p, uint64_t v) noexcept {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n)
      *p++ = tmp[--n];
    return p;
  }
  /// "YYYY-MM-DDTHH:MM:SS.mmmZ" for a non-negative time (civil_from_days, H. Hinnant).
  static char* put_time(char* p, int64_t ms) noexcept {
    int64_t secs = ms / 1000;
    int64_t days = secs / 86400, sod = secs % 86400;
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    p = put_digits(p, static_cast<uint64_t>(y), 4);
    *p++ = '-';
    p = put_digits(p, static_cast<uint64_t>(m), 2);
    *p++ = '-';
    p = put_digits(p, static_cast<uint64_t>(d), 2);
    *p++ = 'T';
    p = put_digits(p, static_cast<uint64_t>(sod / 3600), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<uint64_t>(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<uint64_t>(sod % 60), 2);
    *p++ = '.';
    p = put_digits(p, static_cast<uint64_t>(ms % 1000), 3);
    *p++ = 'Z';
    return p;
  }

  splitmix64 rng_;
  uint64_t next_id_ = 0;
  int64_t ts_ms_ = start_ms;
};

} // namespace sluice::builtin::w1
