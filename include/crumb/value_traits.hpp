// The one customization point for user types: specialize crumb::value_traits<T> with
//   static value to_value(const T&);                      // for writing
//   static errc from_value(const value&, T& out);        // for reading untrusted data
// Built in: bool, integers, floating point, strings, optional, vector, string-keyed maps,
// chrono durations and system_clock time points. A type with no traits fails to compile.
#pragma once

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <ratio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"
#include "crumb/value.hpp"

namespace crumb {

/// Specialize for your own types. The primary template is deliberately left undefined.
template <class T>
struct value_traits;

/// T can be written into a value.
template <class T>
concept encodable = requires(const T& t) {
  { value_traits<T>::to_value(t) } -> std::convertible_to<value>;
};

/// T can be read back from a value, reporting failure as an errc.
template <class T>
concept decodable = requires(const value& v, T& out) {
  { value_traits<T>::from_value(v, out) } -> std::same_as<errc>;
};

/// Converts `t` to a value. Allocates for strings and containers.
template <class T>
value to_value(const T& t) {
  static_assert(encodable<T>,
                "crumb: no crumb::value_traits<T>::to_value for this type; specialize "
                "crumb::value_traits<T> to store it in a session");
  return value_traits<T>::to_value(t);
}

/// Reads a T out of `v` into `out`. errc::type_mismatch when the value holds another kind,
/// errc::number_out_of_range when a number does not fit T. `out` is unspecified on error.
/// Never throws on bad data; copying strings and containers may throw std::bad_alloc.
template <class T>
[[nodiscard]] errc from_value(const value& v, T& out) {
  static_assert(decodable<T>,
                "crumb: no crumb::value_traits<T>::from_value for this type; specialize "
                "crumb::value_traits<T> to read it from a session");
  return value_traits<T>::from_value(v, out);
}

/// Reads a T out of `v` (see from_value(const value&, T&)).
template <class T>
result<T> value_as(const value& v) {
  T out{};
  if (const errc e = from_value(v, out); e != errc::ok) return e;
  return out;
}

template <>
struct value_traits<value> {
  static value to_value(const value& v) { return v; }
  static errc from_value(const value& v, value& out) {
    out = v;
    return errc::ok;
  }
};

template <>
struct value_traits<object> {
  static value to_value(const object& o) { return o; }
  static errc from_value(const value& v, object& out) {
    if (const object* o = v.if_object()) {
      out = *o;
      return errc::ok;
    }
    return errc::type_mismatch;
  }
};

template <>
struct value_traits<array> {
  static value to_value(const array& a) { return a; }
  static errc from_value(const value& v, array& out) {
    if (const array* a = v.if_array()) {
      out = *a;
      return errc::ok;
    }
    return errc::type_mismatch;
  }
};

template <>
struct value_traits<bool> {
  static value to_value(bool b) noexcept { return b; }
  static errc from_value(const value& v, bool& out) noexcept {
    if (const bool* b = v.if_bool()) {
      out = *b;
      return errc::ok;
    }
    return errc::type_mismatch;
  }
};

/// Integers are stored as int64. An unsigned value above INT64_MAX cannot be stored:
/// to_value throws std::out_of_range rather than change it.
template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>)
struct value_traits<I> {
  static value to_value(I i) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
      if (i > static_cast<I>(std::numeric_limits<std::int64_t>::max()))
        detail::raise<std::out_of_range>("crumb: integer does not fit in int64");
    }
    return value(static_cast<std::int64_t>(i));
  }
  static errc from_value(const value& v, I& out) noexcept {
    const std::int64_t* i = v.if_int();
    if (i == nullptr) return errc::type_mismatch;
    if (!std::in_range<I>(*i)) return errc::number_out_of_range;
    out = static_cast<I>(*i);
    return errc::ok;
  }
};

/// Floats read from floats and from integers (as Python's float(int) would).
template <std::floating_point F>
struct value_traits<F> {
  static value to_value(F f) noexcept { return value(static_cast<double>(f)); }
  static errc from_value(const value& v, F& out) noexcept {
    double d;
    if (const double* p = v.if_double()) {
      d = *p;
    } else if (const std::int64_t* i = v.if_int()) {
      d = static_cast<double>(*i);
    } else {
      return errc::type_mismatch;
    }
    if (std::isfinite(d) && std::abs(d) > static_cast<double>(std::numeric_limits<F>::max()))
      return errc::number_out_of_range;
    out = static_cast<F>(d);
    return errc::ok;
  }
};

template <>
struct value_traits<std::string> {
  static value to_value(const std::string& s) { return s; }
  static errc from_value(const value& v, std::string& out) {
    if (const std::string* s = v.if_string()) {
      out = *s;
      return errc::ok;
    }
    return errc::type_mismatch;
  }
};

/// Reading a string_view points into the value: it is valid while the value lives unchanged.
template <>
struct value_traits<std::string_view> {
  static value to_value(std::string_view s) { return s; }
  static errc from_value(const value& v, std::string_view& out) noexcept {
    if (const std::string* s = v.if_string()) {
      out = *s;
      return errc::ok;
    }
    return errc::type_mismatch;
  }
};

template <>
struct value_traits<const char*> {
  static value to_value(const char* s) { return s; }
};

template <std::size_t N>
struct value_traits<char[N]> {
  static value to_value(const char (&s)[N]) { return std::string_view(s); }
};

/// nullopt is JSON null.
template <class T>
struct value_traits<std::optional<T>> {
  static value to_value(const std::optional<T>& o) {
    return o ? crumb::to_value(*o) : value(nullptr);
  }
  static errc from_value(const value& v, std::optional<T>& out) {
    if (v.is_null()) {
      out.reset();
      return errc::ok;
    }
    return crumb::from_value(v, out.emplace());
  }
};

template <class T, class A>
struct value_traits<std::vector<T, A>> {
  static value to_value(const std::vector<T, A>& items) {
    array a;
    a.reserve(items.size());
    for (const auto& item : items) a.push_back(crumb::to_value(item));
    return a;
  }
  static errc from_value(const value& v, std::vector<T, A>& out) {
    const array* a = v.if_array();
    if (a == nullptr) return errc::type_mismatch;
    out.clear();
    out.reserve(a->size());
    for (const value& item : *a) {
      if (const errc e = crumb::from_value(item, out.emplace_back()); e != errc::ok) return e;
    }
    return errc::ok;
  }
};

namespace detail {
template <class Map>
struct map_traits {
  static value to_value(const Map& m) {
    object o;
    o.reserve(m.size());
    for (const auto& [k, v] : m) o.append_unchecked(std::string(k), crumb::to_value(v));
    return o;
  }
  static errc from_value(const value& v, Map& out) {
    const object* o = v.if_object();
    if (o == nullptr) return errc::type_mismatch;
    out.clear();
    for (const auto& [k, item] : *o) {
      if (const errc e = crumb::from_value(item, out[k]); e != errc::ok) return e;
    }
    return errc::ok;
  }
};

// Seconds as an integer when exact, else as a float: what Python code would write. Only
// durations within int64 seconds are converted (hours(3e15) would overflow on the way).
template <class Rep, class Period>
value seconds_to_value(std::chrono::duration<Rep, Period> d) {
  const double seconds = std::chrono::duration<double>(d).count();
  if (seconds > -9.2e18 && seconds < 9.2e18) {
    const auto whole = std::chrono::duration_cast<std::chrono::seconds>(d);
    if (whole == d) return value(static_cast<std::int64_t>(whole.count()));
  }
  return value(seconds);
}

template <class Duration>
errc seconds_from_value(const value& v, Duration& out) noexcept {
  using period = typename Duration::period;
  using rep = typename Duration::rep;
  // Seconds in Duration's own units (minutes, milliseconds...), as a double.
  const auto in_units = [](double seconds) {
    return std::chrono::duration<double, period>(std::chrono::duration<double>(seconds)).count();
  };
  if constexpr (std::is_floating_point_v<rep>) {
    // A floating rep takes the seconds as they are: no rounding, and no bounds computed
    // from Duration::max() (converting that to integer seconds would overflow).
    double seconds = 0;
    if (const std::int64_t* i = v.if_int()) seconds = static_cast<double>(*i);
    else if (const double* d = v.if_double()) seconds = *d;
    else return errc::type_mismatch;
    const double units = in_units(seconds);
    if (!std::isfinite(units) || std::fabs(units) > std::numeric_limits<rep>::max())
      return errc::number_out_of_range;
    out = Duration(static_cast<rep>(units));
    return errc::ok;
  } else if (const std::int64_t* i = v.if_int()) {
    const std::chrono::seconds s(*i);
    if constexpr (std::ratio_less_equal_v<period, std::ratio<1>>) {
      // Finer than a second: the bounds in seconds come from a division, which is exact.
      if (s > std::chrono::duration_cast<std::chrono::seconds>(Duration::max()) ||
          s < std::chrono::duration_cast<std::chrono::seconds>(Duration::min()))
        return errc::number_out_of_range;
      out = std::chrono::duration_cast<Duration>(s);
    } else {
      // Coarser (minutes, hours): seconds to Duration divides; the result may still not
      // fit a narrow rep.
      const auto wide = std::chrono::duration_cast<std::chrono::duration<std::int64_t, period>>(s);
      if (wide.count() > static_cast<std::int64_t>(std::numeric_limits<rep>::max()) ||
          wide.count() < static_cast<std::int64_t>(std::numeric_limits<rep>::min()))
        return errc::number_out_of_range;
      out = Duration(static_cast<rep>(wide.count()));
    }
    return errc::ok;
  } else if (const double* d = v.if_double()) {
    if (!std::isfinite(*d)) return errc::number_out_of_range;
    // In Duration's own units, rounded, then checked against the powers of two that bound
    // rep: double(INT64_MAX) rounds up to 2^63, so comparing with it would let 2^63 through.
    const double units = std::nearbyint(in_units(*d));
    const double bound = std::ldexp(1.0, std::numeric_limits<rep>::digits);
    if (!(units < bound) || units < (std::is_signed_v<rep> ? -bound : 0.0))
      return errc::number_out_of_range;
    out = Duration(static_cast<rep>(units));
    return errc::ok;
  }
  return errc::type_mismatch;
}
}  // namespace detail

template <class T, class C, class A>
struct value_traits<std::map<std::string, T, C, A>>
    : detail::map_traits<std::map<std::string, T, C, A>> {};

template <class T, class H, class E, class A>
struct value_traits<std::unordered_map<std::string, T, H, E, A>>
    : detail::map_traits<std::unordered_map<std::string, T, H, E, A>> {};

/// Durations are stored as seconds: an integer when whole, a float otherwise.
template <class Rep, class Period>
struct value_traits<std::chrono::duration<Rep, Period>> {
  using duration = std::chrono::duration<Rep, Period>;
  static value to_value(duration d) { return detail::seconds_to_value(d); }
  static errc from_value(const value& v, duration& out) noexcept {
    return detail::seconds_from_value(v, out);
  }
};

/// system_clock time points are stored as Unix seconds, like Python's time.time().
template <class Duration>
struct value_traits<std::chrono::time_point<std::chrono::system_clock, Duration>> {
  using time_point = std::chrono::time_point<std::chrono::system_clock, Duration>;
  static value to_value(time_point t) { return detail::seconds_to_value(t.time_since_epoch()); }
  static errc from_value(const value& v, time_point& out) noexcept {
    Duration since_epoch{};
    if (const errc e = detail::seconds_from_value(v, since_epoch); e != errc::ok) return e;
    out = time_point(since_epoch);
    return errc::ok;
  }
};

}  // namespace crumb
