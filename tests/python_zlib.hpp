// Python's zlib, for the compression tests: the zlib that Python's zlib module (so Django
// and Flask) runs. crumb itself does not use zlib; its tests link it as the reference.
#pragma once

#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <string>

namespace crumb_test {

/// The length of what Python's zlib.compress(data) gives (level 6, Django's and Flask's
/// call): zlib's compress2.
inline std::size_t python_zlib_size(const std::string& data) {
  std::string out(compressBound(static_cast<uLong>(data.size())), '\0');
  uLongf n = static_cast<uLongf>(out.size());
  BOOST_REQUIRE(compress2(reinterpret_cast<Bytef*>(out.data()), &n,
                          reinterpret_cast<const Bytef*>(data.data()),
                          static_cast<uLong>(data.size()), 6) == Z_OK);
  return n;
}

}  // namespace crumb_test
