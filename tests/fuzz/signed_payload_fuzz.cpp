// Everything after the MAC: the fuzzer's bytes become the payload (and, with a leading
// byte choosing, the timestamp or a compressed payload) of a token signed with the real
// key, as a key holder could make it. Properties: never a crash or unbounded allocation;
// a success re-encodes and decodes to itself.
#include <libdeflate.h>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static auto codec = crumb_fuzz::make_codec();
  static const std::string key = crumb::profile::django::derive_key<crumb::default_hmac_sha256>(
      crumb_fuzz::secret, crumb::profile::django::session_salt);
  static const crumb::default_hmac_sha256::key mac_key{key};
  static libdeflate_compressor* deflate = libdeflate_alloc_compressor(6);

  const std::uint8_t mode = data[0];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string token;
  if (mode % 3 == 0) {  // raw bytes as the JSON payload
    token = crumb::base64url::encode(body) + ":" + "1r31eq";
  } else if (mode % 3 == 1) {  // the same, compressed
    std::string packed(libdeflate_zlib_compress_bound(deflate, body.size()), '\0');
    packed.resize(libdeflate_zlib_compress(deflate, body.data(), body.size(), packed.data(),
                                           packed.size()));
    token = "." + crumb::base64url::encode(packed) + ":" + "1r31eq";
  } else {  // the bytes as the signed text itself: odd separators, timestamps, markers
    token = body;
  }
  std::uint8_t mac[crumb::default_hmac_sha256::digest_size];
  mac_key.sign(token, mac);
  token += ':';
  crumb::base64url::encode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac), token);

  crumb::value out;
  if (codec.decode_into(token, out) != crumb::errc::ok) return 0;
  crumb_fuzz::require_round_trip(codec, out);
  return 0;
}
