// Python's repr(float), byte for byte: the shortest digits that round-trip (std::to_chars
// finds them), laid out as CPython's float_repr_style 'short' does: fixed notation when
// the decimal point falls within -4 < decpt <= 16, otherwise d.ddde+XX with two or more
// exponent digits; a fixed number with no fraction gets ".0".
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace crumb::detail {

/// The most characters write_python_float() writes ("-2.2250738585072014e-308").
inline constexpr std::size_t max_python_float_chars = 32;

/// Writes repr(d) of a finite `d` at `out` (room for max_python_float_chars); returns the
/// end of what it wrote.
inline char* write_python_float(char* out, double d) {
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

/// Appends repr(d) of a finite `d` to `out`.
inline void append_python_float(std::string& out, double d) {
  char buf[max_python_float_chars];
  out.append(buf, write_python_float(buf, d));
}

}  // namespace crumb::detail
