#define BOOST_TEST_MODULE base64
#include <sodium.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "test_support.hpp"

using crumb::errc;

BOOST_AUTO_TEST_SUITE(base64url)

// RFC 4648 section 10, in the URL-safe alphabet without padding.
BOOST_AUTO_TEST_CASE(rfc4648_vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
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
    std::string expected(
        sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
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

// Strict base64url one bit at a time: the test's own statement of what decode must do.
std::optional<std::string> reference_decode(std::string_view text) {
  const std::string_view alphabet = crumb::detail::base64url_alphabet;
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t pending = 0;
  int bits = 0;
  for (const char c : text) {
    const std::size_t six = alphabet.find(c);
    if (six == std::string_view::npos) return std::nullopt;
    pending = pending << 6 | static_cast<std::uint32_t>(six);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(pending >> bits));
      pending &= (1u << bits) - 1;
    }
  }
  if (pending != 0) return std::nullopt;  // bits after the last byte
  return out;
}

// Both decoding loops (the table's, and the AVX2 one that takes 32-char blocks where the
// CPU has it) against the reference: every byte value at every position of texts around
// the block sizes, the last block overlapping the one before or not; neither writes past
// the 3n/4 bytes callers make room for.
BOOST_AUTO_TEST_CASE(every_byte_at_every_position) {
  if (!crumb::detail::base64url_have_avx2()) BOOST_TEST_MESSAGE("no AVX2: table loop only");
  using decoder = bool (*)(const char*, std::size_t, std::uint8_t*) noexcept;
  const std::pair<const char*, decoder> decoders[] = {
      {"table", crumb::detail::base64url_decode_table},
      {"dispatched", crumb::detail::base64url_decode}};
  std::mt19937 rng(7);
  std::string out(256, '\0');
  auto* to = reinterpret_cast<std::uint8_t*>(out.data());
  long compared = 0;
  for (const std::size_t n : {31u, 32u, 34u, 35u, 36u, 43u, 60u, 63u, 64u, 66u, 96u, 99u, 131u}) {
    std::string text(n, 'A');
    for (char& c : text) c = crumb::detail::base64url_alphabet[rng() % 64];
    text.back() = 'A';  // zero trailing bits: canonical until a byte below changes that
    const std::size_t room = crumb::base64url::decoded_size(n);
    const std::string untouched(out.size() - room, '#');  // nothing past the room
    for (std::size_t at = 0; at < n; ++at)
      for (int byte = 0; byte < 256; ++byte) {
        std::string t = text;
        t[at] = static_cast<char>(byte);
        const auto expected = reference_decode(t);
        for (const auto& [name, decode] : decoders) {
          out.assign(out.size(), '#');
          const bool ok = decode(t.data(), n, to);
          BOOST_TEST_REQUIRE(ok == expected.has_value(),
                             name << ", n=" << n << " at=" << at << " byte=" << byte);
          if (ok) BOOST_TEST_REQUIRE(out.substr(0, expected->size()) == *expected);
          BOOST_TEST_REQUIRE(out.substr(room) == untouched);
        }
        ++compared;
      }
  }
  BOOST_TEST(compared > 200000);
}

// Random texts of every length up to 300, valid and with one byte changed.
BOOST_AUTO_TEST_CASE(random_texts_of_every_length) {
  std::mt19937 rng(11);
  for (std::size_t n = 0; n <= 300; ++n)
    for (int round = 0; round < 20; ++round) {
      std::string text(n, 'A');
      for (char& c : text) c = crumb::detail::base64url_alphabet[rng() % 64];
      if (round % 2 == 1 && n > 0) text[rng() % n] = static_cast<char>(rng() % 256);
      const auto expected = reference_decode(text);
      const auto got = crumb::base64url::decode(text);
      BOOST_TEST_REQUIRE(got.has_value() == expected.has_value(), "n=" << n);
      if (got) BOOST_TEST_REQUIRE(*got == *expected);
    }
}

// Random bytes of every length up to 300 through both encoding loops (the table's, and the
// AVX2 one that takes 24-byte blocks where the CPU has it), against libsodium's encoder.
BOOST_AUTO_TEST_CASE(encoders_agree_with_libsodium) {
  using encoder = void (*)(const std::uint8_t*, std::size_t, char*) noexcept;
  const std::pair<const char*, encoder> encoders[] = {
      {"table", crumb::detail::base64url_encode_table},
      {"dispatched", crumb::detail::base64url_encode}};
  std::mt19937 rng(13);
  for (std::size_t n = 0; n <= 300; ++n)
    for (int round = 0; round < 10; ++round) {
      std::string bytes(n, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      std::string expected(sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                           '\0');
      sodium_bin2base64(expected.data(), expected.size(),
                        reinterpret_cast<const unsigned char*>(bytes.data()), n,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
      expected.resize(expected.size() - 1);  // the terminating NUL
      for (const auto& [name, encode] : encoders) {
        std::string text(expected.size() + 1, '#');  // one char past the end, untouched
        encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), n, text.data());
        BOOST_TEST_REQUIRE(text == expected + "#", name << ", n=" << n);
      }
    }
}

BOOST_AUTO_TEST_CASE(appends_to_existing_content) {
  std::string out = "x:";
  crumb::base64url::encode("foo", out);
  BOOST_TEST(out == "x:Zm9v");
  BOOST_TEST(crumb::base64url::decode("YmFy", out) == errc::ok);
  BOOST_TEST(out == "x:Zm9vbar");
}

BOOST_AUTO_TEST_SUITE_END()
