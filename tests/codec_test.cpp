#define BOOST_TEST_MODULE codec
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <string>

#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t t0 = 1700000000;
const std::string secret = "django-insecure-test-secret-0123456789abcdefghijklmnop";

template <class Mac>
crumb_test::fixed_codec<Mac> make_codec(const crumb::key_ring& ring = crumb::key_ring(secret),
                                        typename crumb_test::fixed_codec<Mac>::options opts = {}) {
  return crumb_test::fixed_codec<Mac>(ring, opts, crumb::fixed_clock::at_unix(t0));
}

template <class Mac>
std::string sign_raw(std::string_view signed_part) {
  return crumb_test::sign_raw<Mac>(signed_part, secret);
}

std::string ts(std::int64_t unix_seconds) { return crumb_test::timestamp(unix_seconds); }
using crumb_test::zlib_of;
}  // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE_TEMPLATE(round_trips_every_fixture, Mac, crumb_test::mac_backends) {
  for (const char* name : {"small", "medium", "large", "huge"}) {
    const crumb::value session = crumb_test::parse(crumb_test::fixture(name));
    for (const bool compress : {true, false}) {
      typename crumb_test::fixed_codec<Mac>::options opts;
      opts.compress = compress;
      auto codec = make_codec<Mac>(crumb::key_ring(secret), opts);
      const std::string token = codec.encode(session).value();
      if (!compress) BOOST_TEST(token.front() != '.');
      BOOST_TEST((codec.decode(token).value() == session), name);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(compresses_when_it_pays, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  BOOST_TEST(codec.encode(crumb_test::parse(crumb_test::fixture("large"))).value().front() == '.');
  BOOST_TEST(codec.encode(crumb::object{{"a", 1}}).value().front() != '.');
}

BOOST_AUTO_TEST_CASE_TEMPLATE(token_shape_is_django_s, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  const std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  // payload : base62(1700000000) : 43 characters of base64url(HMAC-SHA256)
  BOOST_TEST(token.substr(0, token.size() - 44) == "eyJhIjoxfQ:1r31eq");
  BOOST_TEST(token.size() - token.rfind(':') - 1 == 43u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(every_single_bit_flip_is_rejected, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  for (const char* name : {"small", "medium"}) {
    const std::string token = codec.encode(crumb_test::parse(crumb_test::fixture(name))).value();
    crumb::value out;
    for (std::size_t i = 0; i < token.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = token;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        BOOST_TEST((codec.decode_into(bad, out) == errc::invalid_signature), i << "/" << bit);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(every_truncation_is_rejected, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  const std::string token = codec.encode(crumb_test::parse(crumb_test::fixture("medium"))).value();
  const std::size_t first_colon = token.find(':');
  crumb::value out;
  for (std::size_t n = 0; n < token.size(); ++n) {
    const errc expected = n <= first_colon ? errc::malformed : errc::invalid_signature;
    BOOST_TEST((codec.decode_into(token.substr(0, n), out) == expected), n);
    // Cutting from the front breaks the MAC as well.
    BOOST_TEST((codec.decode_into(token.substr(token.size() - n), out) ==
                (token.substr(token.size() - n).find(':') == std::string::npos
                     ? errc::malformed
                     : errc::invalid_signature)),
               n);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(wrong_salt_or_key_is_a_bad_signature, Mac,
                              crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  const std::string token = codec.encode(crumb::object{{"user", 1}}).value();
  typename crumb_test::fixed_codec<Mac>::options other_salt;
  other_salt.salt = "django.core.signing";
  BOOST_TEST(make_codec<Mac>(crumb::key_ring(secret), other_salt).decode(token).error() ==
             errc::invalid_signature);
  BOOST_TEST(make_codec<Mac>(crumb::key_ring(secret + "x")).decode(token).error() ==
             errc::invalid_signature);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(max_age_follows_django, Mac, crumb_test::mac_backends) {
  typename crumb_test::fixed_codec<Mac>::options opts;
  opts.max_age = 3600s;
  auto codec = make_codec<Mac>(crumb::key_ring(secret), opts);
  const std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3600);  // exactly max_age: accepted
  BOOST_TEST(codec.decode(token).has_value());
  codec.clock().at += 500ms;  // Django compares float seconds: half a second over expires
  BOOST_TEST(codec.decode(token).error() == errc::expired);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3601);  // expired by one second
  BOOST_TEST(codec.decode(token).error() == errc::expired);
  codec.clock() = crumb::fixed_clock::at_unix(t0 - 86400);  // from the future: accepted
  BOOST_TEST(codec.decode(token).has_value());

  opts.max_age.reset();  // no limit at all
  auto forever = make_codec<Mac>(crumb::key_ring(secret), opts);
  forever.clock() = crumb::fixed_clock::at_unix(t0 + 100LL * 365 * 86400);
  BOOST_TEST(forever.decode(token).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(expiry_is_checked_only_after_the_signature, Mac,
                              crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 10'000'000);
  BOOST_TEST(codec.decode(token).error() == errc::expired);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  BOOST_TEST(codec.decode(token).error() == errc::invalid_signature);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fallback_keys_verify_but_never_sign, Mac,
                              crumb_test::mac_backends) {
  auto old_codec = make_codec<Mac>(crumb::key_ring("old-secret"));
  const std::string old_token = old_codec.encode(crumb::object{{"a", 1}}).value();

  auto rotated = make_codec<Mac>(crumb::key_ring("new-secret", {"older", "old-secret"}));
  BOOST_TEST((rotated.decode(old_token).value() == crumb::object{{"a", 1}}));
  const std::string new_token = rotated.encode(crumb::object{{"a", 1}}).value();
  BOOST_TEST(make_codec<Mac>(crumb::key_ring("new-secret")).decode(new_token).has_value());
  BOOST_TEST(old_codec.decode(new_token).error() == errc::invalid_signature);
  // Once the old secret is dropped from the ring, its tokens stop working.
  BOOST_TEST(make_codec<Mac>(crumb::key_ring("new-secret")).decode(old_token).error() ==
             errc::invalid_signature);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_fallback_key_asks_for_a_resign, Mac, crumb_test::mac_backends) {
  auto old_codec = make_codec<Mac>(crumb::key_ring("old-secret"));
  const std::string old_token = old_codec.encode(crumb::object{{"a", 1}}).value();
  auto rotated = make_codec<Mac>(crumb::key_ring("new-secret", {"old-secret"}));
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(rotated.decode_into(old_token, out, info) == errc::ok);
  BOOST_TEST(info.needs_resign);
  BOOST_TEST(info.issued_at == t0);
  const std::string new_token = rotated.encode(out).value();
  BOOST_TEST(rotated.decode_into(new_token, out, info) == errc::ok);
  BOOST_TEST(!info.needs_resign);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(odd_tokens_from_a_key_holder, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  const std::string ok_payload = crumb::base64url::encode(R"({"a":1})");
  const auto decode = [&](const std::string& token) {
    crumb::value out;
    return codec.decode_into(token, out);
  };
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":" + ts(t0))) == errc::ok);
  // Timestamps: empty, negative, not base62, past INT64_MAX; zero is just very old.
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":")) == errc::malformed);
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":-1")) == errc::malformed);
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":1r3+eq")) == errc::malformed);
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":AzL8n0Y58m8")) == errc::malformed);  // 2^63
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":AzL8n0Y58m7")) == errc::ok);  // INT64_MAX
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload + ":0")) == errc::expired);
  BOOST_TEST(decode(sign_raw<Mac>(ok_payload)) == errc::malformed);  // no timestamp at all
  // Payloads.
  BOOST_TEST(decode(sign_raw<Mac>("e30=:" + ts(t0))) == errc::malformed);  // padding
  BOOST_TEST(decode(sign_raw<Mac>("!!:" + ts(t0))) == errc::malformed);
  BOOST_TEST(decode(sign_raw<Mac>(":" + ts(t0))) == errc::invalid_json);  // empty JSON
  BOOST_TEST(decode(sign_raw<Mac>("." + ok_payload + ":" + ts(t0))) == errc::invalid_compression);
  BOOST_TEST(decode(sign_raw<Mac>(crumb::base64url::encode("{") + ":" + ts(t0))) ==
             errc::invalid_json);
  BOOST_TEST(decode(sign_raw<Mac>(crumb::base64url::encode(std::string(200, '[') + std::string(200, ']')) + ":" +
                                  ts(t0))) == errc::too_deep);
  BOOST_TEST(decode(sign_raw<Mac>(crumb::base64url::encode("[18446744073709551616]") + ":" +
                                  ts(t0))) == errc::number_out_of_range);
  BOOST_TEST(decode(sign_raw<Mac>(crumb::base64url::encode("\"\xff\"") + ":" + ts(t0))) ==
             errc::invalid_utf8);
  // A compressed bomb: 8 MiB of spaces in ~8 KiB, stopped at max_json_bytes (1 MiB).
  const std::string bomb = zlib_of(std::string(8u << 20, ' '));
  BOOST_TEST(decode(sign_raw<Mac>("." + crumb::base64url::encode(bomb) + ":" + ts(t0))) ==
             errc::too_large);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(size_limits, Mac, crumb_test::mac_backends) {
  typename crumb_test::fixed_codec<Mac>::options opts;
  opts.max_token_bytes = 200;
  opts.compress = false;
  auto codec = make_codec<Mac>(crumb::key_ring(secret), opts);
  BOOST_TEST(codec.decode(std::string(201, 'a')).error() == errc::too_large);
  BOOST_TEST(codec.encode(crumb::object{{"k", std::string(300, 'x')}}).error() == errc::too_large);
  BOOST_TEST(codec.encode(crumb::object{{"k", "x"}}).has_value());

  opts.max_token_bytes = 64 * 1024;
  opts.max_json_bytes = 100;
  auto small_json = make_codec<Mac>(crumb::key_ring(secret), opts);
  BOOST_TEST(small_json.encode(crumb::object{{"k", std::string(100, 'x')}}).error() ==
             errc::too_large);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bad_input_never_throws, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  crumb::value out;
  for (const std::string& junk :
       {std::string(), std::string("x"), std::string(":"), std::string("::"), std::string(":::"),
        std::string("a:b:c"), std::string(1 << 20, 'A'), std::string("\0:\0:\0", 5)}) {
    BOOST_CHECK_NO_THROW((void)codec.decode_into(junk, out));
    BOOST_TEST(codec.decode_into(junk, out) != errc::ok);
  }
  BOOST_TEST(codec.decode_into("", out) == errc::malformed);
  BOOST_TEST(codec.decode_into("x", out) == errc::malformed);
  BOOST_TEST(codec.decode_into(std::string(1 << 20, 'A'), out) == errc::too_large);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(encode_refuses_what_json_cannot_carry, Mac,
                              crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  BOOST_TEST(codec.encode(crumb::object{{"nan", std::nan("")}}).error() == errc::not_finite);
  BOOST_TEST(codec.encode(crumb::object{{"bad", "\xff"}}).error() == errc::invalid_utf8);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(buffers_are_reused, Mac, crumb_test::mac_backends) {
  auto codec = make_codec<Mac>();
  const crumb::value session = crumb_test::parse(crumb_test::fixture("medium"));
  std::string token;
  crumb::value out;
  for (int i = 0; i < 100; ++i) {
    BOOST_REQUIRE(codec.encode_into(session, token) == errc::ok);
    BOOST_REQUIRE(codec.decode_into(token, out) == errc::ok);
  }
  BOOST_TEST((out == session));
  auto copy = codec;  // a copy per thread works on its own
  BOOST_TEST((copy.decode(token).value() == session));
}

BOOST_AUTO_TEST_CASE(no_compression_policy_refuses_compressed_tokens) {
  auto zlib_codec = make_codec<crumb::sodium_hmac_sha256>();
  const std::string token =
      zlib_codec.encode(crumb_test::parse(crumb_test::fixture("large"))).value();
  crumb::basic_codec<crumb::profile::django, crumb::no_compression, crumb::sodium_hmac_sha256,
                     crumb::fixed_clock>
      plain(crumb::key_ring(secret), {}, crumb::fixed_clock::at_unix(t0));
  BOOST_TEST(plain.decode(token).error() == errc::invalid_compression);
  BOOST_TEST(plain.encode(crumb_test::parse(crumb_test::fixture("large"))).value().front() != '.');
}

BOOST_AUTO_TEST_CASE(system_clock_codec_round_trips) {
  crumb::django_codec codec{crumb::key_ring(secret)};
  const std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  BOOST_TEST(codec.decode(token).has_value());
}

// The default clock is the wall clock, never a second behind what another process reads
// at the same moment: Flask refuses a token whose age is negative, so one stamped by a
// precise clock just after a second began must not look issued in the future. A coarse
// clock (which lags by up to a tick) failed this at every second's edge. Runs across
// one second boundary at least.
BOOST_AUTO_TEST_CASE(system_clock_is_never_a_second_behind) {
  const auto start = std::chrono::steady_clock::now();
  long seconds_behind = 0, samples = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1100)) {
    const auto precise = std::chrono::system_clock::now();
    const std::int64_t ours = crumb::to_unix_seconds(crumb::system_clock{}.now());
    seconds_behind += ours < crumb::to_unix_seconds(precise);
    ++samples;
  }
  BOOST_TEST(seconds_behind == 0);
  BOOST_TEST(samples > 10000);
}

BOOST_AUTO_TEST_SUITE_END()
