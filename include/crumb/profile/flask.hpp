// The flask wire profile: Flask's session cookie, itsdangerous' URLSafeTimedSerializer as
// flask.sessions.SecureCookieSessionInterface sets it up: payload "." base64url(big-endian
// Unix time) "." base64url(HMAC-SHA1), the key HMAC-SHA1(secret, "cookie-session"), a
// leading "." on the payload when zlib-compressed, JSON with sorted keys. Needs an
// HMAC-SHA1 (OpenSSL's libcrypto: libsodium has none).
#pragma once

#include <sodium.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crumb/base64.hpp"
#include "crumb/clock.hpp"
#include "crumb/detail/base64_impl.hpp"
#include "crumb/detail/signed_text.hpp"
#include "crumb/error.hpp"
#include "crumb/json.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/purpose.hpp"
#include "crumb/value.hpp"

namespace crumb::profile {

/// Flask's values that JSON has no type for arrive tagged, as one-member objects: " t"
/// (tuple), " b" (bytes, base64), " d" (datetime, HTTP date), " u" (UUID, hex), " m"
/// (Markup), " di" (a dict whose one key looks like a tag). crumb keeps them as they are,
/// so they go back to Flask as the same Python values; read them as objects. Any
/// one-member object under one of those keys is a tag to Flask, and one Flask cannot read
/// would fail its every request: encoding checks them (check_tags()).
struct flask {
  static constexpr std::string_view name = "flask";
  /// The salt of flask.sessions.SecureCookieSessionInterface.
  static constexpr std::string_view session_salt = "cookie-session";
  /// PERMANENT_SESSION_LIFETIME's default: 31 days (Flask checks it on every read).
  static constexpr std::chrono::seconds default_max_age{2678400};
  static constexpr char separator = '.';
  static constexpr char compressed_marker = '.';
  /// itsdangerous compresses only when that saves at least 2 bytes, as Django.
  static constexpr std::size_t compression_must_save = 2;
  /// Flask's JSON provider sorts keys.
  static constexpr json::key_order key_order = json::key_order::sorted;

  struct options {
    std::string salt = std::string(session_salt);
    /// Tokens older than this (whole seconds, as itsdangerous) are errc::expired, and
    /// tokens from the future, even by one second, errc::not_yet_valid; nullopt: neither
    /// is checked (itsdangerous without max_age).
    std::optional<std::chrono::seconds> max_age = default_max_age;
  };

  /// Flask keeps a session's lifetime in the cookie's Expires only (session.permanent);
  /// the data-level expiry key is Django's, honoured by crumb alone.
  using session_expiry = django::session_expiry;

  /// The MAC key for `secret`: HMAC-SHA1(secret, salt) (itsdangerous' "hmac" derivation).
  template <mac_policy Sha1>
  static std::string derive_key(std::string_view secret, std::string_view salt) {
    const typename Sha1::key k{secret};
    std::string key(Sha1::digest_size, '\0');
    k.sign(salt, reinterpret_cast<std::uint8_t*>(key.data()));
    return key;
  }

  /// Appends base64url of `unix_seconds`' big-endian bytes, without leading zero bytes
  /// (itsdangerous' int_to_bytes; 0 has no bytes).
  static void append_timestamp(std::string& out, std::int64_t unix_seconds) {
    auto n = static_cast<std::uint64_t>(unix_seconds < 0 ? 0 : unix_seconds);
    char bytes[8];
    std::size_t len = 0;
    for (; n != 0; n >>= 8) bytes[7 - len++] = static_cast<char>(n & 0xff);
    base64url::encode(std::string_view(bytes + 8 - len, len), out);
  }

  /// Parses a timestamp: at most 8 bytes, below 2^63. errc::malformed otherwise.
  [[nodiscard]] static errc parse_timestamp(std::string_view text, std::int64_t& out) noexcept {
    std::uint8_t bytes[9];
    if (text.size() > base64url::encoded_size(8)) return errc::malformed;
    if (!detail::base64url_decode(text.data(), text.size(), bytes)) return errc::malformed;
    const std::size_t len = base64url::decoded_size(text.size());
    if (len == 8 && bytes[0] >= 0x80) return errc::malformed;
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < len; ++i) n = n << 8 | bytes[i];
    out = static_cast<std::int64_t>(n);
    return errc::ok;
  }

  /// Whether Flask reads every tagged value in `v` back as written (see above): a " t"
  /// holds an array; " b" padded base64; " u" a UUID's 32 hex digits (hyphens, braces and
  /// a "urn:uuid:" prefix allowed); " d" a date as werkzeug's http_date writes it
  /// ("Wed, 15 Nov 2023 12:00:00 GMT"; werkzeug raises on some other strings); " di" an
  /// object of one member whose key ends in "__"; " m" anything. The session itself is
  /// untagged too, so it is no tagged value but " di" (Flask would make it a tuple, a
  /// string...: no session). errc::invalid_json for the first that is not (Flask would
  /// raise on it, or read it otherwise); errc::too_deep past `max_depth` containers. The
  /// codec calls it before every encode.
  [[nodiscard]] static errc check_tags(const value& v, std::size_t max_depth) {
    if (const object* o = v.if_object(); o != nullptr && o->size() == 1) {
      const std::string_view key = o->begin()->first;
      if (key == " t" || key == " b" || key == " u" || key == " d" || key == " m")
        return errc::invalid_json;
    }
    return check_nested(v, max_depth);
  }

  template <mac_policy Mac>
  class sealer;

 private:
  static errc check_nested(const value& v, std::size_t max_depth) {
    const array* a = v.if_array();
    const object* o = v.if_object();
    if (a == nullptr && o == nullptr) return errc::ok;
    if (max_depth == 0) return errc::too_deep;
    if (a != nullptr) {
      for (const value& item : *a)
        if (const errc e = check_nested(item, max_depth - 1); e != errc::ok) return e;
      return errc::ok;
    }
    if (o->size() == 1 && !readable_tag(o->begin()->first, o->begin()->second))
      return errc::invalid_json;
    for (const auto& [key, member] : *o)
      if (const errc e = check_nested(member, max_depth - 1); e != errc::ok) return e;
    return errc::ok;
  }
  static bool readable_tag(std::string_view tag, const value& v) {
    const std::string* s = v.if_string();
    if (tag == " t") return v.is_array();
    if (tag == " d") return s != nullptr && is_http_date(*s);
    if (tag == " b") return s != nullptr && is_padded_base64(*s);
    if (tag == " u") return s != nullptr && is_uuid(*s);
    if (tag == " di") {
      const object* o = v.if_object();
      return o != nullptr && o->size() == 1 && o->begin()->first.ends_with("__");
    }
    return true;  // not a tag
  }
  static bool is_padded_base64(std::string_view s) {
    if (s.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
    for (std::size_t i = 0; i < s.size() - pad; ++i) {
      const char c = s[i];
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '+' || c == '/';
      if (!ok) return false;
    }
    return true;
  }
  // "Www, DD Mon YYYY HH:MM:SS GMT", as werkzeug's http_date writes: its parse_date raises
  // OverflowError (not caught by Flask) on a year or hour of too many digits.
  static bool is_http_date(std::string_view s) {
    constexpr std::string_view shape = "???, 00 ??? 0000 00:00:00 GMT";  // ?: a name
    constexpr std::string_view days = "Mon Tue Wed Thu Fri Sat Sun ";
    constexpr std::string_view months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec ";
    if (s.size() != shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      const bool digit = s[i] >= '0' && s[i] <= '9';
      if (shape[i] == '0' ? !digit : (shape[i] != '?' && s[i] != shape[i]))
        return false;
    }
    const auto one_of = [](std::string_view names, std::string_view name) {
      const std::size_t at = names.find(name);
      return at != std::string_view::npos && at % 4 == 0;
    };
    return one_of(days, s.substr(0, 3)) && one_of(months, s.substr(8, 3));
  }
  static bool is_uuid(std::string_view s) {
    if (s.starts_with("urn:")) s.remove_prefix(4);
    if (s.starts_with("uuid:")) s.remove_prefix(5);
    if (s.starts_with('{') && s.ends_with('}') && s.size() >= 2) s = s.substr(1, s.size() - 2);
    std::size_t digits = 0;
    for (const char c : s) {
      if (c == '-') continue;
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex) return false;
      ++digits;
    }
    return digits == 32;
  }
};

/// Flask's keys: one per secret and purpose, each an HMAC-SHA1 key. The current secret
/// signs; every secret verifies (itsdangerous' key list), with no early exit.
template <mac_policy Mac>
class flask::sealer {
  static_assert(has_sha1<Mac>,
                "crumb: the flask profile needs HMAC-SHA1, which only OpenSSL's libcrypto "
                "brings: build with CRUMB_WITH_OPENSSL=1 and link -lcrypto, and use "
                "openssl_hmac_sha256 (the default there)");
  using sha1 = typename Mac::sha1;

 public:
  sealer(const key_ring& ring, const options& opts) : max_age_(opts.max_age) {
    const std::string entry_salt = opts.salt + std::string(store_entry_salt_suffix);
    for (const auto& secret : ring.secrets()) {
      add_key(cookie_keys_, secret, opts.salt);
      add_key(entry_keys_, secret, entry_salt);
    }
  }

  [[nodiscard]] errc seal(std::string_view payload, bool compressed, time_point now,
                          const token_info* /*renewing*/, purpose for_what,
                          std::string& token) const {
    detail::start_signed_text(token, payload, compressed, compressed_marker, separator);
    append_timestamp(token, to_unix_seconds(now));
    detail::append_signature<sha1>(token, keys_for(for_what).front(), separator);
    return errc::ok;
  }

  /// Errors, in itsdangerous' order: malformed (no separator), invalid_signature,
  /// malformed (timestamp, base64), expired (older than max_age) or not_yet_valid (from
  /// the future, even by a second: itsdangerous' "negative age").
  [[nodiscard]] errc open(std::string_view token, time_point now, purpose for_what,
                          std::string& scratch, std::size_t padding, opened_token& out) const {
    std::string_view signed_part, sig, payload, timestamp_text;
    if (!detail::split_last(token, separator, signed_part, sig)) return errc::malformed;
    if (!detail::any_key_signed<sha1>(keys_for(for_what), signed_part, sig,
                                      out.info.needs_resign))
      return errc::invalid_signature;
    if (!detail::split_last(signed_part, separator, payload, timestamp_text))
      return errc::malformed;
    std::int64_t timestamp = 0;
    if (parse_timestamp(timestamp_text, timestamp) != errc::ok) return errc::malformed;
    out.info.issued_at = timestamp;
    if (max_age_) {
      // As itsdangerous: age = int(time.time()) - timestamp; expired when greater than
      // max_age; refused when negative.
      const std::int64_t age = detail::saturating_add(to_unix_seconds(now), -timestamp);
      if (age < 0) return errc::not_yet_valid;
      if (age > max_age_->count()) return errc::expired;
    }
    return detail::open_payload(payload, compressed_marker, scratch, padding, out);
  }

 private:
  using key_list = std::vector<typename sha1::key>;

  static void add_key(key_list& keys, std::string_view secret, std::string_view salt) {
    std::string derived = derive_key<sha1>(secret, salt);
    keys.emplace_back(derived);
    sodium_memzero(derived.data(), derived.size());
  }

  const key_list& keys_for(purpose p) const noexcept {
    return p == purpose::cookie ? cookie_keys_ : entry_keys_;
  }

  std::optional<std::chrono::seconds> max_age_;
  key_list cookie_keys_;
  key_list entry_keys_;
};

}  // namespace crumb::profile
