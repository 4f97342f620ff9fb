// The loop bench/instructions.cpp and instructions_native.cpp count: one codec case run a
// given number of times, after one op of each kind (buffers grow and the value takes its
// shape, as on a server).
#pragma once

#include <crumb/crumb.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace crumb_bench {

inline const std::string instructions_secret =
    "django-insecure-bench-secret-0123456789abcdefghijklmnop";

/// Encodes or decodes the fixture `fixture` with `codec`, `iterations` times. 0 on success,
/// 1 when an op fails, 2 when the fixture does not parse.
template <class Codec>
int run_ops(Codec& codec, const std::string& fixture, bool encode, long iterations) {
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
  if (codec.encode_into(*session, token) != crumb::errc::ok ||
      codec.decode_into(token, out) != crumb::errc::ok) {
    std::fprintf(stderr, "round trip failed\n");
    return 1;
  }
  for (long i = 0; i < iterations; ++i) {
    const crumb::errc e = encode ? codec.encode_into(*session, token) : codec.decode_into(token, out);
    if (e != crumb::errc::ok) return 1;
  }
  return 0;
}

}  // namespace crumb_bench
