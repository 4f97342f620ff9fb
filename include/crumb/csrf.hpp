// CSRF tokens kept in the session, as Django keeps them with CSRF_USE_SESSIONS: a 32-char
// secret under "_csrftoken", handed out masked (a fresh 64-char token per form, against
// BREACH) and checked in constant time. Tokens cross with Django 3.2 and 4.x both ways.
// Only the token: Django's Referer/Origin checks on HTTPS are the application's to make.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "crumb/detail/sodium.hpp"
#include "crumb/error.hpp"
#include "crumb/session.hpp"

namespace crumb::detail {

// Position of `c` in csrf::allowed_chars (a-z, A-Z, 0-9), or -1. Arithmetic only, with no
// branch or table lookup on the character: the secret's characters go through here, and
// timing must tell nothing of them. Each mask is -1 inside its range and 0 outside.
constexpr int csrf_index(char c) noexcept {
  const int x = static_cast<unsigned char>(c);
  const int lower = (('a' - 1 - x) & (x - ('z' + 1))) >> 8;
  const int upper = (('A' - 1 - x) & (x - ('Z' + 1))) >> 8;
  const int digit = (('0' - 1 - x) & (x - ('9' + 1))) >> 8;
  return (lower & (x - 'a')) | (upper & (x - 'A' + 26)) | (digit & (x - '0' + 52)) |
         ~(lower | upper | digit);
}

// The character at position `i` (0..61) of csrf::allowed_chars, without branches either.
constexpr char csrf_char(int i) noexcept {
  return static_cast<char>(i + 'a' + (((25 - i) >> 8) & ('A' - 'a' - 26)) +
                           (((51 - i) >> 8) & ('0' - 'A' - 26)));
}

// Whether every character of `text` is in the alphabet (an empty text is).
constexpr bool csrf_alphabet_only(std::string_view text) noexcept {
  int bad = 0;
  for (const char c : text) bad |= csrf_index(c);  // -1 sets the sign bit
  return bad >= 0;
}

// Django's _mask_cipher_secret with a given mask: out = mask + each secret char shifted
// by its mask char, modulo 62. Both inputs are 32 alphabet characters (checked by callers).
inline void csrf_mask(const char* secret, const char* mask, char* out) noexcept {
  for (std::size_t i = 0; i < 32; ++i) {
    int s = csrf_index(secret[i]) + csrf_index(mask[i]);
    s -= 62 & ((61 - s) >> 8);  // s >= 62
    out[i] = mask[i];
    out[32 + i] = csrf_char(s);
  }
}

// Django's _unmask_cipher_token: the secret under a 64-char masked token (checked).
inline void csrf_unmask(const char* token, char* secret) noexcept {
  for (std::size_t i = 0; i < 32; ++i) {
    int d = csrf_index(token[32 + i]) - csrf_index(token[i]);
    d += 62 & (d >> 8);  // d < 0: Python's negative index
    secret[i] = csrf_char(d);
  }
}

// `n` characters uniform over the 62-char alphabet from libsodium's generator: a byte
// below 248 = 4 * 62 gives its value modulo 62 (each character four ways), a byte above
// is dropped, so no character is likelier than another (no modulo bias).
inline void csrf_random_chars(char* out, std::size_t n) {
  ensure_sodium();
  std::array<unsigned char, 64> pool{};
  std::size_t used = pool.size();
  for (std::size_t i = 0; i < n;) {
    if (used == pool.size()) {
      randombytes_buf(pool.data(), pool.size());
      used = 0;
    }
    const int b = pool[used++];
    if (b < 248) out[i++] = csrf_char(b % 62);
  }
  sodium_memzero(pool.data(), pool.size());
}

// The 32-char secret a value carries: a 64-char masked token (what Django 3.2 and crumb
// keep, what forms carry) unmasked, or a bare 32-char secret (what Django 4.x keeps, and
// accepts from forms). False for any other length or any character outside the alphabet.
inline bool csrf_secret_of(std::string_view v, std::array<char, 32>& secret) noexcept {
  if (!csrf_alphabet_only(v)) return false;
  if (v.size() == 64) {
    csrf_unmask(v.data(), secret.data());
    return true;
  }
  if (v.size() != 32) return false;
  for (std::size_t i = 0; i < 32; ++i) secret[i] = v[i];
  return true;
}

// The session's secret, wiped when it goes out of scope.
struct csrf_secret_buffer {
  std::array<char, 32> chars{};
  csrf_secret_buffer() = default;
  csrf_secret_buffer(const csrf_secret_buffer&) = delete;
  csrf_secret_buffer& operator=(const csrf_secret_buffer&) = delete;
  ~csrf_secret_buffer() { sodium_memzero(chars.data(), chars.size()); }
};

}  // namespace crumb::detail

namespace crumb::csrf {

/// The session key Django's CsrfViewMiddleware uses with CSRF_USE_SESSIONS
/// (CSRF_SESSION_KEY), so that Django and crumb share one token per session.
inline constexpr std::string_view session_key = "_csrftoken";
/// Django's CSRF_ALLOWED_CHARS, in its order (ascii_letters + digits): masking adds
/// positions in this string, so the order is part of the format.
inline constexpr std::string_view allowed_chars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Characters of a secret (CSRF_SECRET_LENGTH): 32 of 62, about 190 bits.
inline constexpr std::size_t secret_length = 32;
/// Characters of a masked token (CSRF_TOKEN_LENGTH): the mask, then the masked secret.
inline constexpr std::size_t token_length = 2 * secret_length;
/// The form field Django's {% csrf_token %} renders, read first on POST.
inline constexpr std::string_view form_field = "csrfmiddlewaretoken";
/// The request header Django reads when the form field is empty (CSRF_HEADER_NAME), for
/// AJAX, PUT and DELETE.
inline constexpr std::string_view header_name = "X-CSRFToken";

/// Whether `method` is one Django lets through unchecked (RFC 7231 safe: GET, HEAD,
/// OPTIONS, TRACE); every other method needs verify(). Compares as Django does, exactly.
constexpr bool safe_method(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

/// The token a request submits, picked as Django picks it: the form field, or the header
/// when the field is absent or empty. Does not allocate.
constexpr std::string_view submitted_token(std::string_view form_value,
                                           std::string_view header_value) noexcept {
  return form_value.empty() ? header_value : form_value;
}

/// A new random secret: 32 characters uniform over allowed_chars from libsodium's
/// generator (Django's _get_new_csrf_string). Allocates; throws std::runtime_error only if
/// libsodium cannot initialise.
inline std::string new_secret() {
  std::string s(secret_length, '\0');
  detail::csrf_random_chars(s.data(), s.size());
  return s;
}

/// Django's _mask_cipher_secret with a chosen mask: `random_mask` + the secret shifted by
/// it, 64 characters. A mask must be random and never reused; this overload exists for
/// test vectors. errc::invalid_csrf_token unless both are 32 characters of allowed_chars.
inline result<std::string> mask(std::string_view secret, std::string_view random_mask) {
  if (secret.size() != secret_length || random_mask.size() != secret_length ||
      !detail::csrf_alphabet_only(secret) || !detail::csrf_alphabet_only(random_mask))
    return errc::invalid_csrf_token;
  std::string token(token_length, '\0');
  detail::csrf_mask(secret.data(), random_mask.data(), token.data());
  return token;
}

/// The secret masked under a fresh random mask: a different 64-char token each call, all
/// carrying the same secret (so that a compressed page never repeats it: BREACH).
/// errc::invalid_csrf_token unless `secret` is 32 characters of allowed_chars.
inline result<std::string> mask(std::string_view secret) {
  detail::csrf_secret_buffer fresh;
  detail::csrf_random_chars(fresh.chars.data(), fresh.chars.size());
  return mask(secret, std::string_view(fresh.chars.data(), fresh.chars.size()));
}

/// Django's _unmask_cipher_token: the 32-char secret under a 64-char masked token.
/// errc::invalid_csrf_token for any other length or a character outside allowed_chars.
inline result<std::string> unmask(std::string_view token) {
  if (token.size() != token_length) return errc::invalid_csrf_token;
  detail::csrf_secret_buffer s;
  if (!detail::csrf_secret_of(token, s.chars)) return errc::invalid_csrf_token;
  return std::string(s.chars.data(), s.chars.size());
}

/// A token for a form or a header, as Django's get_token(): the session's secret under a
/// fresh mask, a different 64 characters each call. A session without a secret, or with a
/// malformed one (wrong length, a character outside allowed_chars, not a string), gets a
/// new one, stored masked (64 characters: what Django 3.2 can read, and 4.x too); that
/// modifies the session, which must then be saved. A good secret is left as it is,
/// a 32-char one (Django 4.x) included. Errors: store_unavailable when the session could
/// not be read (poisoned): no token for a secret that would never be saved; answer 503.
/// Allocates.
template <class C, class S, class K>
result<std::string> get_token(basic_session<C, S, K>& session) {
  if (session.poisoned()) return errc::store_unavailable;
  detail::csrf_secret_buffer secret;
  const result<std::string> stored = session.template get<std::string>(session_key);
  if (!stored || !detail::csrf_secret_of(*stored, secret.chars)) {
    detail::csrf_random_chars(secret.chars.data(), secret.chars.size());
    session.set(session_key, *mask(std::string_view(secret.chars.data(), secret.chars.size())));
  }
  return mask(std::string_view(secret.chars.data(), secret.chars.size()));
}

/// Checks a submitted token (see submitted_token()) against the session's secret, as
/// Django's CsrfViewMiddleware: `submitted` may be a 64-char masked token (any mask) or the
/// bare 32-char secret (Django 4.x accepts it; 3.2 masks it first, the same check). The
/// secrets are compared in constant time. Reads the session only. Returns errc::ok, or:
/// - invalid_csrf_token: `submitted` empty, of another length than 32 or 64, with a
///   character outside allowed_chars, or not this session's; or the session holds no
///   secret, or a malformed one (refuse: answer 403);
/// - store_unavailable: the session could not be read (poisoned). Never ok: its secret is
///   out of reach, and a session that cannot be read must not pass for one that can. It is
///   not reported as a bad token either, so that the caller answers 503 (retry) rather
///   than 403 (the visitor's form is not at fault).
/// Does not allocate beyond reading the session's value.
template <class C, class S, class K>
[[nodiscard]] errc verify(basic_session<C, S, K>& session, std::string_view submitted) {
  if (session.poisoned()) return errc::store_unavailable;
  const result<std::string> stored = session.template get<std::string>(session_key);
  detail::csrf_secret_buffer expected, offered;
  if (!stored || !detail::csrf_secret_of(*stored, expected.chars)) return errc::invalid_csrf_token;
  if (!detail::csrf_secret_of(submitted, offered.chars)) return errc::invalid_csrf_token;
  return sodium_memcmp(expected.chars.data(), offered.chars.data(), secret_length) == 0
             ? errc::ok
             : errc::invalid_csrf_token;
}

/// A new secret for the session, as Django's rotate_token(): every token handed out before
/// is refused from now on. Call at login, so that a token planted before it (login CSRF,
/// fixation) is worthless after. Modifies the session. Errors: store_unavailable when the
/// session could not be read (poisoned; nothing is changed, and save() would refuse
/// anyway). Allocates.
template <class C, class S, class K>
errc rotate(basic_session<C, S, K>& session) {
  if (session.poisoned()) return errc::store_unavailable;
  detail::csrf_secret_buffer secret;
  detail::csrf_random_chars(secret.chars.data(), secret.chars.size());
  session.set(session_key, *mask(std::string_view(secret.chars.data(), secret.chars.size())));
  return errc::ok;
}

}  // namespace crumb::csrf
