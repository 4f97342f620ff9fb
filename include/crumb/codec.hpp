// basic_codec: a session value to a signed token and back. Write: JSON -> compress if it
// pays -> base64url -> timestamp -> MAC. Read: MAC check over every key (constant time) ->
// age -> base64url -> bounded inflate -> JSON with limits. Reading never throws on bad input.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "crumb/base64.hpp"
#include "crumb/clock.hpp"
#include "crumb/compress.hpp"
#include "crumb/detail/base64_impl.hpp"
#include "crumb/detail/grow.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"
#include "crumb/json.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/purpose.hpp"
#include "crumb/value.hpp"

namespace crumb {

namespace detail {
// Stands in for the SHA-1 key type in builds without libcrypto, where legacy is refused.
struct no_legacy_mac {
  static constexpr std::size_t digest_size = 20;
  static void hash(std::string_view, std::uint8_t*) noexcept {}
  struct key {
    explicit key(std::string_view) {}
    void sign(std::string_view, std::uint8_t*) const noexcept {}
  };
};

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
using legacy_sha1_mac = openssl_hmac_sha1;
#else
using legacy_sha1_mac = no_legacy_mac;
#endif
}  // namespace detail

/// Encodes and decodes session tokens for one wire Profile, with a Compression, a Mac and
/// a Clock policy. Holds the prepared keys and reusable buffers, so a long-lived codec
/// allocates only for the values it builds. Not thread-safe: give each thread its own copy.
template <class Profile = profile::django, compression_policy Compression = zlib_compression,
          mac_policy Mac = default_hmac_sha256, clock_policy Clock = system_clock>
class basic_codec {
 public:
  using profile_type = Profile;

  struct options {
    /// Namespaces the MAC key; the default is the one Django's signed_cookies uses.
    std::string salt = std::string(Profile::session_salt);
    /// Tokens signed longer ago than this are errc::expired; nullopt: never.
    std::optional<std::chrono::seconds> max_age = Profile::default_max_age;
    /// Compress when it makes the token shorter (Django's rule). Reading is unaffected.
    bool compress = true;
    /// Also accept Django 3.1/3.2's HMAC-SHA1 signatures; needs OpenSSL's libcrypto.
    bool accept_legacy_sha1 = false;
    /// Longest token decode() looks at, and encode() produces.
    std::size_t max_token_bytes = 64 * 1024;
    /// Longest JSON text, after inflating: the bound on a decompression bomb.
    std::size_t max_json_bytes = 1 << 20;
    /// Deepest nesting written or read.
    std::size_t max_depth = json::limits{}.max_depth;
  };

  /// Derives the MAC key of every secret in `keys` once. Throws std::invalid_argument
  /// when accept_legacy_sha1 is asked of a build without libcrypto.
  explicit basic_codec(const key_ring& keys, options opts = {}, Clock clock = {})
      : opts_(std::move(opts)),
        clock_(std::move(clock)),
        reader_(json::limits{opts_.max_json_bytes, opts_.max_depth}) {
    if (opts_.accept_legacy_sha1 && !has_openssl)
      detail::raise<std::invalid_argument>(
          "crumb: legacy SHA-1 signatures need OpenSSL's libcrypto");
    const std::string entry_salt = opts_.salt + std::string(store_entry_salt_suffix);
    for (const auto& secret : keys.secrets()) {
      add_key<Mac>(keys_, secret, opts_.salt);
      add_key<Mac>(entry_keys_, secret, entry_salt);
      if (opts_.accept_legacy_sha1)
        add_key<detail::legacy_sha1_mac>(legacy_keys_, secret, opts_.salt);
    }
  }

  /// Signs `session` into `token` (its old contents replaced, its capacity reused).
  /// Errors: errc::not_finite, invalid_utf8 or too_deep from the JSON writer;
  /// errc::too_large when the JSON or the token would pass the configured bounds, so
  /// crumb never writes what it would refuse to read. Allocates only to grow buffers.
  /// `for_what` picks the keys: a store entry is signed apart from cookies (purpose.hpp).
  [[nodiscard]] errc encode_into(const value& session, std::string& token,
                                 purpose for_what = purpose::cookie) {
    std::string_view json_text;
    if (const errc e = json::write_into(session, json_, json_text, opts_.max_depth); e != errc::ok)
      return e;
    if (json_text.size() > opts_.max_json_bytes) return errc::too_large;
    token.clear();
    packed_.clear();
    if (opts_.compress && compression_.compress_if_smaller(json_text, packed_)) {
      token += Profile::compressed_marker;
      base64url::encode(packed_, token);
    } else {
      base64url::encode(json_text, token);
    }
    token += Profile::separator;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        time_point(clock_.now()).time_since_epoch());
    Profile::append_timestamp(token, now.count());
    std::uint8_t mac[Mac::digest_size];
    (for_what == purpose::cookie ? keys_ : entry_keys_).front().sign(token, mac);
    token += Profile::separator;
    base64url::encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac), token);
    sodium_memzero(mac, sizeof mac);
    if (token.size() > opts_.max_token_bytes) return errc::too_large;
    return errc::ok;
  }

  /// `session` as a new token (see encode_into()).
  result<std::string> encode(const value& session) {
    std::string token;
    if (const errc e = encode_into(session, token); e != errc::ok) return e;
    return token;
  }

  /// Verifies `token` and reads the session into `out`. Errors, in the order checked:
  /// errc::too_large (token longer than max_token_bytes), malformed (no separator),
  /// invalid_signature (no key in the ring made this MAC, so what follows was made by a key
  /// holder), malformed (timestamp, base64), expired,
  /// invalid_compression or too_large (inflating), then the JSON reader's errors.
  /// `out` is unspecified on error. Never throws on bad input.
  [[nodiscard]] errc decode_into(std::string_view token, value& out) {
    std::int64_t signed_at = 0;
    return decode_into(token, out, signed_at);
  }

  /// As decode_into(token, out), also giving the Unix time the token was signed at
  /// (set once the signature has verified), for tokens made for `for_what`: a token made
  /// for another purpose is errc::invalid_signature.
  [[nodiscard]] errc decode_into(std::string_view token, value& out, std::int64_t& signed_at,
                                 purpose for_what = purpose::cookie) {
    if (token.size() > opts_.max_token_bytes) return errc::too_large;
    const std::size_t sig_at = token.rfind(Profile::separator);
    if (sig_at == std::string_view::npos) return errc::malformed;
    const std::string_view signed_part = token.substr(0, sig_at);
    if (!verify(signed_part, token.substr(sig_at + 1), for_what)) return errc::invalid_signature;

    const std::size_t ts_at = signed_part.rfind(Profile::separator);
    if (ts_at == std::string_view::npos) return errc::malformed;
    std::int64_t timestamp = 0;
    if (Profile::parse_timestamp(signed_part.substr(ts_at + 1), timestamp) != errc::ok)
      return errc::malformed;
    signed_at = timestamp;
    if (opts_.max_age) {
      // As Django: age = time.time() - timestamp, in floating seconds; expired when greater.
      const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
      if (now - static_cast<double>(timestamp) > static_cast<double>(opts_.max_age->count()))
        return errc::expired;
    }

    std::string_view payload = signed_part.substr(0, ts_at);
    const bool compressed = !payload.empty() && payload.front() == Profile::compressed_marker;
    if (compressed) payload.remove_prefix(1);
    // Both scratch buffers keep the reader's padding after the text (see read_padded()) and
    // are never shrunk, so steady state copies and fills nothing.
    const std::size_t decoded = base64url::decoded_size(payload.size());
    if (decoded_.size() < decoded + json::reader::padding)
      decoded_.resize(decoded + json::reader::padding);
    if (!detail::base64url_decode(payload.data(), payload.size(),
                                  reinterpret_cast<std::uint8_t*>(decoded_.data())))
      return errc::malformed;
    std::string_view json_text(decoded_.data(), decoded);
    if (compressed) {
      if (const errc e = compression_.inflate_into(json_text, inflated_, opts_.max_json_bytes,
                                                   json_text);
          e != errc::ok)
        return e;
      const std::size_t inflated = json_text.size();
      detail::grow_exactly(inflated_, inflated + json::reader::padding);  // within the bound
      json_text = std::string_view(inflated_.data(), inflated);
    }
    return reader_.read_padded(json_text, out);
  }

  /// The session `token` carries (see decode_into()).
  result<value> decode(std::string_view token) {
    value out;
    if (const errc e = decode_into(token, out); e != errc::ok) return e;
    return out;
  }

  const options& settings() const noexcept { return opts_; }
  Clock& clock() noexcept { return clock_; }
  const Clock& clock() const noexcept { return clock_; }

 private:
  template <class M, class Keys>
  static void add_key(Keys& keys, std::string_view secret, std::string_view salt) {
    std::string derived = Profile::template derive_key<M>(secret, salt);
    keys.emplace_back(derived);
    sodium_memzero(derived.data(), derived.size());
  }

  // Every key is tried, with no early exit, so timing does not tell which key matched;
  // the signature length (public: it follows from the algorithm) picks SHA-256 or SHA-1.
  bool verify(std::string_view signed_part, std::string_view sig, purpose for_what) const noexcept {
    if (sig.size() == base64url::encoded_size(Mac::digest_size))
      return any_key_matches<Mac>(for_what == purpose::cookie ? keys_ : entry_keys_, signed_part,
                                  sig);
    if (for_what == purpose::cookie && !legacy_keys_.empty() &&
        sig.size() == base64url::encoded_size(detail::legacy_sha1_mac::digest_size))
      return any_key_matches<detail::legacy_sha1_mac>(legacy_keys_, signed_part, sig);
    return false;
  }

  // The signature is decoded once (strict base64: one text per MAC, so comparing bytes is
  // comparing texts, as Django does) and compared in constant time with each key's MAC.
  template <class M, class Keys>
  static bool any_key_matches(const Keys& keys, std::string_view msg,
                              std::string_view sig) noexcept {
    std::uint8_t wanted[M::digest_size];
    if (!detail::base64url_decode(sig.data(), sig.size(), wanted)) return false;
    std::uint8_t mac[M::digest_size];
    int matched = 0;
    for (const auto& key : keys) {
      key.sign(msg, mac);
      matched |= static_cast<int>(sodium_memcmp(mac, wanted, sizeof mac) == 0);
    }
    sodium_memzero(mac, sizeof mac);
    return matched != 0;
  }

  options opts_;
  Clock clock_;
  Compression compression_;
  std::vector<typename Mac::key> keys_;        // cookies
  std::vector<typename Mac::key> entry_keys_;  // store entries
  std::vector<typename detail::legacy_sha1_mac::key> legacy_keys_;
  json::reader reader_;
  std::string json_;      // JSON text written: write_into's scratch, never shrunk
  std::string inflated_;  // JSON text inflated: inflate_into's scratch, never shrunk
  std::string packed_;    // compressed payload written
  std::string decoded_;   // base64-decoded payload read: scratch, never shrunk
};

/// Django-compatible sessions with the fastest HMAC this build has.
using django_codec = basic_codec<profile::django>;

}  // namespace crumb
