// ISO 8601 date-times as Django writes `_session_expiry` (datetime.isoformat()):
// "2026-11-23T22:40:56+00:00", optionally with microseconds and any UTC offset.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace crumb::detail {

inline std::string format_iso8601(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{seconds - day};
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+00:00",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()),
                              static_cast<int>(hms.hours().count()),
                              static_cast<int>(hms.minutes().count()),
                              static_cast<int>(hms.seconds().count()));
  return {buf, static_cast<std::size_t>(n)};
}

// Microseconds since the epoch in 64 bits: every year from 0000 to 9999 fits (the
// nanoseconds of system_clock's time_point stop at 2262).
using iso8601_time = std::chrono::sys_time<std::chrono::microseconds>;

// Parses YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]; no offset means UTC.
inline std::optional<iso8601_time> parse_iso8601(std::string_view s) {
  std::size_t i = 0;
  const auto number = [&](std::size_t digits, int& out) {
    if (i + digits > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < digits; ++k, ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  const auto expect = [&](char c) { return i < s.size() && s[i++] == c; };
  const auto date_time_separator = [&] {  // 'T', or the space Python's str() uses
    return i < s.size() && (s[i] == 'T' || s[i] == ' ') && ++i;
  };
  int year, month, day, hour, minute, second;
  if (!number(4, year) || !expect('-') || !number(2, month) || !expect('-') || !number(2, day) ||
      !date_time_separator() || !number(2, hour) || !expect(':') ||
      !number(2, minute) || !expect(':') || !number(2, second))
    return std::nullopt;
  std::chrono::microseconds fraction{0};
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::int64_t micros = 0;
    int digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      if (digits < 6) micros = micros * 10 + (s[i] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
    fraction = std::chrono::microseconds(micros);
  }
  std::chrono::minutes offset{0};
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i++] == '-' ? -1 : 1;
    int oh, om;
    if (!number(2, oh) || !expect(':') || !number(2, om)) return std::nullopt;
    offset = std::chrono::minutes(sign * (oh * 60 + om));
  }
  if (i != s.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::sys_seconds whole = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
                                         std::chrono::minutes(minute) +
                                         std::chrono::seconds(second) - offset;
  return iso8601_time(whole) + fraction;
}

}  // namespace crumb::detail
