#define BOOST_TEST_MODULE flask
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t t0 = 1700000000;

using flask_codec = crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression,
                                       crumb::openssl_hmac_sha256, crumb::fixed_clock>;

flask_codec make(flask_codec::options o = {},
                 const crumb::key_ring& ring = crumb::key_ring("secret"), std::int64_t now = t0) {
  return flask_codec(ring, std::move(o), crumb::fixed_clock::at_unix(now));
}

errc decode(flask_codec& c, const std::string& token) {
  crumb::value out;
  return c.decode_into(token, out);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(flask)

// Made by Flask 2.2.2: app.session_interface.get_signing_serializer(app).dumps(...) with
// SECRET_KEY "secret" and time.time() at 1700000000.
BOOST_AUTO_TEST_CASE(byte_for_byte_with_flask) {
  auto codec = make();
  const crumb::value session = crumb::object{{"user", "alice"}, {"a", 3}};
  const std::string flask_token = "eyJhIjozLCJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.hwAY7orgSMiZ-k4WymJkIuFKSqg";
  BOOST_TEST(codec.encode(session).value() == flask_token);  // keys sorted, as Flask's
  BOOST_TEST((codec.decode(flask_token).value() == crumb::object{{"a", 3}, {"user", "alice"}}));
}

BOOST_AUTO_TEST_CASE(round_trips_every_fixture) {
  for (const char* name : {"small", "medium", "large", "huge"}) {
    for (const bool compress : {false, true}) {
      flask_codec::options o;
      o.compress = compress;
      auto codec = make(o);
      const crumb::value session = crumb_test::parse(crumb_test::fixture(name));
      const std::string token = codec.encode(session).value();
      if (!compress) BOOST_TEST(token.front() != '.');
      const crumb::value back = codec.decode(token).value();
      // The same members, in Flask's order (sorted).
      BOOST_TEST(back.if_object()->size() == session.if_object()->size());
      for (const auto& [key, member] : *session.if_object())
        BOOST_TEST((*back.if_object()->find(key) == member), name << " " << key);
    }
  }
}

// Tagged values stay one-member objects, written back as they came.
BOOST_AUTO_TEST_CASE(tagged_values_are_kept) {
  auto codec = make();
  const std::string json =
      R"({" t":[1,2],"b":{" b":"aGk="},"d":{" d":"Wed, 15 Nov 2023 12:00:00 GMT"},)"
      R"("m":{" m":"<b>x</b>"},"u":{" u":"12345678123456781234567812345678"},)"
      R"("x":{" di":{" t__":1}},"z":{" unknown":3}})";
  const crumb::value v = crumb_test::parse(json);
  const std::string token = codec.encode(v).value();
  BOOST_TEST((codec.decode(token).value() == v));
}

// Flask fails every request whose cookie holds a tag it cannot read: never written.
BOOST_AUTO_TEST_CASE(tags_flask_cannot_read_are_refused) {
  auto codec = make();
  for (const char* bad : {R"({" u":"xyz"})", R"({"a":{" b":"abc"}})", R"({"a":[{" t":{}}]})",
                          R"({"a":{" di":{"k":1}}})", R"({"a":{" di":{}}})", R"({" d":1})",
                          // The session itself is untagged: a tuple, a UUID, ... is none.
                          // (Regression: these were written, and Flask answered 500.)
                          R"({" t":[1,2]})", R"({" m":{"x":1}})", R"({" b":"aGk="})",
                          R"({" u":"urn:uuid:12345678-1234-5678-1234-567812345678"})",
                          R"({" d":"Wed, 15 Nov 2023 12:00:00 GMT"})",
                          // Dates werkzeug does not write (it raises on some: a huge year).
                          R"({"a":{" d":"Mon, 01 Jan 99999999999999999999 00:00:00 GMT"}})",
                          R"({"a":{" d":"Wed, 15 Nov 2023 12:00:00 UTC"}})",
                          R"({"a":{" d":"Xyz, 15 Nov 2023 12:00:00 GMT"}})",
                          R"({"a":{" d":"Wed, 15 Nox 2023 12:00:00 GMT"}})",
                          R"({"a":{" d":"Wed, 15 Nov 2023 12:00:0a GMT"}})",
                          R"({"a":{" d":"garbage"}})"})
    BOOST_TEST(codec.encode(crumb_test::parse(bad)).error() == errc::invalid_json, bad);
  for (const char* good :
       {R"({"a":{" u":"urn:uuid:12345678-1234-5678-1234-567812345678"}})", R"({"a":{" b":""}})",
        R"({"a":[{" t":[]}]})", R"({"a":{" di":{" t__":1}}})", R"({"a":{" m":{"x":1}}})",
        R"({" di":{" t__":1}})", R"({"a":{" d":"Sun, 31 Dec 2023 23:59:59 GMT"}})",
        R"({" x":5})", R"({"a":{" u":1,"b":2}})"})
    BOOST_TEST(codec.encode(crumb_test::parse(good)).has_value(), good);
  // A value built in code, nested past the bound, is refused before it is recursed into.
  crumb::value deep = crumb::array{};
  for (int i = 0; i < 1000; ++i) deep = crumb::array{std::move(deep)};
  BOOST_TEST(codec.encode(crumb::object{{"deep", std::move(deep)}}).error() == errc::too_deep);
}

BOOST_AUTO_TEST_CASE(expiry_and_the_future_as_itsdangerous) {
  flask_codec::options o;
  o.max_age = 3600s;
  auto codec = make(o);
  const std::string token = codec.encode(crumb::object{{"a", 1}}).value();
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3600);
  BOOST_TEST(decode(codec, token) == errc::ok);  // age == max_age passes
  codec.clock() = crumb::fixed_clock{crumb::from_unix_seconds(t0 + 3600) + 999ms};
  BOOST_TEST(decode(codec, token) == errc::ok);  // int(time.time()): whole seconds
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3601);
  BOOST_TEST(decode(codec, token) == errc::expired);
  codec.clock() = crumb::fixed_clock::at_unix(t0 - 1);
  BOOST_TEST(decode(codec, token) == errc::not_yet_valid);  // "signature age is negative"
  o.max_age.reset();
  auto unchecked = make(o, crumb::key_ring("secret"), t0 - 100);
  BOOST_TEST(decode(unchecked, token) == errc::ok);
}

BOOST_AUTO_TEST_CASE(tampered_truncated_and_wrong_key) {
  auto codec = make();
  const std::string token = codec.encode(crumb::object{{"user", "alice"}}).value();
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    BOOST_TEST((decode(codec, t) != errc::ok), i);
  }
  for (std::size_t n = 0; n < token.size(); ++n)
    BOOST_TEST((decode(codec, token.substr(0, n)) != errc::ok), n);
  auto other = make({}, crumb::key_ring("other"));
  BOOST_TEST(decode(other, token) == errc::invalid_signature);
  flask_codec::options salted;
  salted.salt = "other-salt";
  auto other_salt = make(salted);
  BOOST_TEST(decode(other_salt, token) == errc::invalid_signature);
  BOOST_TEST(decode(codec, "no-separator") == errc::malformed);
}

BOOST_AUTO_TEST_CASE(timestamps_as_itsdangerous_writes_them) {
  std::string s;
  crumb::profile::flask::append_timestamp(s, 1700000000);
  BOOST_TEST(s == "ZVPxAA");
  std::int64_t n = -1;
  BOOST_TEST(crumb::profile::flask::parse_timestamp("ZVPxAA", n) == errc::ok);
  BOOST_TEST(n == 1700000000);
  s.clear();
  crumb::profile::flask::append_timestamp(s, 0);
  BOOST_TEST(s.empty());  // int_to_bytes(0) is b""
  BOOST_TEST(crumb::profile::flask::parse_timestamp("", n) == errc::ok);
  BOOST_TEST(n == 0);
  BOOST_TEST(crumb::profile::flask::parse_timestamp("gAAAAAAAAAA", n) == errc::malformed);  // 2^63
  BOOST_TEST(crumb::profile::flask::parse_timestamp("AAAAAAAAAAAA", n) == errc::malformed);
  BOOST_TEST(crumb::profile::flask::parse_timestamp("Z=", n) == errc::malformed);
}

BOOST_AUTO_TEST_CASE(fallback_keys_verify_and_ask_for_a_resign) {
  auto old_codec = make({}, crumb::key_ring("old"));
  const std::string old_token = old_codec.encode(crumb::object{{"a", 1}}).value();
  auto rotated = make({}, crumb::key_ring("new", {"old"}));
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(rotated.decode_into(old_token, out, info) == errc::ok);
  BOOST_TEST(info.needs_resign);
  BOOST_TEST(info.issued_at == t0);
  const std::string new_token = rotated.encode(out).value();
  BOOST_TEST(decode(old_codec, new_token) == errc::invalid_signature);
  BOOST_TEST(rotated.decode_into(new_token, out, info) == errc::ok);
  BOOST_TEST(!info.needs_resign);
}

BOOST_AUTO_TEST_CASE(store_entries_are_not_cookies) {
  auto codec = make();
  std::string entry;
  BOOST_REQUIRE(codec.encode_into(crumb::object{{"a", 1}}, entry, crumb::purpose::store_entry) ==
                errc::ok);
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(codec.decode_into(entry, out, info, crumb::purpose::cookie) ==
             errc::invalid_signature);
  BOOST_TEST(codec.decode_into(entry, out, info, crumb::purpose::store_entry) == errc::ok);
}

// Sessions spill and chunk on the flask profile as on Django's.
BOOST_AUTO_TEST_CASE(sessions_spill_and_chunk) {
  using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
  using session = crumb::basic_session<flask_codec, store_type, crumb::fixed_clock>;
  store_type store({}, crumb::fixed_clock::at_unix(t0));
  for (const auto policy : {crumb::oversize_policy::spill, crumb::oversize_policy::chunk}) {
    crumb::session_settings settings;
    settings.cookie_name = "session";
    settings.oversize = policy;
    flask_codec::options o;
    o.compress = false;
    auto codec = make(o);
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0));
    s.load("");
    std::string blob(5000, 'x');
    for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>('a' + i * 7 % 26);
    s.set("blob", blob);
    std::string header;
    const std::vector<std::string> lines = s.save().value();
    for (const std::string& line : lines) {
      if (!header.empty()) header += "; ";
      header += line.substr(0, line.find(';'));
    }
    session back(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 10));
    back.load(header);
    BOOST_TEST(back.get<std::string>("blob").value() == blob);
    BOOST_TEST(!back.load_error());
  }
}

BOOST_AUTO_TEST_SUITE_END()
