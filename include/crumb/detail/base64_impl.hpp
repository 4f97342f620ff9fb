// The base64url (RFC 4648 section 5, no padding) tables and loops behind crumb/base64.hpp.
// Tokens are public data, so this needs no constant time and can use lookup tables:
// libsodium's constant-time codec measured ~8 ns/byte here, as slow as the MAC itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace crumb::detail {

inline constexpr char base64url_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline constexpr std::uint8_t base64url_invalid = 0xFF;

inline constexpr auto base64url_reverse = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(base64url_invalid);
  for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(base64url_alphabet[i])] = i;
  return t;
}();

// Writes the encoding of n bytes at `in` to `out`, which has room for (4n + 2) / 3 chars.
inline void base64url_encode(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  const char* a = base64url_alphabet;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *out++ = a[v >> 18];
    *out++ = a[(v >> 12) & 63];
    *out++ = a[(v >> 6) & 63];
    *out++ = a[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    *out++ = a[v >> 18];
    *out++ = a[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *out++ = a[v >> 18];
    *out++ = a[(v >> 12) & 63];
    *out++ = a[(v >> 6) & 63];
  }
}

// Decodes n chars at `in` into `out` (room for 3n / 4 bytes). Returns false on a
// character outside the alphabet, a length of 4k+1, or non-zero bits after the last byte
// (a non-canonical encoding: two texts must never decode to the same bytes).
inline bool base64url_decode(const char* in, std::size_t n, std::uint8_t* out) noexcept {
  const auto& r = base64url_reverse;
  const auto at = [&](std::size_t k) { return r[static_cast<unsigned char>(in[k])]; };
  if (n % 4 == 1) return false;
  std::uint32_t bad = 0;  // any 0xFF lookup sets bits above the low 6
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a = at(i), b = at(i + 1), c = at(i + 2), d = at(i + 3);
    bad |= a | b | c | d;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *out++ = static_cast<std::uint8_t>(v >> 16);
    *out++ = static_cast<std::uint8_t>(v >> 8);
    *out++ = static_cast<std::uint8_t>(v);
  }
  std::uint32_t leftover = 0;  // bits after the last whole byte: must be zero
  if (n - i == 2) {
    const std::uint32_t a = at(i), b = at(i + 1);
    bad |= a | b;
    leftover = b & 0x0F;
    *out++ = static_cast<std::uint8_t>((a << 2) | (b >> 4));
  } else if (n - i == 3) {
    const std::uint32_t a = at(i), b = at(i + 1), c = at(i + 2);
    bad |= a | b | c;
    leftover = c & 0x03;
    *out++ = static_cast<std::uint8_t>((a << 2) | (b >> 4));
    *out++ = static_cast<std::uint8_t>((b << 4) | (c >> 2));
  }
  return bad < 64 && leftover == 0;
}

}  // namespace crumb::detail
