#define BOOST_TEST_MODULE mac
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstring>
#include <string>

#include "crumb/detail/sodium.hpp"
#include "test_support.hpp"

namespace {
template <class Mac>
std::string hex_mac(std::string_view key, std::string_view msg) {
  typename Mac::key k{key};
  std::uint8_t out[Mac::digest_size];
  k.sign(msg, out);
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : out) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(mac)

// RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
BOOST_AUTO_TEST_CASE_TEMPLATE(hmac_sha256_rfc4231, Mac, crumb_test::mac_backends) {
  BOOST_TEST(hex_mac<Mac>(std::string(20, '\x0b'), "Hi There") ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(hex_mac<Mac>("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(hex_mac<Mac>(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First") ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_key_signs_many_messages_alike, Mac, crumb_test::mac_backends) {
  typename Mac::key k{std::string_view("key")};
  std::uint8_t a[Mac::digest_size], b[Mac::digest_size], c[Mac::digest_size];
  k.sign("one", a);
  k.sign("two", b);
  k.sign("one", c);
  BOOST_TEST(std::memcmp(a, c, sizeof a) == 0);
  BOOST_TEST(std::memcmp(a, b, sizeof a) != 0);
  const auto copy = k;  // copies carry the keyed state
  copy.sign("one", b);
  BOOST_TEST(std::memcmp(a, b, sizeof a) == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(hash_is_sha256, Mac, crumb_test::mac_backends) {
  std::uint8_t out[32];
  Mac::hash("abc", out);
  BOOST_TEST(out[0] == 0xba);
  BOOST_TEST(out[31] == 0xad);
}

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
// RFC 2202 test cases 2 and 6 (a key longer than the block size).
BOOST_AUTO_TEST_CASE(hmac_sha1_rfc2202) {
  BOOST_TEST(hex_mac<crumb::openssl_hmac_sha1>("Jefe", "what do ya want for nothing?") ==
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  BOOST_TEST(hex_mac<crumb::openssl_hmac_sha1>(
                 std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
             "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

#endif

BOOST_AUTO_TEST_CASE(key_ring_order_and_misuse) {
  const crumb::key_ring ring("current", {"old", "older"});
  BOOST_TEST(ring.current() == "current");
  BOOST_TEST(ring.secrets().size() == 3u);
  BOOST_TEST(ring.secrets()[2] == "older");
  BOOST_CHECK_THROW(crumb::key_ring(""), std::invalid_argument);
  BOOST_CHECK_THROW(crumb::key_ring("ok", {""}), std::invalid_argument);
}

// Django's salted_hmac key: sha256(salt + "signer" + secret), here for secret "s".
BOOST_AUTO_TEST_CASE(django_key_derivation) {
  const std::string k = crumb::profile::django::derive_key<crumb::sodium_hmac_sha256>("s", "x");
  std::uint8_t expected[32];
  crumb::sodium_hmac_sha256::hash("xsigners", expected);
  BOOST_TEST(k == std::string(reinterpret_cast<const char*>(expected), 32));
}

// The constant-time comparison a MAC check uses: equal only when every byte is, at each
// length it is used at (16: native tags, 20: SHA-1, 32: SHA-256).
template <std::size_t N>
void check_same_bytes() {
  std::uint8_t a[N], b[N];
  for (std::size_t i = 0; i < N; ++i) a[i] = b[i] = static_cast<std::uint8_t>(i * 37 + 1);
  BOOST_TEST(crumb::detail::same_bytes<N>(a, b));
  for (std::size_t i = 0; i < N; ++i)
    for (const std::uint8_t flip : {0x01, 0x80, 0xff}) {
      b[i] ^= flip;
      BOOST_TEST(!crumb::detail::same_bytes<N>(a, b), "byte " << i << " ^ " << int(flip));
      b[i] ^= flip;
    }
  BOOST_TEST(crumb::detail::same_bytes<N>(a, b));
}

BOOST_AUTO_TEST_CASE(same_bytes_compares_every_byte) {
  check_same_bytes<16>();
  check_same_bytes<20>();
  check_same_bytes<32>();
}

// wipe() (the clearing of MAC states and computed MACs) clears exactly its bytes.
BOOST_AUTO_TEST_CASE(wipe_clears_exactly_its_bytes) {
  for (const std::size_t n : {0u, 1u, 20u, 32u, 112u, 208u}) {
    std::array<std::uint8_t, 256> buffer;
    buffer.fill(0xa5);
    crumb::detail::wipe(buffer.data() + 8, n);
    for (std::size_t i = 0; i < buffer.size(); ++i)
      BOOST_TEST_REQUIRE(buffer[i] == (i >= 8 && i < 8 + n ? 0 : 0xa5), "n=" << n << " i=" << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()
