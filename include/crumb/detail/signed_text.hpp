// What Django's and Flask's tokens share: a text followed by a separator and the
// base64url MAC of the text, checked against every key of a ring in constant time.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crumb/base64.hpp"
#include "crumb/detail/base64_impl.hpp"

namespace crumb::detail {

// Appends `separator` and base64url(M's MAC of everything in `token` so far).
template <class M>
void append_signature(std::string& token, const typename M::key& key, char separator) {
  std::uint8_t mac[M::digest_size];
  key.sign(token, mac);
  token += separator;
  base64url::encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac), token);
  sodium_memzero(mac, sizeof mac);
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
    const int same = static_cast<int>(sodium_memcmp(mac, wanted, sizeof mac) == 0);
    matched |= same;
    if (i == 0) first = same;
  }
  sodium_memzero(mac, sizeof mac);
  fallback = matched != 0 && first == 0;
  return matched != 0;
}

}  // namespace crumb::detail
