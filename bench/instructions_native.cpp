// The native profile's cases of bench/instructions.cpp (same loop, same fixtures and
// secret), in a translation unit of their own: instantiated beside the Django cases, the
// native codec changed how the compiler inlined the code both share, and with it the
// Django cases' counts (+3% on decode), which bench/instructions_baseline.json holds.
#include <crumb/crumb.hpp>
#include <crumb/profile/native.hpp>
#include <string>

#include "instructions_loop.hpp"

namespace crumb_bench {

int run_native(bool encode, const std::string& fixture, bool compress, bool encrypt,
               long iterations) {
  using codec_type = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression,
                                        crumb::sodium_hmac_sha256, crumb::fixed_clock>;
  codec_type::options opts;
  opts.compress = compress;
  opts.encrypt = encrypt;
  codec_type codec(crumb::key_ring(instructions_secret), opts,
                   crumb::fixed_clock::at_unix(1700000000));
  return run_ops(codec, fixture, encode, iterations);
}

}  // namespace crumb_bench
