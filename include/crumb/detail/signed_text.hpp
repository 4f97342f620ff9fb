// What Django's and Flask's tokens share: payload SEP timestamp SEP base64url(MAC), the
// payload base64url'd after a marker when compressed, the MAC checked against every key
// of a ring in constant time.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "crumb/base64.hpp"
#include "crumb/detail/base64_impl.hpp"
#include "crumb/detail/sodium.hpp"
#include "crumb/error.hpp"
#include "crumb/profile.hpp"

namespace crumb::detail {

// Starts `token` (its old contents replaced) with the payload: base64url, after `marker`
// when compressed, then `separator`.
inline void start_signed_text(std::string& token, std::string_view payload, bool compressed,
                              char marker, char separator) {
  token.clear();
  if (compressed) token += marker;
  base64url::encode(payload, token);
  token += separator;
}

// Splits `text` at its last `separator`: false when there is none.
inline bool split_last(std::string_view text, char separator, std::string_view& head,
                       std::string_view& tail) noexcept {
#if defined(__GLIBC__)
  // glibc's memrchr scans a vector at a time, rfind a byte at a time.
  const void* found = text.empty() ? nullptr : ::memrchr(text.data(), separator, text.size());
  if (found == nullptr) return false;
  const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
#else
  const std::size_t at = text.rfind(separator);
  if (at == std::string_view::npos) return false;
#endif
  head = text.substr(0, at);
  tail = text.substr(at + 1);
  return true;
}

// The payload text (after its marker when compressed) decoded into `scratch`, followed by
// `padding` bytes of room; `scratch` is never shrunk. errc::malformed for bad base64.
inline errc open_payload(std::string_view text, char marker, std::string& scratch,
                         std::size_t padding, opened_token& out) {
  out.compressed = !text.empty() && text.front() == marker;
  if (out.compressed) text.remove_prefix(1);
  const std::size_t decoded = base64url::decoded_size(text.size());
  if (scratch.size() < decoded + padding) scratch.resize(decoded + padding);
  if (!base64url_decode(text.data(), text.size(), reinterpret_cast<std::uint8_t*>(scratch.data())))
    return errc::malformed;
  out.payload = std::string_view(scratch.data(), decoded);
  return errc::ok;
}

// Appends `separator` and base64url(M's MAC of everything in `token` so far).
template <class M>
void append_signature(std::string& token, const typename M::key& key, char separator) {
  std::uint8_t mac[M::digest_size];
  key.sign(token, mac);
  token += separator;
  base64url::encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac), token);
  wipe(mac, sizeof mac);
}

// Whether a key of `keys` made `sig` (base64url) over `msg`. The signature is decoded once
// (strict base64: one text per MAC, so comparing bytes is comparing texts) and compared in
// constant time with each key's MAC; every key is tried, with no early exit, so timing does
// not tell which matched. `fallback`: only a key other than the first matched.
template <class M, class Keys>
bool any_key_signed(const Keys& keys, std::string_view msg, std::string_view sig,
                    bool& fallback) noexcept {
  if (sig.size() != base64url::encoded_size(M::digest_size)) return false;
  std::uint8_t wanted[M::digest_size];
  if (!base64url_decode(sig.data(), sig.size(), wanted)) return false;
  std::uint8_t mac[M::digest_size];
  int matched = 0;
  int first = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i].sign(msg, mac);
    const int same = static_cast<int>(same_bytes<M::digest_size>(mac, wanted));
    matched |= same;
    if (i == 0) first = same;
  }
  wipe(mac, sizeof mac);
  fallback = matched != 0 && first == 0;
  return matched != 0;
}

}  // namespace crumb::detail
