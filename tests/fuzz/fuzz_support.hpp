// Shared by the libFuzzer targets: a fixed key, clock and codec, and a property check
// that aborts (a crash for libFuzzer) with a message.
#pragma once

#include <crumb/crumb.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace crumb_fuzz {

inline constexpr std::int64_t now = 1700000000;
inline const std::string secret = "fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz";
inline const std::string fallback = "fuzz-fallback-secret-9876543210";

using codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression,
                                 crumb::default_hmac_sha256, crumb::fixed_clock>;

inline codec make_codec() {
  codec::options opts;
  opts.max_age = std::chrono::seconds(3600);
  return codec(crumb::key_ring(secret, {fallback}), opts, crumb::fixed_clock::at_unix(now));
}

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The codec property both token targets check: what decodes re-encodes, and the new
/// token decodes to the same value.
inline void require_round_trip(codec& c, const crumb::value& decoded) {
  std::string again;
  require(c.encode_into(decoded, again) == crumb::errc::ok, "decoded value re-encodes");
  crumb::value back;
  require(c.decode_into(again, back) == crumb::errc::ok, "re-encoded token decodes");
  require(back == decoded, "re-encoded token decodes to the same value");
}

}  // namespace crumb_fuzz
