// Clock policies: where the codec gets "now" for timestamps and max_age checks. Tests and
// tools fix time with fixed_clock; servers use system_clock.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>

#include <time.h>  // clock_gettime, CLOCK_REALTIME_COARSE

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

/// The wall clock. Where the system keeps a coarse one (Linux's CLOCK_REALTIME_COARSE,
/// moved on every scheduler tick, 1 to 4 ms), that one: it reads in ~5 ns against ~24 for
/// the precise clock (measured on the CI VM), on every encode and decode, and crumb's
/// times are whole seconds, which a tick's lag does not change but at a second's edge.
struct system_clock {
  time_point now() const noexcept {
#if defined(CLOCK_REALTIME_COARSE)
    timespec ts{};
    if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
      return time_point(std::chrono::duration_cast<time_point::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
    return std::chrono::system_clock::now();
  }
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
