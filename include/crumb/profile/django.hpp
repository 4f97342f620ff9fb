// The django wire profile: Django's django.core.signing format as its signed_cookies
// session engine uses it: payload ":" base62(unix time) ":" base64url(HMAC), the MAC keyed
// with hash(salt + "signer" + secret), a leading "." on the payload when zlib-compressed.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "crumb/error.hpp"
#include "crumb/mac.hpp"

namespace crumb::profile {

struct django {
  static constexpr std::string_view name = "django";
  /// The salt of django.contrib.sessions.backends.signed_cookies.
  static constexpr std::string_view session_salt =
      "django.contrib.sessions.backends.signed_cookies";
  /// SESSION_COOKIE_AGE's default: two weeks.
  static constexpr std::chrono::seconds default_max_age{1209600};
  static constexpr char separator = ':';
  static constexpr char compressed_marker = '.';

  /// The MAC key for `secret`: Mac's hash of salt + "signer" + secret (salted_hmac).
  template <mac_policy Mac>
  static std::string derive_key(std::string_view secret, std::string_view salt) {
    std::string material;
    material.reserve(salt.size() + 6 + secret.size());
    material.append(salt).append("signer").append(secret);
    std::string key(Mac::digest_size, '\0');
    Mac::hash(material, reinterpret_cast<std::uint8_t*>(key.data()));
    sodium_memzero(material.data(), material.size());
    return key;
  }

  /// Appends `unix_seconds` (>= 0) in Django's base62 (0-9A-Za-z, most significant first).
  static void append_timestamp(std::string& out, std::int64_t unix_seconds) {
    char buf[16];
    char* p = buf + sizeof buf;
    auto n = static_cast<std::uint64_t>(unix_seconds < 0 ? 0 : unix_seconds);
    do {
      *--p = alphabet[n % 62];
      n /= 62;
    } while (n != 0);
    out.append(p, buf + sizeof buf);
  }

  /// Parses a base62 timestamp. errc::malformed when empty, holding a character outside
  /// 0-9A-Za-z (a sign included: crumb never writes negative times) or past INT64_MAX.
  [[nodiscard]] static errc parse_timestamp(std::string_view text, std::int64_t& out) noexcept {
    if (text.empty()) return errc::malformed;
    std::int64_t n = 0;
    for (const char c : text) {
      int digit;
      if (c >= '0' && c <= '9') digit = c - '0';
      else if (c >= 'A' && c <= 'Z') digit = c - 'A' + 10;
      else if (c >= 'a' && c <= 'z') digit = c - 'a' + 36;
      else return errc::malformed;
      if (n > (std::numeric_limits<std::int64_t>::max() - digit) / 62) return errc::malformed;
      n = n * 62 + digit;
    }
    out = n;
    return errc::ok;
  }

 private:
  static constexpr char alphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
};

}  // namespace crumb::profile
