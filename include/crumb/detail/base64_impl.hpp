// The base64url (RFC 4648 section 5, no padding) tables and loops behind crumb/base64.hpp.
// Tokens are public data, so this needs no constant time and can use lookup tables:
// libsodium's constant-time codec measured ~8 ns/byte here, as slow as the MAC itself.
// Both directions also have an AVX2 loop, picked at run time on x86-64 CPUs that have it:
// 24 bytes / 32 characters a step instead of 3 / 4 (decoding a 270-character payload:
// 105 ns through the table, 17 ns with AVX2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#  include <immintrin.h>
#  define CRUMB_BASE64_AVX2 1
#else
#  define CRUMB_BASE64_AVX2 0
#endif

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

// Writes the encoding of n bytes at `in` to `out`, which has room for (4n + 2) / 3 chars,
// 3 bytes at a time through the alphabet. `in` and `out` do not overlap (nor in the
// functions below).
inline void base64url_encode_table(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  const char* a = base64url_alphabet;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
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

// Decodes n chars at `in` into `out` (room for 3n / 4 bytes), 4 at a time through the
// table. Returns false on a character outside the alphabet, a length of 4k+1, or non-zero
// bits after the last byte (a non-canonical encoding: two texts must never decode to the
// same bytes). `out` is unspecified then. `in` and `out` do not overlap: the AVX2 loop's
// last step reads chars its step before may have overwritten.
inline bool base64url_decode_table(const char* in, std::size_t n, std::uint8_t* out) noexcept {
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

#if CRUMB_BASE64_AVX2
// Decodes the whole 4-char groups of n >= 32 chars, 32 chars to 24 bytes a step (the last
// step overlaps the one before when the groups do not fill it); returns how many chars that
// was (n rounded down to a multiple of 4), or 0 when one of them is outside the alphabet.
// Each char becomes its 6 bits by adding an offset chosen by its high nibble ('_', the one
// char of its nibble with another, by its own); validity is a bit test of two nibble
// tables: lo[c & 15] holds a bit for each high-nibble class in which that low nibble is
// not in the alphabet, hi[c >> 4] the bit of c's class (class 5 is the nibbles with no
// char in the alphabet, set in every lo).
__attribute__((target("avx2"))) inline std::size_t base64url_decode_avx2(
    const char* in, std::size_t n, std::uint8_t* out) noexcept {
  // Classes: 0 '-' (0x2D); 1 '0'-'9'; 2 'A'-'O' and 'a'-'o'; 3 'P'-'Z' and '_'; 4 'p'-'z'.
  // Each 256-bit table is two copies of its 16 bytes: byte shuffles look up per 128 bits.
  // clang-format off
  const __m256i lo_invalid = _mm256_setr_epi8(
      0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x23, 0x3b, 0x3b, 0x3a, 0x3b, 0x33,
      0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x23, 0x3b, 0x3b, 0x3a, 0x3b, 0x33);
  const __m256i hi_class = _mm256_setr_epi8(
      0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
      0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20);
  // What each high nibble adds: '-' + 17 = 62, '0' + 4 = 52, 'A' - 65 = 0, 'a' - 71 = 26.
  const __m256i offset_by_hi = _mm256_setr_epi8(
      0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  // clang-format on
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i underscore_offset = _mm256_set1_epi8(63 - '_');
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  // 6-bit values a b c d per 4 chars -> the 24-bit a<<18|b<<12|c<<6|d in each 32-bit lane,
  // then its bytes high first, 12 per 128-bit half, and the halves' 12 bytes together.
  const __m256i pair_ab = _mm256_set1_epi32(0x01400140);
  const __m256i pair_abcd = _mm256_set1_epi32(0x00011000);
  // clang-format off
  const __m256i bytes_high_first = _mm256_setr_epi8(
      2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
      2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  // clang-format on
  const __m256i pack_halves = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);

  __m256i bad = _mm256_setzero_si256();
  const std::size_t whole = n / 4 * 4, last = whole - 32;
  for (std::size_t i = 0;; i = i + 32 < last ? i + 32 : last) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
    const __m256i lo = _mm256_and_si256(c, nibble);
    bad = _mm256_or_si256(bad, _mm256_and_si256(_mm256_shuffle_epi8(lo_invalid, lo),
                                                _mm256_shuffle_epi8(hi_class, hi)));
    const __m256i offset = _mm256_blendv_epi8(_mm256_shuffle_epi8(offset_by_hi, hi),
                                              underscore_offset, _mm256_cmpeq_epi8(c, underscore));
    const __m256i six = _mm256_add_epi8(c, offset);
    const __m256i merged = _mm256_madd_epi16(_mm256_maddubs_epi16(six, pair_ab), pair_abcd);
    const __m256i packed =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(merged, bytes_high_first), pack_halves);
    std::uint8_t* to = out + i / 4 * 3;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to), _mm256_castsi256_si128(packed));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(to + 16), _mm256_extracti128_si256(packed, 1));
    if (i == last) break;
  }
  return _mm256_testz_si256(bad, bad) ? whole : 0;
}

// Encodes the first bytes of n >= 28, 24 bytes to 32 chars a step (each step reads 28;
// the last step overlaps the one before, on a multiple of 3 bytes); returns how many bytes
// that was, at least 24, leaving 4 to 6. Each lane of 4 chars gets its 3 bytes as
// b1 b0 b2 b1; multiplies move the four 6-bit fields into bytes of their own, and the
// alphabet is an offset per range of values, looked up by a small index computed from it.
__attribute__((target("avx2"))) inline std::size_t base64url_encode_avx2(const std::uint8_t* in,
                                                                         std::size_t n,
                                                                         char* out) noexcept {
  // clang-format off
  const __m256i spread = _mm256_setr_epi8(
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  // clang-format on
  // In each lane, 16-bit halves b0:b1 and b1:b2 hold a b and c d at bits 15-10, 9-4 and
  // 11-6, 5-0: a and c go to the high bytes' low bits by mulhi, b and d by mullo.
  const __m256i a_c = _mm256_set1_epi32(0x0fc0fc00), a_c_shift = _mm256_set1_epi32(0x04000040);
  const __m256i b_d = _mm256_set1_epi32(0x003f03f0), b_d_shift = _mm256_set1_epi32(0x01000010);
  // Index 13 for 0-25 ('A'...), 0 for 26-51 ('a'...), 1-10 for 52-61 ('0'...), 11 for 62
  // ('-'), 12 for 63 ('_'): each index's offset from value to char.
  // clang-format off
  const __m256i offset_by_index = _mm256_setr_epi8(
      71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0,
      71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0);
  // clang-format on
  const __m256i fifty_one = _mm256_set1_epi8(51), twenty_six = _mm256_set1_epi8(26);
  const __m256i thirteen = _mm256_set1_epi8(13);

  const std::size_t last = (n - 28) / 3 * 3;
  for (std::size_t i = 0;; i = i + 24 < last ? i + 24 : last) {
    const __m256i bytes = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12)), 1);
    const __m256i lanes = _mm256_shuffle_epi8(bytes, spread);
    const __m256i six =
        _mm256_or_si256(_mm256_mulhi_epu16(_mm256_and_si256(lanes, a_c), a_c_shift),
                        _mm256_mullo_epi16(_mm256_and_si256(lanes, b_d), b_d_shift));
    const __m256i index =
        _mm256_or_si256(_mm256_subs_epu8(six, fifty_one),
                        _mm256_and_si256(_mm256_cmpgt_epi8(twenty_six, six), thirteen));
    const __m256i chars = _mm256_add_epi8(six, _mm256_shuffle_epi8(offset_by_index, index));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i / 3 * 4), chars);
    if (i == last) break;
  }
  return last + 24;
}

#endif

// Whether this CPU runs the AVX2 loops (asked once).
inline bool base64url_have_avx2() noexcept {
#if CRUMB_BASE64_AVX2
  static const bool have = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return have;
#else
  return false;
#endif
}

// base64url_encode_table's contract, with the AVX2 loop taking all but the last 4 to 6
// bytes where the CPU has it and there are 28 bytes or more.
inline void base64url_encode(const std::uint8_t* in, std::size_t n, char* out) noexcept {
#if CRUMB_BASE64_AVX2
  if (n >= 28 && base64url_have_avx2()) {
    const std::size_t done = base64url_encode_avx2(in, n, out);
    base64url_encode_table(in + done, n - done, out + done / 3 * 4);
    return;
  }
#endif
  base64url_encode_table(in, n, out);
}

// base64url_decode_table's contract, with the AVX2 loop taking the whole groups first
// where the CPU has it and there are 32 chars or more.
inline bool base64url_decode(const char* in, std::size_t n, std::uint8_t* out) noexcept {
#if CRUMB_BASE64_AVX2
  if (n >= 32 && base64url_have_avx2()) {
    const std::size_t done = base64url_decode_avx2(in, n, out);
    if (done == 0) return false;
    return base64url_decode_table(in + done, n - done, out + done / 4 * 3);
  }
#endif
  return base64url_decode_table(in, n, out);
}

}  // namespace crumb::detail
