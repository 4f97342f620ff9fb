// Shared by crumb's tests: fixture loading and the list of MAC backends every
// backend-dependent case runs against.
#pragma once

#include <boost/mpl/list.hpp>
#include <crumb/crumb.hpp>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace crumb_test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// One of the standard workloads in bench/fixtures: small, medium, large, huge.
inline std::string fixture(const std::string& name) {
  return read_file(std::string(CRUMB_FIXTURES_DIR) + "/session_" + name + ".json");
}

inline crumb::value parse(std::string_view json) { return crumb::json::parse(json).value(); }

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
using mac_backends = boost::mpl::list<crumb::sodium_hmac_sha256, crumb::openssl_hmac_sha256>;
#else
using mac_backends = boost::mpl::list<crumb::sodium_hmac_sha256>;
#endif

template <class Mac>
using fixed_codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression, Mac,
                                       crumb::fixed_clock>;

}  // namespace crumb_test
