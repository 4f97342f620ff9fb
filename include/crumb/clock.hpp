// Clock policies: where the codec gets "now" for timestamps and max_age checks. Tests and
// tools fix time with fixed_clock; servers use system_clock.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>

namespace crumb {

using time_point = std::chrono::system_clock::time_point;

/// What the codec needs from a clock: now() as a system_clock time point.
template <class C>
concept clock_policy = requires(const C& c) {
  { c.now() } -> std::convertible_to<time_point>;
};

/// The wall clock.
struct system_clock {
  time_point now() const noexcept { return std::chrono::system_clock::now(); }
};

/// A clock that always says the same time: for tests, tools (`crumb sign --now`) and
/// replaying recorded traffic. Set `at` to move it.
struct fixed_clock {
  time_point at{};
  time_point now() const noexcept { return at; }
  /// A clock fixed at `unix_seconds` after 1970-01-01T00:00:00Z.
  static fixed_clock at_unix(std::int64_t unix_seconds) noexcept {
    return {time_point(std::chrono::seconds(unix_seconds))};
  }
};

static_assert(clock_policy<system_clock>);
static_assert(clock_policy<fixed_clock>);

}  // namespace crumb
