// Shared by crumb's tests: fixture loading and the list of MAC backends every
// backend-dependent case runs against.
#pragma once

#include <libdeflate.h>

#include <boost/mpl/list.hpp>
#include <crumb/crumb.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crumb_test {

// A browser's cookie jar, from structured cookies.
struct jar {
  std::map<std::string, std::string> cookies;
  void receive(const std::vector<crumb::cookie::set_cookie>& set) {
    for (const auto& c : set) {
      if (c.deletes())
        cookies.erase(c.name);
      else
        cookies[c.name] = c.value;
    }
  }
  std::string header() const {
    std::string h;
    for (const auto& [n, v] : cookies) h += (h.empty() ? "" : "; ") + n + "=" + v;
    return h;
  }
};

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
using fixed_codec =
    crumb::basic_codec<crumb::profile::django, crumb::zlib_compression, Mac, crumb::fixed_clock>;

/// A zlib stream made by libdeflate directly, with no size rule applied.
inline std::string zlib_of(const std::string& data, int level = 6) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_zlib_compress_bound(c, data.size()), '\0');
  out.resize(libdeflate_zlib_compress(c, data.data(), data.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

/// Two signed tokens of the same data, key and time, where one side compressed with crumb's
/// deflater and the other with Python's zlib: identical, or both compressed with the same
/// timestamp, payloads that inflate to the same bytes, and crumb's at most 6 characters (4
/// bytes of stream) longer. `sep` is the profile's separator (':' Django, '.' Flask).
/// Returns "" when so, else what differs.
inline std::string same_but_compression(std::string_view mine, std::string_view theirs, char sep) {
  if (mine == theirs) return "";
  if (mine.empty() || theirs.empty() || mine.front() != '.' || theirs.front() != '.')
    return "different tokens, not both compressed";
  struct parts {
    std::string_view payload, timestamp;
  };
  const auto split = [sep](std::string_view t) {
    const std::size_t signature = t.rfind(sep), timestamp = t.rfind(sep, signature - 1);
    return parts{t.substr(1, timestamp - 1), t.substr(timestamp + 1, signature - timestamp - 1)};
  };
  const parts a = split(mine), b = split(theirs);
  if (a.timestamp != b.timestamp) return "different timestamps";
  const auto inflated = [](std::string_view payload) {
    const std::string stream = crumb::base64url::decode(payload).value();
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    std::string out(1 << 20, '\0');
    std::size_t n = 0;
    const bool ok = libdeflate_zlib_decompress(d, stream.data(), stream.size(), out.data(),
                                               out.size(), &n) == LIBDEFLATE_SUCCESS;
    libdeflate_free_decompressor(d);
    out.resize(ok ? n : 0);
    return ok ? out : "<not a zlib stream>";
  };
  if (inflated(a.payload) != inflated(b.payload)) return "payloads inflate to different bytes";
  if (mine.size() > theirs.size() + 6)
    return "crumb's is " + std::to_string(mine.size() - theirs.size()) + " characters longer";
  return "";
}

/// Django's base62 timestamp text.
inline std::string timestamp(std::int64_t unix_seconds) {
  std::string s;
  crumb::profile::django::append_timestamp(s, unix_seconds);
  return s;
}

/// Signs any text with Django's rules and the session salt, as a key holder (not an
/// attacker) could: for testing what the codec does after the MAC has verified.
template <class Mac>
std::string sign_raw(std::string_view signed_part, std::string_view secret) {
  const std::string k =
      crumb::profile::django::derive_key<Mac>(secret, crumb::profile::django::session_salt);
  typename Mac::key mac_key{k};
  std::uint8_t mac[Mac::digest_size];
  mac_key.sign(signed_part, mac);
  std::string token(signed_part);
  token += ':';
  crumb::base64url::encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac), token);
  return token;
}

}  // namespace crumb_test
