// The native profile's cases of bench/instructions.cpp (same loop, same fixtures and
// secret), in a translation unit of their own: instantiated beside the Django cases, the
// native codec changed how the compiler inlined the code both share, and with it the
// Django cases' counts (+3% on decode), which bench/instructions_baseline.json holds.
#include <crumb/crumb.hpp>
#include <crumb/profile/native.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace crumb_bench {

int run_native(bool encode, const std::string& fixture, bool compress, bool encrypt,
               long iterations) {
  using codec_type = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression,
                                        crumb::sodium_hmac_sha256, crumb::fixed_clock>;
  codec_type::options opts;
  opts.compress = compress;
  opts.encrypt = encrypt;
  codec_type codec(crumb::key_ring("django-insecure-bench-secret-0123456789abcdefghijklmnop"), opts,
                   crumb::fixed_clock::at_unix(1700000000));
  std::ifstream in(std::string(CRUMB_FIXTURES_DIR) + "/session_" + fixture + ".json",
                   std::ios::binary);
  const auto session = crumb::json::parse(
      std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
  if (!session) {
    std::fprintf(stderr, "fixture %s: %s\n", fixture.c_str(), session.error().message().c_str());
    return 2;
  }
  std::string token;
  crumb::value out;
  // One op of each kind first: buffers grow and the value takes its shape, as on a server.
  if (codec.encode_into(*session, token) != crumb::errc::ok ||
      codec.decode_into(token, out) != crumb::errc::ok) {
    std::fprintf(stderr, "round trip failed\n");
    return 1;
  }
  for (long i = 0; i < iterations; ++i) {
    const crumb::errc e =
        encode ? codec.encode_into(*session, token) : codec.decode_into(token, out);
    if (e != crumb::errc::ok) return 1;
  }
  return 0;
}

}  // namespace crumb_bench
