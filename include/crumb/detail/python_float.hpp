// Python's repr(float), byte for byte: the shortest digits that round-trip (std::to_chars
// finds them), laid out as CPython's float_repr_style 'short' does: fixed notation when
// the decimal point falls within -4 < decpt <= 16, otherwise d.ddde+XX with two or more
// exponent digits; a fixed number with no fraction gets ".0".
#pragma once

#include <cfenv>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace crumb::detail {

/// The most characters write_python_float() writes ("-2.2250738585072014e-308").
inline constexpr std::size_t max_python_float_chars = 32;

/// repr(d) for the common case of a number with at most 4 decimals and |d| < 1e8 (0.625,
/// 19.99, -3.5): N / 10^k for the fewest k in 0..4 with N / 10^k == d exactly as doubles.
/// In that range the doubles are far denser than 10^-4, so that decimal is the only one of
/// <= 4 decimals that reads back as d, hence the shortest, which is what repr() prints.
/// nullptr when `d` is outside the case (then the general path below runs).
inline char* write_short_decimal(char* out, double d) {
  if (!(std::fabs(d) < 1e8) || d == 0) return nullptr;  // zero: keep the sign of -0.0
  // The read-back check below is exact only when rounding to nearest, as by default.
  if (std::fegetround() != FE_TONEAREST) return nullptr;
  static constexpr double scale[] = {1, 10, 100, 1000, 10000};
  for (int k = 0; k <= 4; ++k) {
    const double scaled = d * scale[k];
    const double n = std::round(scaled);
    if (n / scale[k] != d) continue;
    if (d < 0) *out++ = '-';
    // |n| with a point before its last k digits (fraction digits end non-zero: k is the
    // fewest), at least one digit before the point, and ".0" for a whole number.
    auto digits = static_cast<std::uint64_t>(std::fabs(n));
    char text[24];
    char* t = text + sizeof text;
    if (k == 0) {
      *--t = '0';
      *--t = '.';
    }
    for (int i = 0; i < k; ++i, digits /= 10) *--t = static_cast<char>('0' + digits % 10);
    if (k != 0) *--t = '.';
    do {
      *--t = static_cast<char>('0' + digits % 10);
      digits /= 10;
    } while (digits != 0);
    const auto len = static_cast<std::size_t>(text + sizeof text - t);
    std::memcpy(out, t, len);
    out += len;
    return out;
  }
  return nullptr;
}

/// repr(d) of a finite `d` through the shortest round-trip digits of std::to_chars.
inline char* write_python_float_general(char* out, double d) {
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  const char* p = sci;
  if (*p == '-') {
    *out++ = '-';
    ++p;
  }
  // sci is "D[.DDD]e[+-]XX": collect the digits and the exponent.
  char digits[24];
  int ndigits = 0;
  for (; *p != 'e'; ++p)
    if (*p != '.') digits[ndigits++] = *p;
  int exponent = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), r.ptr, exponent);
  const int decpt = exponent + 1;  // the value is 0.DIGITS x 10^decpt
  const auto copy = [&](const char* from, int n) {
    std::memcpy(out, from, static_cast<std::size_t>(n));
    out += n;
  };
  const auto zeros = [&](int n) {
    std::memset(out, '0', static_cast<std::size_t>(n));
    out += n;
  };

  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      copy("0.", 2);
      zeros(-decpt);
      copy(digits, ndigits);
    } else if (decpt < ndigits) {
      copy(digits, decpt);
      *out++ = '.';
      copy(digits + decpt, ndigits - decpt);
    } else {
      copy(digits, ndigits);
      zeros(decpt - ndigits);
      copy(".0", 2);
    }
    return out;
  }
  *out++ = digits[0];
  if (ndigits > 1) {
    *out++ = '.';
    copy(digits + 1, ndigits - 1);
  }
  *out++ = 'e';
  *out++ = exponent < 0 ? '-' : '+';
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) *out++ = '0';
  return std::to_chars(out, out + 8, magnitude).ptr;
}

/// Writes repr(d) of a finite `d` at `out` (room for max_python_float_chars); returns the
/// end of what it wrote.
inline char* write_python_float(char* out, double d) {
  if (char* end = write_short_decimal(out, d)) return end;
  return write_python_float_general(out, d);
}

/// Appends repr(d) of a finite `d` to `out`.
inline void append_python_float(std::string& out, double d) {
  char buf[max_python_float_chars];
  out.append(buf, write_python_float(buf, d));
}

}  // namespace crumb::detail
