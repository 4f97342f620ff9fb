// libsodium must be initialised once before its random generator and its fastest
// implementations are used; sodium_init() is idempotent and thread-safe.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "crumb/detail/raise.hpp"

namespace crumb::detail {

inline void ensure_sodium() {
  if (sodium_init() < 0) raise<std::runtime_error>("crumb: libsodium failed to initialise");
}

// Whether the N bytes at `a` and `b` are equal, in a time that depends on N alone: for
// comparing a MAC with the one a token carries. libsodium's crypto_verify_16/32 compare
// with SIMD; sodium_memcmp goes a byte at a time through volatile loads, which measured
// 36 ns for 32 bytes against 4 (a twentieth of a Django decode of the small fixture).
template <std::size_t N>
bool same_bytes(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  if constexpr (N == 32) return crypto_verify_32(a, b) == 0;
  else if constexpr (N == 16) return crypto_verify_16(a, b) == 0;
  else return sodium_memcmp(a, b, N) == 0;
}

}  // namespace crumb::detail
