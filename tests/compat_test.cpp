#define BOOST_TEST_MODULE compat
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

// Tokens made by the real Django 3.2 (tests/data/make_django_vectors.py), checked offline:
// every one decodes to the session it was made from; with the same clock, crumb's
// uncompressed tokens are byte-identical to Django's.
namespace {
struct vector_case {
  std::string secret, salt, algorithm, json, token;
  std::int64_t now = 0;
  bool compress = false;
};

std::vector<vector_case> load_vectors() {
  std::istringstream lines(crumb_test::read_file(CRUMB_TEST_DATA_DIR "/django_vectors.jsonl"));
  std::vector<vector_case> cases;
  for (std::string line; std::getline(lines, line);) {
    const crumb::value v = crumb_test::parse(line);
    const crumb::object& o = *v.if_object();
    vector_case c;
    c.secret = *o.find("secret")->if_string();
    c.salt = *o.find("salt")->if_string();
    c.algorithm = *o.find("algorithm")->if_string();
    c.json = *o.find("json")->if_string();
    c.token = *o.find("token")->if_string();
    c.now = *o.find("now")->if_int();
    c.compress = *o.find("compress")->if_bool();
    cases.push_back(std::move(c));
  }
  return cases;
}

template <class Mac>
crumb_test::fixed_codec<Mac> codec_for(const vector_case& c, bool legacy = false) {
  typename crumb_test::fixed_codec<Mac>::options opts;
  opts.salt = c.salt;
  opts.compress = c.compress;
  opts.accept_legacy_sha1 = legacy;
  return crumb_test::fixed_codec<Mac>(crumb::key_ring(c.secret), opts,
                                      crumb::fixed_clock::at_unix(c.now));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(compat)

BOOST_AUTO_TEST_CASE(there_are_enough_vectors) { BOOST_TEST(load_vectors().size() >= 36u); }

BOOST_AUTO_TEST_CASE_TEMPLATE(django_tokens_decode_to_their_sessions, Mac,
                              crumb_test::mac_backends) {
  for (const auto& c : load_vectors()) {
    if (c.algorithm != "sha256") continue;
    auto codec = codec_for<Mac>(c);
    const auto decoded = codec.decode(c.token);
    BOOST_REQUIRE_MESSAGE(decoded.has_value(), c.token << ": " << decoded.error().message());
    BOOST_TEST((*decoded == crumb_test::parse(c.json)), c.json);
    // Python's json.dumps of what Django would load is what crumb writes back.
    BOOST_TEST(crumb::json::to_string(*decoded).value() == c.json);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(uncompressed_tokens_are_byte_identical, Mac,
                              crumb_test::mac_backends) {
  int compared = 0;
  for (const auto& c : load_vectors()) {
    if (c.algorithm != "sha256") continue;
    auto codec = codec_for<Mac>(c);
    const std::string token = codec.encode(crumb_test::parse(c.json)).value();
    if (c.token.front() != '.') {  // Django chose not to compress (or was told not to)
      BOOST_TEST(token == c.token);
      ++compared;
    } else {
      BOOST_TEST(token.front() == '.');  // crumb compresses the same sessions
      BOOST_TEST((codec.decode(token).value() == crumb_test::parse(c.json)));
    }
  }
  BOOST_TEST(compared >= 16);
}

BOOST_AUTO_TEST_CASE(legacy_sha1_tokens_need_opt_in) {
  for (const auto& c : load_vectors()) {
    if (c.algorithm != "sha1") continue;
    auto strict = codec_for<crumb::default_hmac_sha256>(c);
    BOOST_TEST(strict.decode(c.token).error() == crumb::errc::invalid_signature);
    if constexpr (crumb::has_openssl) {
      auto legacy = codec_for<crumb::default_hmac_sha256>(c, true);
      BOOST_TEST((legacy.decode(c.token).value() == crumb_test::parse(c.json)));
    } else {
      BOOST_CHECK_THROW(codec_for<crumb::default_hmac_sha256>(c, true), std::invalid_argument);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
