#define BOOST_TEST_MODULE battery
#include <boost/test/unit_test.hpp>

#include <string>

#include "test_support.hpp"

// The bad-input battery: what an attacker (no key) and a careless key holder can send,
// each case with the exact error it must produce. The codec's own tests cover the normal
// paths; the fuzz targets in tests/fuzz/ cover what nobody thought of.
using crumb::errc;

namespace {
constexpr std::int64_t t0 = 1700000000;
const std::string secret = "battery-secret-0123456789abcdefghijklmnopqrstuvwxyz";
using codec_type = crumb_test::fixed_codec<crumb::default_hmac_sha256>;

codec_type make_codec(codec_type::options opts = {}) {
  return codec_type(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(t0));
}

errc decode(std::string_view token, codec_type::options opts = {}) {
  auto codec = make_codec(opts);
  crumb::value out;
  return codec.decode_into(token, out);
}

// A token a key holder made around `json`, compressed or not.
std::string signed_json(const std::string& json, bool compress = false) {
  const std::string payload = compress ? "." + crumb::base64url::encode(crumb_test::zlib_of(json))
                                       : crumb::base64url::encode(json);
  return crumb_test::sign_raw<crumb::default_hmac_sha256>(
      payload + ":" + crumb_test::timestamp(t0), secret);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(battery)

BOOST_AUTO_TEST_CASE(sizes) {
  BOOST_TEST(decode("") == errc::malformed);
  BOOST_TEST(decode("A") == errc::malformed);
  BOOST_TEST(decode(":") == errc::invalid_signature);
  BOOST_TEST(decode(std::string(1 << 20, 'A')) == errc::too_large);
  BOOST_TEST(decode(std::string(1 << 20, ':')) == errc::too_large);
  // Just under the token limit, the MAC check still runs (and fails).
  BOOST_TEST(decode(std::string(64 * 1024 - 44, 'A') + ":" + std::string(43, 'A')) ==
             errc::invalid_signature);
}

BOOST_AUTO_TEST_CASE(separators_in_odd_places) {
  for (const char* t : {"::", ":::", "a::", "::a", "a:b", "a:b:c:d", ":1r31eq:sig"})
    BOOST_TEST(decode(t) == errc::invalid_signature, t);
  // A key holder's odd shapes: a payload holding a separator, no payload at all.
  const std::string ts = crumb_test::timestamp(t0);
  BOOST_TEST(decode(crumb_test::sign_raw<crumb::default_hmac_sha256>("e30:e30:" + ts, secret)) ==
             errc::malformed);
  BOOST_TEST(decode(crumb_test::sign_raw<crumb::default_hmac_sha256>(":" + ts, secret)) ==
             errc::invalid_json);
  BOOST_TEST(decode(crumb_test::sign_raw<crumb::default_hmac_sha256>(".:" + ts, secret)) ==
             errc::invalid_compression);
}

BOOST_AUTO_TEST_CASE(non_base64_characters) {
  auto codec = make_codec();
  const std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  for (const char c : {'+', '/', '=', ' ', '\n', '\0', '\xff', '.'}) {
    std::string bad = token;
    bad[1] = c;  // the attacker's version: the MAC no longer matches
    BOOST_TEST(decode(bad) == errc::invalid_signature);
    const std::string payload = std::string("e") + c + "0";
    BOOST_TEST(decode(crumb_test::sign_raw<crumb::default_hmac_sha256>(
                   payload + ":" + crumb_test::timestamp(t0), secret)) == errc::malformed);
  }
}

BOOST_AUTO_TEST_CASE(timestamps) {
  const std::string body = crumb::base64url::encode("{}") + ":";
  const auto at = [&](const std::string& ts) {
    return decode(crumb_test::sign_raw<crumb::default_hmac_sha256>(body + ts, secret));
  };
  BOOST_TEST(at("0") == errc::expired);
  BOOST_TEST(at("-1") == errc::malformed);
  BOOST_TEST(at("-AzL8n0Y58m7") == errc::malformed);
  BOOST_TEST(at(crumb_test::timestamp(t0 + 100LL * 365 * 86400)) == errc::ok);  // future: as Django
  BOOST_TEST(at("AzL8n0Y58m7") == errc::ok);                                    // INT64_MAX
  BOOST_TEST(at("AzL8n0Y58m8") == errc::malformed);                             // INT64_MAX + 1
  BOOST_TEST(at("zzzzzzzzzzzzzzzzzzzzzzzz") == errc::malformed);
  BOOST_TEST(at("") == errc::malformed);
  BOOST_TEST(at("1r31e q") == errc::malformed);
}

BOOST_AUTO_TEST_CASE(every_flip_and_truncation_of_every_compressed_fixture) {
  auto codec = make_codec();
  crumb::value out;
  for (const char* name : {"small", "medium", "large"}) {
    const std::string token = codec.encode(crumb_test::parse(crumb_test::fixture(name))).value();
    BOOST_REQUIRE(token.front() == '.');
    int rejected = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = token;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        rejected += codec.decode_into(bad, out) == errc::invalid_signature;
      }
      const errc cut = codec.decode_into(std::string_view(token).substr(0, i), out);
      rejected += cut == (i <= token.find(':') ? errc::malformed : errc::invalid_signature);
    }
    BOOST_TEST(rejected == static_cast<int>(token.size() * 9), name);
  }
}

// 64 MiB of zeros in 65 KB (1028:1, made by Python's zlib at level 9).
BOOST_AUTO_TEST_CASE(decompression_bomb) {
  const std::string bomb = crumb_test::read_file(CRUMB_TEST_DATA_DIR "/bomb_64MiB_zeros.zlib");
  const std::string token = crumb_test::sign_raw<crumb::default_hmac_sha256>(
      "." + crumb::base64url::encode(bomb) + ":" + crumb_test::timestamp(t0), secret);
  BOOST_TEST(decode(token) == errc::too_large);  // over max_token_bytes: never inflated
  codec_type::options roomy;
  roomy.max_token_bytes = 256 * 1024;
  BOOST_TEST(decode(token, roomy) == errc::too_large);  // inflated up to max_json_bytes only
  // A small token that inflates to a JSON string of 2 MiB: still over the 1 MiB bound.
  BOOST_TEST(decode(signed_json("\"" + std::string(2u << 20, 'x') + "\"", true)) ==
             errc::too_large);
}

BOOST_AUTO_TEST_CASE(nesting_100000_deep) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  BOOST_TEST(decode(signed_json(deep, true)) == errc::too_deep);
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(100000, '}');
    return s;
  }();
  BOOST_TEST(decode(signed_json(deep_objects, true)) == errc::too_deep);
  // And crumb will not write what it would refuse to read.
  crumb::value v = 1;
  for (int i = 0; i < 100; ++i) v = crumb::array{std::move(v)};
  BOOST_TEST(make_codec().encode(v).error() == errc::too_deep);
}

BOOST_AUTO_TEST_CASE(ten_thousand_keys) {
  std::string json = "{";
  for (int i = 0; i < 10000; ++i) json += "\"key" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  json.back() = '}';
  auto codec = make_codec();
  const auto v = codec.decode(signed_json(json, true));
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->if_object()->size() == 10000u);
  BOOST_TEST(*v->if_object()->find("key9999")->if_int() == 9999);
}

// Documented rule (Python's json.loads): the last value wins, at the first key's place.
BOOST_AUTO_TEST_CASE(duplicate_keys) {
  auto codec = make_codec();
  const auto v = codec.decode(signed_json(R"({"user":"alice","x":0,"user":"mallory"})"));
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(crumb::json::to_string(*v).value() == R"({"user":"mallory","x":0})");
}

BOOST_AUTO_TEST_CASE(strings) {
  BOOST_TEST(decode(signed_json("{\"a\":\"\xff\"}")) == errc::invalid_utf8);
  BOOST_TEST(decode(signed_json("{\"a\":\"\xc0\xaf\"}")) == errc::invalid_utf8);  // overlong '/'
  BOOST_TEST(decode(signed_json("{\"\xed\xa0\x80\":1}")) == errc::invalid_utf8);  // raw surrogate
  BOOST_TEST(decode(signed_json(R"({"a":"\ud800"})")) == errc::invalid_utf8);
  BOOST_TEST(decode(signed_json(R"({"a":"\udfff\ud800"})")) == errc::invalid_utf8);
  BOOST_TEST(decode(signed_json(std::string("{\"a\":\"x\0y\"}", 11))) == errc::invalid_json);
  BOOST_TEST(decode(signed_json(std::string("{\"a\":1}\0", 8))) == errc::invalid_json);
  auto codec = make_codec();  // an escaped NUL is a fine character
  const auto v = codec.decode(signed_json(R"({"a":"x\u0000y"})"));
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(*v->if_object()->find("a")->if_string() == std::string("x\0y", 3));
}

BOOST_AUTO_TEST_CASE(numbers) {
  BOOST_TEST(decode(signed_json(R"({"a":1e400})")) == errc::number_out_of_range);
  BOOST_TEST(decode(signed_json(R"({"a":-1e400})")) == errc::number_out_of_range);
  BOOST_TEST(decode(signed_json(R"({"a":18446744073709551616})")) == errc::number_out_of_range);
  BOOST_TEST(decode(signed_json(R"({"a":18446744073709551615})")) == errc::number_out_of_range);
  BOOST_TEST(decode(signed_json(R"({"a":9223372036854775808})")) == errc::number_out_of_range);
  BOOST_TEST(decode(signed_json(R"({"a":NaN})")) == errc::invalid_json);
  BOOST_TEST(decode(signed_json(R"({"a":Infinity})")) == errc::invalid_json);
  BOOST_TEST(decode(signed_json(R"({"a":01})")) == errc::invalid_json);
  BOOST_TEST(decode(signed_json(R"({"a":1e-400})")) == errc::ok);  // underflows to 0.0, as Python
}

BOOST_AUTO_TEST_SUITE_END()
