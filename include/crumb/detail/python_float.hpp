// Python's repr(float), byte for byte: the shortest digits that round-trip (std::to_chars
// finds them), laid out as CPython's float_repr_style 'short' does: fixed notation when
// the decimal point falls within -4 < decpt <= 16, otherwise d.ddde+XX with two or more
// exponent digits; a fixed number with no fraction gets ".0".
#pragma once

#include <charconv>
#include <cstdlib>
#include <string>
#include <system_error>

namespace crumb::detail {

inline void append_python_float(std::string& out, double d) {
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  const char* p = sci;
  if (*p == '-') {
    out += '-';
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

  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out.append(digits, static_cast<std::size_t>(ndigits));
    } else if (decpt < ndigits) {
      out.append(digits, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits + decpt, static_cast<std::size_t>(ndigits - decpt));
    } else {
      out.append(digits, static_cast<std::size_t>(ndigits));
      out.append(static_cast<std::size_t>(decpt - ndigits), '0');
      out += ".0";
    }
    return;
  }
  out += digits[0];
  if (ndigits > 1) {
    out += '.';
    out.append(digits + 1, static_cast<std::size_t>(ndigits - 1));
  }
  out += 'e';
  out += exponent < 0 ? '-' : '+';
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  char exp_digits[8];
  const auto e = std::to_chars(exp_digits, exp_digits + sizeof exp_digits, magnitude);
  out.append(exp_digits, e.ptr);
}

}  // namespace crumb::detail
