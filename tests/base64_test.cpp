#define BOOST_TEST_MODULE base64
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <string>

#include "test_support.hpp"

using crumb::errc;

BOOST_AUTO_TEST_SUITE(base64url)

// RFC 4648 section 10, in the URL-safe alphabet without padding.
BOOST_AUTO_TEST_CASE(rfc4648_vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    BOOST_TEST(crumb::base64url::encode(plain) == encoded);
    BOOST_TEST(crumb::base64url::decode(encoded).value() == plain);
  }
  BOOST_TEST(crumb::base64url::encode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
}

// The same bytes through libsodium's codec: every length, every byte value.
BOOST_AUTO_TEST_CASE(agrees_with_libsodium) {
  std::string bytes;
  for (int n = 0; n < 300; ++n) {
    bytes.push_back(static_cast<char>((n * 97 + 13) & 0xff));
    std::string expected(sodium_base64_encoded_len(bytes.size(),
                                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                         '\0');
    sodium_bin2base64(expected.data(), expected.size(),
                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    expected.resize(expected.size() - 1);  // the terminating NUL
    BOOST_TEST(crumb::base64url::encode(bytes) == expected);
    BOOST_TEST(crumb::base64url::decode(expected).value() == bytes);
  }
}

BOOST_AUTO_TEST_CASE(decoding_is_strict) {
  for (const char* bad : {"Zg==", "Zg=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zm+v", "Zm/v", "Zm9v.",
                          "Zh", "Zm9", "Zm:v"}) {
    std::string out = "keep";
    BOOST_TEST(crumb::base64url::decode(bad, out) == errc::malformed, bad);
    BOOST_TEST(out == "keep");  // untouched on error
  }
  // "Zh" and "Zm9" carry non-zero bits after the last byte: a second spelling of "f"/"fo".
  BOOST_TEST(crumb::base64url::decode("Zg").value() == "f");
}

BOOST_AUTO_TEST_CASE(appends_to_existing_content) {
  std::string out = "x:";
  crumb::base64url::encode("foo", out);
  BOOST_TEST(out == "x:Zm9v");
  BOOST_TEST(crumb::base64url::decode("YmFy", out) == errc::ok);
  BOOST_TEST(out == "x:Zm9vbar");
}

BOOST_AUTO_TEST_SUITE_END()
