// Shared by the libFuzzer targets: a fixed key, clock and codec, and a property check
// that aborts (a crash for libFuzzer) with a message.
#pragma once

#include <crumb/crumb.hpp>

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
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

// --- for targets that check crumb against a second reading on libsodium alone ----------

inline const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

inline constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Canonical base64url only, decoded by libsodium. libsodium 1.0.18's decoder reads every
/// byte from 0x80 up as '_', so the alphabet is checked first.
inline std::optional<std::string> unbase64(std::string_view text) {
  if (text.find_first_not_of(base64url_alphabet) != std::string_view::npos) return std::nullopt;
  std::string bytes(text.size() * 3 / 4 + 1, '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &n, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  bytes.resize(n);
  return bytes;
}

/// base64url without padding, by libsodium.
inline std::string base64(std::string_view bytes) {
  std::string text(
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), u8(bytes), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.size() - 1);  // the NUL
  return text;
}

/// The fuzzer's input read as a script: bytes, big-endian numbers, then the rest as text;
/// past the end, zeros and an empty rest.
struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint64_t bytes(int k) {
    std::uint64_t v = 0;
    for (int i = 0; i < k; ++i) v = v << 8 | byte();
    return v;
  }
  std::string_view rest() {
    const std::string_view s(reinterpret_cast<const char*>(p), n);
    n = 0;
    return s;
  }
};

}  // namespace crumb_fuzz
