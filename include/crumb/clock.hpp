// Clock policies: where the codec gets "now" for timestamps and max_age checks. Tests and
// tools fix time with fixed_clock; servers use system_clock.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>

namespace crumb {

using time_point = std::chrono::system_clock::time_point;

/// The Unix seconds a time_point can hold (system_clock counts nanoseconds in 64 bits:
/// about 1677-09-22 to 2262-04-11). Times from untrusted data are checked against these
/// bounds, or computed in whole seconds, never converted blindly.
inline constexpr std::int64_t min_unix_seconds =
    std::chrono::ceil<std::chrono::seconds>(time_point::min().time_since_epoch()).count();
inline constexpr std::int64_t max_unix_seconds =
    std::chrono::floor<std::chrono::seconds>(time_point::max().time_since_epoch()).count();

/// Whole Unix seconds of `t`, rounded down.
constexpr std::int64_t to_unix_seconds(time_point t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

/// `unix_seconds` as a time_point, clamped to the range one can hold.
constexpr time_point from_unix_seconds(std::int64_t unix_seconds) noexcept {
  if (unix_seconds > max_unix_seconds) unix_seconds = max_unix_seconds;
  if (unix_seconds < min_unix_seconds) unix_seconds = min_unix_seconds;
  return time_point(std::chrono::seconds(unix_seconds));
}

namespace detail {
// a + b, held at the int64 bounds instead of overflowing.
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum))
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  return sum;
}
}  // namespace detail

/// What the codec needs from a clock: now() as a system_clock time point.
template <class C>
concept clock_policy = requires(const C& c) {
  { c.now() } -> std::convertible_to<time_point>;
};

/// The wall clock, read precisely. (Linux's coarse clock reads 5x faster, but it lags by up
/// to a tick: for a few milliseconds after each second it says the second before, and a
/// token another process stamped then, Flask's for one, would look issued in the future.)
struct system_clock {
  time_point now() const noexcept { return std::chrono::system_clock::now(); }
};

/// A clock that always says the same time: for tests, tools (`crumb sign --now`) and
/// replaying recorded traffic. Set `at` to move it.
struct fixed_clock {
  time_point at{};
  time_point now() const noexcept { return at; }
  /// A clock fixed at `unix_seconds` after 1970-01-01T00:00:00Z, clamped to
  /// [min_unix_seconds, max_unix_seconds] (callers taking user input check it first).
  static fixed_clock at_unix(std::int64_t unix_seconds) noexcept {
    return {from_unix_seconds(unix_seconds)};
  }
};

static_assert(clock_policy<system_clock>);
static_assert(clock_policy<fixed_clock>);

}  // namespace crumb
