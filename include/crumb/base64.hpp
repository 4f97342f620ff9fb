// base64url without padding (RFC 4648 section 5), the alphabet of Django's tokens.
// Encoding appends to a caller's string; decoding is strict: no padding, no whitespace,
// nothing outside the alphabet, and canonical trailing bits, so one text means one value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crumb/detail/base64_impl.hpp"
#include "crumb/error.hpp"

namespace crumb::base64url {

/// Characters needed to encode n bytes (no padding).
constexpr std::size_t encoded_size(std::size_t n) noexcept { return (n * 4 + 2) / 3; }

/// Largest number of bytes n characters can decode to.
constexpr std::size_t decoded_size(std::size_t n) noexcept { return n * 3 / 4; }

/// Appends the encoding of `bytes` to `out`. Allocates only to grow `out`.
inline void encode(std::string_view bytes, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + encoded_size(bytes.size()));
  detail::base64url_encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                           out.data() + at);
}

/// The encoding of `bytes` as a new string.
inline std::string encode(std::string_view bytes) {
  std::string out;
  encode(bytes, out);
  return out;
}

/// Appends the bytes `text` encodes to `out`. errc::malformed for any character outside
/// the alphabet (padding and whitespace included), a length of 4k+1, or non-zero
/// trailing bits; `out` is then left as it was. Allocates only to grow `out`.
[[nodiscard]] inline errc decode(std::string_view text, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + decoded_size(text.size()));
  if (!detail::base64url_decode(text.data(), text.size(),
                                reinterpret_cast<std::uint8_t*>(out.data() + at))) {
    out.resize(at);
    return errc::malformed;
  }
  return errc::ok;
}

/// The bytes `text` encodes (see decode(std::string_view, std::string&)).
inline result<std::string> decode(std::string_view text) {
  std::string out;
  if (const errc e = decode(text, out); e != errc::ok) return e;
  return out;
}

}  // namespace crumb::base64url
