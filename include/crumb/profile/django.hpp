// The django wire profile: Django's django.core.signing format as its signed_cookies
// session engine uses it: payload ":" base62(unix time) ":" base64url(HMAC), the MAC keyed
// with hash(salt + "signer" + secret), a leading "." on the payload when zlib-compressed.
// Its rules: max_age against a float clock, every key of the ring tried, legacy SHA-1.
#pragma once

#include <sodium.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crumb/base64.hpp"
#include "crumb/clock.hpp"
#include "crumb/detail/iso8601.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/detail/signed_text.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile.hpp"
#include "crumb/purpose.hpp"
#include "crumb/value.hpp"

namespace crumb::detail {
// Django 3.1/3.2's legacy HMAC-SHA1 keys, where the MAC policy has an SHA-1 beside it.
template <class Mac>
struct django_legacy_keys {};
template <has_sha1 Mac>
struct django_legacy_keys<Mac> {
  std::vector<typename Mac::sha1::key> keys;
};
}  // namespace crumb::detail

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
  /// Django compresses only when that saves at least 2 bytes (len(compressed) < len - 1).
  static constexpr std::size_t compression_must_save = 2;

  struct options {
    /// Namespaces the MAC key; the default is the one Django's signed_cookies uses.
    std::string salt = std::string(session_salt);
    /// Tokens signed longer ago than this are errc::expired; nullopt: never.
    std::optional<std::chrono::seconds> max_age = default_max_age;
    /// Also accept Django 3.1/3.2's HMAC-SHA1 signatures: needs a MAC policy with an
    /// HMAC-SHA1 beside it (has_sha1: OpenSSL's).
    bool accept_legacy_sha1 = false;
  };

  template <mac_policy Mac>
  class sealer;

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
    /// lifetime of its own (or only "at browser close"). A negative number of seconds is
    /// returned as it is, as Django's get_expiry_age() does: the session is over.
    static std::optional<std::chrono::seconds> age(const object& data, time_point now) {
      const value* e = data.find(key);
      if (e == nullptr) return std::nullopt;
      if (const std::int64_t* seconds = e->if_int(); seconds != nullptr && *seconds != 0)
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
    /// An unreadable date-time, or a negative number of seconds, counts as expired.
    static bool expired(const object& data, std::int64_t signed_at, time_point now) {
      const value* e = data.find(key);
      if (e == nullptr) return false;
      if (const std::int64_t* seconds = e->if_int(); seconds != nullptr && *seconds != 0) {
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

/// Django's keys, derived once per secret and purpose: every key of the ring is tried,
/// with no early exit, so timing does not tell which key matched.
template <mac_policy Mac>
class django::sealer {
 public:
  /// Throws std::invalid_argument when legacy SHA-1 is asked of a MAC policy without it.
  sealer(const key_ring& ring, const options& opts) : max_age_(opts.max_age) {
    if (opts.accept_legacy_sha1 && !has_sha1<Mac>)
      detail::raise<std::invalid_argument>(
          "crumb: legacy SHA-1 signatures need OpenSSL's libcrypto (openssl_hmac_sha256)");
    const std::string entry_salt = opts.salt + std::string(store_entry_salt_suffix);
    for (const auto& secret : ring.secrets()) {
      add_key<Mac>(cookie_keys_, secret, opts.salt);
      add_key<Mac>(entry_keys_, secret, entry_salt);
      if constexpr (has_sha1<Mac>) {
        if (opts.accept_legacy_sha1)
          add_key<typename Mac::sha1>(legacy_.keys, secret, opts.salt);
      }
    }
  }

  /// payload ":" timestamp ":" MAC, the payload base64url'd (after a "." if compressed).
  [[nodiscard]] errc seal(std::string_view payload, bool compressed, time_point now,
                          const token_info* /*renewing: Django keeps no session start*/,
                          purpose for_what, std::string& token) const {
    detail::start_signed_text(token, payload, compressed, compressed_marker, separator);
    append_timestamp(token, to_unix_seconds(now));
    detail::append_signature<Mac>(token, keys_for(for_what).front(), separator);
    return errc::ok;
  }

  /// Errors, in the order checked: malformed (no separator), invalid_signature (no key in
  /// the ring made this MAC, so what follows was made by a key holder), malformed
  /// (timestamp, base64), expired.
  [[nodiscard]] errc open(std::string_view token, time_point now, purpose for_what,
                          std::string& scratch, std::size_t padding, opened_token& out) const {
    std::string_view signed_part, sig, payload, timestamp_text;
    if (!detail::split_last(token, separator, signed_part, sig)) return errc::malformed;
    if (!verify(signed_part, sig, for_what, out.info.needs_resign))
      return errc::invalid_signature;
    if (!detail::split_last(signed_part, separator, payload, timestamp_text))
      return errc::malformed;
    std::int64_t timestamp = 0;
    if (parse_timestamp(timestamp_text, timestamp) != errc::ok) return errc::malformed;
    out.info.issued_at = timestamp;
    if (max_age_) {
      // As Django: age = time.time() - timestamp, in floating seconds; expired when greater.
      const double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
      if (seconds - static_cast<double>(timestamp) > static_cast<double>(max_age_->count()))
        return errc::expired;
    }
    return detail::open_payload(payload, compressed_marker, scratch, padding, out);
  }

 private:
  template <class M, class Keys>
  static void add_key(Keys& keys, std::string_view secret, std::string_view salt) {
    std::string derived = derive_key<M>(secret, salt);
    keys.emplace_back(derived);
    sodium_memzero(derived.data(), derived.size());
  }

  const std::vector<typename Mac::key>& keys_for(purpose p) const noexcept {
    return p == purpose::cookie ? cookie_keys_ : entry_keys_;
  }

  // The signature length (public: it follows from the algorithm) picks SHA-256 or SHA-1.
  bool verify(std::string_view signed_part, std::string_view sig, purpose for_what,
              bool& fallback) const noexcept {
    if (sig.size() == base64url::encoded_size(Mac::digest_size))
      return detail::any_key_signed<Mac>(keys_for(for_what), signed_part, sig, fallback);
    if constexpr (has_sha1<Mac>) {
      using sha1 = typename Mac::sha1;
      if (for_what == purpose::cookie && !legacy_.keys.empty() &&
          sig.size() == base64url::encoded_size(sha1::digest_size)) {
        const bool matched =
            detail::any_key_signed<sha1>(legacy_.keys, signed_part, sig, fallback);
        fallback = matched;  // a legacy signature is re-signed with SHA-256
        return matched;
      }
    }
    return false;
  }

  std::optional<std::chrono::seconds> max_age_;
  std::vector<typename Mac::key> cookie_keys_;
  std::vector<typename Mac::key> entry_keys_;
  [[no_unique_address]] detail::django_legacy_keys<Mac> legacy_;
};

}  // namespace crumb::profile
