// Token decode (django profile). Properties: no crash, no leak, no unbounded allocation;
// a token that decodes carries a MAC made by a key in the ring (recomputed here,
// independently of the codec); what decodes re-encodes and decodes to itself.
#include <cstring>

#include "fuzz_support.hpp"

namespace {
bool made_by_a_known_key(std::string_view token) {
  const std::size_t at = token.rfind(':');
  const std::string_view signed_part = token.substr(0, at), sig = token.substr(at + 1);
  for (const std::string& s : {crumb_fuzz::secret, crumb_fuzz::fallback}) {
    const std::string k = crumb::profile::django::derive_key<crumb::sodium_hmac_sha256>(
        s, crumb::profile::django::session_salt);
    std::uint8_t mac[32];
    crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(signed_part.data()),
                           signed_part.size(), reinterpret_cast<const unsigned char*>(k.data()));
    if (crumb::base64url::encode(std::string_view(reinterpret_cast<char*>(mac), 32)) == sig)
      return true;
  }
  return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto codec = crumb_fuzz::make_codec();
  static crumb::value out;
  const std::string_view token = crumb_fuzz::as_text(data, size);
  if (codec.decode_into(token, out) != crumb::errc::ok) return 0;
  crumb_fuzz::require(made_by_a_known_key(token), "decode accepted a MAC no key made");
  crumb_fuzz::require_round_trip(codec, out);
  return 0;
}
