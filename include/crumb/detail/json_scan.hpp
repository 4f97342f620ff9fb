// Helpers for the JSON reader's error path. simdjson reports one NUMBER_ERROR for both
// "01" and 1e400, and one STRING_ERROR for both "\x" and a lone "\ud800"; a caller
// deserves to know which, so on those (rare) errors crumb rescans the input once.
#pragma once

#include <cstddef>
#include <string_view>

#include "crumb/error.hpp"

namespace crumb::detail {

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Whether s is a number by the JSON grammar, whatever its magnitude.
inline bool is_json_number(std::string_view s) noexcept {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

inline unsigned hex4(std::string_view s, std::size_t at, bool& ok) noexcept {
  unsigned v = 0;
  ok = at + 4 <= s.size();
  for (std::size_t k = 0; ok && k < 4; ++k) {
    const char c = s[at + k];
    v <<= 4;
    if (is_digit(c)) v |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
    else ok = false;
  }
  return v;
}

// Whether a string body (between quotes) holds a \u escape of an unpaired surrogate.
inline bool has_lone_surrogate(std::string_view body) noexcept {
  for (std::size_t i = 0; i + 1 < body.size(); ++i) {
    if (body[i] != '\\') continue;
    if (body[i + 1] != 'u') {
      ++i;
      continue;
    }
    bool ok = false;
    const unsigned cp = hex4(body, i + 2, ok);
    if (!ok) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return true;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      bool low_ok = false;
      const bool escaped_next = i + 7 < body.size() && body[i + 6] == '\\' && body[i + 7] == 'u';
      const unsigned low = escaped_next ? hex4(body, i + 8, low_ok) : 0;
      if (!low_ok || low < 0xDC00 || low > 0xDFFF) return true;
      i += 6;
    }
    i += 5;
  }
  return false;
}

inline bool ends_a_value(char c) noexcept {
  return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The most precise errc for a document simdjson refused with a number or string error:
// number_out_of_range when every number is well formed (so one must be too big),
// invalid_utf8 when a string escapes a lone surrogate, invalid_json otherwise.
inline errc classify_json_error(std::string_view json, bool number_error) noexcept {
  std::size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {
      std::size_t end = i + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      if (!number_error && end <= json.size() && has_lone_surrogate(json.substr(i + 1, end - i - 1)))
        return errc::invalid_utf8;
      i = end + 1;
    } else if (c == '-' || is_digit(c)) {
      std::size_t end = i;
      while (end < json.size() && (is_digit(json[end]) || json[end] == '-' || json[end] == '+' ||
                                   json[end] == '.' || json[end] == 'e' || json[end] == 'E'))
        ++end;
      if (number_error && !is_json_number(json.substr(i, end - i))) return errc::invalid_json;
      // A number runs into what ends a value, or the end: 123abc or 1true is no number.
      if (number_error && end < json.size() && !ends_a_value(json[end])) return errc::invalid_json;
      i = end;
    } else {
      ++i;
    }
  }
  return number_error ? errc::number_out_of_range : errc::invalid_json;
}

}  // namespace crumb::detail
