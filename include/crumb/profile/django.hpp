// The django wire profile: Django's django.core.signing format as its signed_cookies
// session engine uses it: payload ":" base62(unix time) ":" base64url(HMAC), the MAC keyed
// with hash(salt + "signer" + secret), a leading "." on the payload when zlib-compressed.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "crumb/clock.hpp"
#include "crumb/detail/iso8601.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/value.hpp"

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

  /// A session's own lifetime, kept inside its data as Django's SessionBase keeps it:
  /// "_session_expiry" holds seconds of inactivity (0: until the browser closes) or an
  /// ISO 8601 date-time. Computed in whole seconds and microseconds, so any expiry a
  /// token can carry (year 9999, 4e12 s) is compared without overflow.
  struct session_expiry {
    static constexpr std::string_view key = "_session_expiry";

    static void set_age(object& data, std::chrono::seconds age) {
      data.insert_or_assign(key, value(static_cast<std::int64_t>(age.count())));
    }
    static void set_time(object& data, time_point when) {
      data.insert_or_assign(key, value(detail::format_iso8601(when)));
    }
    /// Seconds left at `now` (may be negative), or nullopt when the data sets no
    /// lifetime of its own (or only "at browser close").
    static std::optional<std::chrono::seconds> age(const object& data, time_point now) {
      const value* e = data.find(key);
      if (e == nullptr) return std::nullopt;
      if (const std::int64_t* seconds = e->if_int(); seconds != nullptr && *seconds > 0)
        return std::chrono::seconds(*seconds);
      if (const std::string* s = e->if_string()) {
        if (const auto when = detail::parse_iso8601(*s))
          return std::chrono::ceil<std::chrono::seconds>(*when - microseconds(now));
      }
      return std::nullopt;
    }
    /// Whether the cookie dies with the browser: nullopt when the data does not say.
    static std::optional<bool> at_browser_close(const object& data) {
      const value* e = data.find(key);
      if (e == nullptr) return std::nullopt;
      const std::int64_t* seconds = e->if_int();
      return seconds != nullptr && *seconds == 0;
    }
    /// Whether data signed at `signed_at` (Unix seconds, >= 0) is past its own expiry.
    /// An unreadable date-time counts as expired.
    static bool expired(const object& data, std::int64_t signed_at, time_point now) {
      const value* e = data.find(key);
      if (e == nullptr) return false;
      if (const std::int64_t* seconds = e->if_int(); seconds != nullptr && *seconds > 0) {
        const std::int64_t now_s = to_unix_seconds(now);
        const std::int64_t elapsed = detail::saturating_add(now_s, -signed_at);
        return elapsed > *seconds || (elapsed == *seconds && now > from_unix_seconds(now_s));
      }
      if (const std::string* s = e->if_string()) {
        const auto when = detail::parse_iso8601(*s);
        return !when || *when <= microseconds(now);
      }
      return false;
    }

   private:
    static detail::iso8601_time microseconds(time_point now) {
      return std::chrono::floor<std::chrono::microseconds>(now);
    }
  };

 private:
  static constexpr char alphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
};

}  // namespace crumb::profile
