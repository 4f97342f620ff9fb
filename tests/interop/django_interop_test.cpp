#define BOOST_TEST_MODULE django_interop
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "interop/python_peer.hpp"
#include "test_support.hpp"

// Live interop with the real Django (Debian's python3-django, run by /usr/bin/python3
// through tests/interop/django_peer.py): Django's tokens decode in crumb to equal values,
// crumb's tokens load in Django to equal values, and with a fixed clock crumb's
// tokens are byte-identical to Django's (compressed ones up to 1 KiB of JSON).
namespace {

constexpr std::int64_t now = 1750000000;
const std::string secret = "django-insecure-interop-#k2$!p9@w8e^r5t&y*u(i)o_p+a=s";
const std::string salt(crumb::profile::django::session_salt);

std::vector<std::string> sessions() {
  std::vector<std::string> s = {
      R"({})",
      R"({"a":1})",
      R"({"_auth_user_id":"7","_auth_user_backend":"django.contrib.auth.backends.ModelBackend"})",
      R"({"greeting":"Gr\u00fc\u00df Gott \u2014 \u3053\u3093\u306b\u3061\u306f"})",
      R"({"emoji":"\ud83d\udc4b\ud83c\udf89\ud83e\udd80","flag":"\ud83c\uddeb\ud83c\uddf7"})",
      R"({"cjk":"\u6f22\u5b57","rtl":"\u05e9\u05dc\u05d5\u05dd","zwj":"\u200d"})",
      R"({"floats":[0.1,1.0,-0.0,1e-05,1e+16,2.5e-07,1.7976931348623157e+308,5e-324,3.141592653589793]})",
      R"({"ints":[0,-1,9223372036854775807,-9223372036854775808,1000000]})",
      R"({"nested":{"a":{"b":{"c":[1,[2,[3,{"d":null}]]]}}}})",
      R"({"quote":"He said \"hi\"\\n\ttabs","ctl":"\u0001\u001f\u007f","nul":"a\u0000b"})",
      R"({"cart":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]})",
      R"({"z":1,"a":2,"m":3,"b":4})",
      R"({"bools":[true,false,null],"empty_list":[],"empty_obj":{}})",
      R"({"long":")" + std::string(2000, 'x') + R"("})",
      R"({"html":"<script>alert('x')</script> & \u00a0"})",
      R"({"deep":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]})",
      R"({"path":"/a/b?c=d&e=f#g","slash":"/"})",
  };
  for (const char* name : {"small", "medium", "large", "huge"}) {
    // Normalise the fixture to Python's compact form, which both sides then agree on.
    s.push_back(crumb::json::to_string(crumb_test::parse(crumb_test::fixture(name))).value());
  }
  return s;
}

std::string json_string(std::string_view s) {
  std::string out;
  BOOST_REQUIRE(crumb::json::write(crumb::value(s), out) == crumb::errc::ok);
  return out;
}

// Runs the Django peer once over `requests` (one JSON object per line).
std::vector<crumb::value> ask_django(const std::vector<std::string>& requests) {
  return crumb_test::ask_python_peer(CRUMB_DJANGO_PEER, "python3-django", requests);
}

std::string dumps_request(const std::string& json, bool compress) {
  return R"({"op":"dumps","secret":)" + json_string(secret) + R"(,"salt":)" + json_string(salt) +
         R"(,"now":)" + std::to_string(now) + R"(,"compress":)" + (compress ? "true" : "false") +
         R"(,"json":)" + json_string(json) + "}";
}

std::string loads_request(const std::string& token, const std::string& key, std::int64_t at,
                          std::int64_t max_age) {
  return R"({"op":"loads","secret":)" + json_string(key) + R"(,"salt":)" + json_string(salt) +
         R"(,"now":)" + std::to_string(at) + R"(,"max_age":)" + std::to_string(max_age) +
         R"(,"token":)" + json_string(token) + "}";
}

const std::string& str(const crumb::value& answer, std::string_view key) {
  return *answer.if_object()->find(key)->if_string();
}

using codec_type = crumb_test::fixed_codec<crumb::default_hmac_sha256>;

codec_type make_codec(bool compress, std::int64_t at = now) {
  codec_type::options opts;
  opts.compress = compress;
  return codec_type(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(at));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(django_interop)

BOOST_AUTO_TEST_CASE(django_tokens_decode_in_crumb) {
  const auto cases = sessions();
  std::vector<std::string> requests;
  for (const auto& json : cases)
    for (const bool compress : {false, true}) requests.push_back(dumps_request(json, compress));
  const auto answers = ask_django(requests);

  auto codec = make_codec(true);
  int identical = 0, compressed = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string& json = cases[i / 2];
    const bool compress = i % 2 == 1;
    const std::string& token = str(answers[i], "token");
    const auto decoded = codec.decode(token);
    BOOST_REQUIRE_MESSAGE(decoded.has_value(), token << ": " << decoded.error().message());
    BOOST_TEST((*decoded == crumb_test::parse(json)), json);
    BOOST_TEST(crumb::json::to_string(*decoded).value() == json);
    if (token.front() == '.') ++compressed;

    // Same clock, same secret: crumb's tokens are Django's, byte for byte when
    // uncompressed. Compressed, crumb's deflater (or libdeflate) writes other streams than
    // Python's zlib: the same JSON inside, at most a few bytes longer (and Django reads
    // them: crumb_tokens_load_in_django).
    auto crumb_side = make_codec(compress);
    const std::string mine = crumb_side.encode(crumb_test::parse(json)).value();
    if (token.front() != '.') {
      BOOST_TEST(mine == token, json);
      ++identical;
    } else {
      BOOST_TEST(crumb_test::same_but_compression(mine, token, ':') == "", json);
      identical += mine == token;
    }
  }
  BOOST_TEST(requests.size() >= 30u);
  BOOST_TEST(compressed >= 5);
  BOOST_TEST(identical >= static_cast<int>(cases.size()));  // every uncompressed one
  BOOST_TEST_MESSAGE(requests.size() << " Django tokens decoded, " << identical
                                     << " byte-identical, " << compressed << " compressed");
}

BOOST_AUTO_TEST_CASE(crumb_tokens_load_in_django) {
  const auto cases = sessions();
  std::vector<std::string> requests;
  for (const auto& json : cases) {
    for (const bool compress : {false, true}) {
      auto codec = make_codec(compress);
      requests.push_back(
          loads_request(codec.encode(crumb_test::parse(json)).value(), secret, now + 10, 3600));
    }
  }
  const auto answers = ask_django(requests);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(*answers[i].if_object()->find("ok")->if_bool(), requests[i]);
    BOOST_TEST(str(answers[i], "json") == cases[i / 2]);
  }
  BOOST_TEST(answers.size() >= 30u);
}

// Both sides agree on what is rejected: wrong key, tampering, expiry at max_age + 1.
BOOST_AUTO_TEST_CASE(both_sides_reject_the_same_tokens) {
  auto codec = make_codec(true);
  const std::string token = codec.encode(crumb_test::parse(R"({"a":1})")).value();
  std::string tampered = token;
  tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
  const auto answers = ask_django({
      loads_request(token, secret + "x", now, 60),
      loads_request(tampered, secret, now, 60),
      loads_request(token, secret, now + 60, 60),
      loads_request(token, secret, now + 61, 60),
  });
  BOOST_TEST(str(answers[0], "error") == "invalid_signature");
  BOOST_TEST(str(answers[1], "error") == "invalid_signature");
  BOOST_TEST(*answers[2].if_object()->find("ok")->if_bool());
  BOOST_TEST(str(answers[3], "error") == "expired");

  codec_type::options opts;
  opts.max_age = std::chrono::seconds(60);
  codec_type reader(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(now + 60));
  BOOST_TEST(reader.decode(token).has_value());
  BOOST_TEST(reader.decode(tampered).error() == crumb::errc::invalid_signature);
  reader.clock() = crumb::fixed_clock::at_unix(now + 61);
  BOOST_TEST(reader.decode(token).error() == crumb::errc::expired);
}

BOOST_AUTO_TEST_SUITE_END()
