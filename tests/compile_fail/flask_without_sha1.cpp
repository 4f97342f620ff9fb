// Must not compile: the flask profile over a MAC policy without HMAC-SHA1 (libsodium's),
// with crumb's message. With -DCRUMB_CONTROL (and libcrypto) it compiles over OpenSSL's.
#include <crumb/codec.hpp>
#include <crumb/profile/flask.hpp>

#if defined(CRUMB_CONTROL)
using mac = crumb::openssl_hmac_sha256;
#else
using mac = crumb::sodium_hmac_sha256;
#endif

int main() {
  crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression, mac> codec(
      crumb::key_ring("secret"));
  return codec.encode(crumb::object{}).has_value() ? 0 : 1;
}
