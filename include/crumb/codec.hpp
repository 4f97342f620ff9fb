// basic_codec: a session value to a signed token and back, for one wire profile. Write:
// JSON -> compress if it pays -> the profile seals it (MAC or encryption, times). Read:
// the profile opens it (verify, times) -> bounded inflate -> JSON with limits. Reading
// never throws on bad input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "crumb/clock.hpp"
#include "crumb/compress.hpp"
#include "crumb/detail/grow.hpp"
#include "crumb/error.hpp"
#include "crumb/json.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/purpose.hpp"
#include "crumb/value.hpp"

namespace crumb {

/// Encodes and decodes session tokens for one wire Profile, with a Compression, a Mac and
/// a Clock policy. Holds the prepared keys and reusable buffers, so a long-lived codec
/// allocates only for the values it builds. Not thread-safe: give each thread its own copy
/// (or let a session manager lend them).
template <class Profile = profile::django, compression_policy Compression = zlib_compression,
          mac_policy Mac = default_hmac_sha256, clock_policy Clock = system_clock>
  requires wire_profile<Profile, Mac>
class basic_codec {
 public:
  using profile_type = Profile;

  /// The profile's options (Django: salt, max_age, accept_legacy_sha1), and what every
  /// profile shares.
  struct options : Profile::options {
    /// Compress when it makes the token shorter (the profile's rule). Reading is unaffected.
    bool compress = true;
    /// Longest token decode() looks at, and encode() produces.
    std::size_t max_token_bytes = 64 * 1024;
    /// Longest JSON text, after inflating: the bound on a decompression bomb.
    std::size_t max_json_bytes = 1 << 20;
    /// Deepest nesting written or read.
    std::size_t max_depth = json::limits{}.max_depth;
  };

  /// Prepares the keys of every secret in `keys` once. Throws std::invalid_argument for
  /// options the profile cannot honour (e.g. Django's legacy SHA-1 without libcrypto).
  explicit basic_codec(const key_ring& keys, options opts = {}, Clock clock = {})
      : opts_(std::move(opts)),
        clock_(std::move(clock)),
        sealer_(keys, static_cast<const typename Profile::options&>(opts_)),
        reader_(json::limits{opts_.max_json_bytes, opts_.max_depth}) {}

  /// Signs `session` into `token` (its old contents replaced, its capacity reused).
  /// Errors: errc::not_finite, invalid_utf8 or too_deep from the JSON writer;
  /// errc::too_large when the JSON or the token would pass the configured bounds, so
  /// crumb never writes what it would refuse to read. Allocates only to grow buffers.
  /// `for_what` picks the keys: a store entry is sealed apart from cookies (purpose.hpp).
  /// `renewing`: the info of the token this one replaces for the same session (a profile
  /// with an absolute expiry keeps it), or null for a new session.
  [[nodiscard]] errc encode_into(const value& session, std::string& token,
                                 purpose for_what = purpose::cookie,
                                 const token_info* renewing = nullptr) {
    if constexpr (requires { Profile::check_tags(session, opts_.max_depth); }) {
      if (const errc e = Profile::check_tags(session, opts_.max_depth); e != errc::ok) return e;
    }
    std::string_view json_text;
    if (const errc e = json::write_into(session, json_, json_text, opts_.max_depth, key_order);
        e != errc::ok)
      return e;
    if (json_text.size() > opts_.max_json_bytes) return errc::too_large;
    packed_.clear();
    const bool compressed =
        opts_.compress &&
        compression_.compress_if_smaller(json_text, packed_, Profile::compression_must_save);
    if (const errc e = sealer_.seal(compressed ? std::string_view(packed_) : json_text,
                                    compressed, clock_.now(), renewing, for_what, token);
        e != errc::ok)
      return e;
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
  /// errc::too_large (token longer than max_token_bytes), the profile's (malformed,
  /// invalid_signature, expired, ...: see its sealer's open()), invalid_compression or
  /// too_large (inflating), then the JSON reader's errors.
  /// `out` is unspecified on error. Never throws on bad input.
  [[nodiscard]] errc decode_into(std::string_view token, value& out) {
    token_info info;
    return decode_into(token, out, info);
  }

  /// As decode_into(token, out), also giving what the token says of itself (set once it
  /// has verified), for tokens made for `for_what`: a token made for another purpose is
  /// refused (errc::invalid_signature).
  [[nodiscard]] errc decode_into(std::string_view token, value& out, token_info& info,
                                 purpose for_what = purpose::cookie) {
    if (token.size() > opts_.max_token_bytes) return errc::too_large;
    opened_token opened;
    // Both scratch buffers keep the reader's padding after the text (see read_padded()) and
    // are never shrunk, so steady state copies and fills nothing.
    if (const errc e = sealer_.open(token, clock_.now(), for_what, decoded_,
                                    json::reader::padding, opened);
        e != errc::ok)
      return e;
    info = opened.info;
    std::string_view json_text = opened.payload;
    if (opened.compressed) {
      if (const errc e =
              compression_.inflate_into(json_text, inflated_, opts_.max_json_bytes, json_text);
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
  // The profile's order of object members: as inserted unless it says otherwise (Flask).
  static constexpr json::key_order key_order = [] {
    if constexpr (requires { Profile::key_order; }) return Profile::key_order;
    else return json::key_order::insertion;
  }();

  options opts_;
  Clock clock_;
  Compression compression_;
  typename Profile::template sealer<Mac> sealer_;
  json::reader reader_;
  std::string json_;      // JSON text written: write_into's scratch, never shrunk
  std::string inflated_;  // JSON text inflated: inflate_into's scratch, never shrunk
  std::string packed_;    // compressed payload written
  std::string decoded_;   // the profile's opened payload: scratch, never shrunk
};

/// Django-compatible sessions with the fastest HMAC this build has.
using django_codec = basic_codec<profile::django>;

}  // namespace crumb
