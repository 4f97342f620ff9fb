// Runs one codec case a given number of times, for counting its instructions under
// callgrind (bench/instructions.py): the count per op is the difference between two runs
// divided by the difference in iterations, so start-up and set-up cancel out.
// usage: instructions BACKEND/OP/FIXTURE/MODE ITERATIONS
//   e.g. instructions openssl/encode/small/zlib 20
// BACKEND: sodium or openssl (the Django profile on that MAC backend), native_signed (the
// native profile, libsodium HMAC) or native_encrypted (instructions_native.cpp).
#include <crumb/crumb.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "instructions_loop.hpp"

namespace crumb_bench {
int run_native(bool encode, const std::string& fixture, bool compress, bool encrypt,
               long iterations);
}  // namespace crumb_bench

namespace {

template <class Mac>
int run(bool encode, const std::string& fixture, bool compress, long iterations) {
  using codec_type = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression, Mac,
                                        crumb::fixed_clock>;
  typename codec_type::options opts;
  opts.compress = compress;
  codec_type codec(crumb::key_ring(crumb_bench::instructions_secret), opts,
                   crumb::fixed_clock::at_unix(1700000000));
  return crumb_bench::run_ops(codec, fixture, encode, iterations);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s BACKEND/OP/FIXTURE/MODE ITERATIONS\n", argv[0]);
    return 2;
  }
  const std::string spec = argv[1];
  const long iterations = std::strtol(argv[2], nullptr, 10);
  const auto part = [&](int k) {
    std::size_t from = 0;
    for (int i = 0; i < k; ++i) from = spec.find('/', from) + 1;
    return std::string_view(spec).substr(from, spec.find('/', from) - from);
  };
  if (std::count(spec.begin(), spec.end(), '/') != 3) return 2;
  const bool encode = part(1) == "encode";
  const bool compress = part(3) == "zlib";
  const std::string fixture(part(2));
  if (part(0) == "sodium") return run<crumb::sodium_hmac_sha256>(encode, fixture, compress, iterations);
  if (part(0) == "native_signed" || part(0) == "native_encrypted")
    return crumb_bench::run_native(encode, fixture, compress, part(0) == "native_encrypted",
                                   iterations);
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  if (part(0) == "openssl")
    return run<crumb::openssl_hmac_sha256>(encode, fixture, compress, iterations);
#endif
  std::fprintf(stderr, "unknown backend in %s\n", spec.c_str());
  return 2;
}
