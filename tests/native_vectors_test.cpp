#define BOOST_TEST_MODULE native_vectors
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

// The test vectors of docs/format.md (tests/data/native_vectors.jsonl), checked offline:
// crumb seals every signed vector byte for byte at its time, and opens every vector of
// both modes to its session. tests/interop/native_independent.py seals the signed ones
// again from the spec alone.
namespace {
struct vector_case {
  std::string name, mode, secret, key_id, purpose, cookie_name, for_what, json, token;
  std::int64_t now = 0, renewing_expires_at = 0, expires_at = 0, refresh_at = 0;
  std::optional<std::int64_t> max_age, idle_timeout;
  bool compress = true;
};

std::optional<std::int64_t> optional_int(const crumb::object& o, std::string_view key) {
  const crumb::value* v = o.find(key);
  return v->is_null() ? std::nullopt : std::optional<std::int64_t>(*v->if_int());
}

std::vector<vector_case> load_vectors() {
  std::istringstream lines(crumb_test::read_file(CRUMB_TEST_DATA_DIR "/native_vectors.jsonl"));
  std::vector<vector_case> cases;
  for (std::string line; std::getline(lines, line);) {
    const crumb::value v = crumb_test::parse(line);
    const crumb::object& o = *v.if_object();
    const auto text = [&](std::string_view key) { return *o.find(key)->if_string(); };
    const auto number = [&](std::string_view key) { return *o.find(key)->if_int(); };
    vector_case c;
    c.name = text("name");
    c.mode = text("mode");
    c.secret = text("secret");
    c.key_id = text("key_id");
    c.purpose = text("purpose");
    c.cookie_name = text("cookie_name");
    c.for_what = text("for");
    c.json = text("json");
    c.token = text("token");
    c.now = number("now");
    c.renewing_expires_at = number("renewing_expires_at");
    c.expires_at = number("expires_at");
    c.refresh_at = number("refresh_at");
    c.max_age = optional_int(o, "max_age");
    c.idle_timeout = optional_int(o, "idle_timeout");
    c.compress = *o.find("compress")->if_bool();
    cases.push_back(std::move(c));
  }
  return cases;
}

template <class Mac>
using native_codec =
    crumb::basic_codec<crumb::profile::native, crumb::zlib_compression, Mac, crumb::fixed_clock>;

template <class Mac>
native_codec<Mac> codec_for(const vector_case& c, const crumb::key_ring& keys) {
  typename native_codec<Mac>::options opts;
  opts.purpose = c.purpose;
  opts.cookie_name = c.cookie_name;
  opts.encrypt = c.mode == "encrypted";
  opts.compress = c.compress;
  const auto seconds = [](std::optional<std::int64_t> s) {
    return s ? std::optional<std::chrono::seconds>(*s) : std::nullopt;
  };
  opts.max_age = seconds(c.max_age);
  opts.idle_timeout = seconds(c.idle_timeout);
  return native_codec<Mac>(keys, opts, crumb::fixed_clock::at_unix(c.now));
}

template <class Mac>
native_codec<Mac> codec_for(const vector_case& c) {
  return codec_for<Mac>(c, crumb::key_ring(c.secret));
}

crumb::purpose purpose_of(const vector_case& c) {
  return c.for_what == "store_entry" ? crumb::purpose::store_entry : crumb::purpose::cookie;
}

std::string hex(const std::array<std::uint8_t, crumb::profile::native::key_id_bytes>& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : id) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// The header's bytes: version, flags, key id and the three varints.
std::string header_of(const std::string& token) {
  const std::string raw = crumb::base64url::decode(token).value();
  std::size_t at = 2 + crumb::profile::native::key_id_bytes;
  std::int64_t field = 0;
  for (int i = 0; i < 3; ++i) BOOST_REQUIRE(crumb::detail::read_varint(raw, at, field));
  return raw.substr(0, at);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(native_vectors)

BOOST_AUTO_TEST_CASE(there_are_enough_vectors) {
  int signed_mode = 0, encrypted = 0;
  for (const auto& c : load_vectors()) ++(c.mode == "signed" ? signed_mode : encrypted);
  BOOST_TEST(signed_mode >= 8);
  BOOST_TEST(encrypted >= 8);
}

BOOST_AUTO_TEST_CASE(key_ids_are_derived_from_the_secret) {
  for (const auto& c : load_vectors())
    BOOST_TEST(hex(crumb::profile::native::key_id(c.secret)) == c.key_id, c.name);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(signed_vectors_are_sealed_byte_for_byte, Mac,
                              crumb_test::mac_backends) {
  for (const auto& c : load_vectors()) {
    if (c.mode != "signed") continue;
    auto codec = codec_for<Mac>(c);
    crumb::token_info renewing;
    renewing.expires_at = c.renewing_expires_at;
    std::string token;
    BOOST_REQUIRE(codec.encode_into(crumb_test::parse(c.json), token, purpose_of(c),
                                    c.renewing_expires_at != 0 ? &renewing : nullptr) ==
                  crumb::errc::ok);
    BOOST_TEST(token == c.token, c.name);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(encrypted_vectors_match_up_to_the_nonce, Mac,
                              crumb_test::mac_backends) {
  for (const auto& c : load_vectors()) {
    if (c.mode != "encrypted") continue;
    auto codec = codec_for<Mac>(c);
    crumb::token_info renewing;
    renewing.expires_at = c.renewing_expires_at;
    std::string token;
    BOOST_REQUIRE(codec.encode_into(crumb_test::parse(c.json), token, purpose_of(c),
                                    c.renewing_expires_at != 0 ? &renewing : nullptr) ==
                  crumb::errc::ok);
    BOOST_TEST(header_of(token) == header_of(c.token), c.name);
    BOOST_TEST(token.size() == c.token.size(), c.name);
    BOOST_TEST(token != c.token, c.name);  // a fresh random nonce
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(every_vector_opens_to_its_session, Mac, crumb_test::mac_backends) {
  for (const auto& c : load_vectors()) {
    auto codec = codec_for<Mac>(c);
    crumb::value session;
    crumb::token_info info;
    BOOST_REQUIRE_MESSAGE(
        codec.decode_into(c.token, session, info, purpose_of(c)) == crumb::errc::ok, c.name);
    BOOST_TEST(crumb::json::to_string(session).value() == c.json, c.name);
    BOOST_TEST(info.issued_at == c.now, c.name);
    BOOST_TEST(info.expires_at == c.expires_at, c.name);
    BOOST_TEST(info.refresh_at == c.refresh_at, c.name);
    BOOST_TEST(!info.needs_resign, c.name);
  }
}

BOOST_AUTO_TEST_CASE(vectors_open_under_a_fallback_key_and_nowhere_else) {
  for (const auto& c : load_vectors()) {
    const crumb::purpose p = purpose_of(c);
    crumb::value session;
    crumb::token_info info;
    // The vector's secret as a fallback: one key tried (by id), a re-issue asked for.
    auto rotated =
        codec_for<crumb::default_hmac_sha256>(c, crumb::key_ring("a newer secret", {c.secret}));
    BOOST_TEST((rotated.decode_into(c.token, session, info, p) == crumb::errc::ok), c.name);
    BOOST_TEST(info.needs_resign, c.name);
    // Its key gone from the ring: refused by its id before any MAC.
    auto removed = codec_for<crumb::default_hmac_sha256>(c, crumb::key_ring("a newer secret"));
    BOOST_TEST((removed.decode_into(c.token, session, info, p) == crumb::errc::unknown_key),
               c.name);
    // Another purpose or cookie name, or the other use: the keys differ.
    vector_case moved = c;
    moved.cookie_name += "2";
    auto other_cookie = codec_for<crumb::default_hmac_sha256>(moved);
    BOOST_TEST(
        (other_cookie.decode_into(c.token, session, info, p) == crumb::errc::invalid_signature),
        c.name);
    moved = c;
    moved.purpose += "2";
    auto other_purpose = codec_for<crumb::default_hmac_sha256>(moved);
    BOOST_TEST(
        (other_purpose.decode_into(c.token, session, info, p) == crumb::errc::invalid_signature),
        c.name);
    auto same = codec_for<crumb::default_hmac_sha256>(c);
    const crumb::purpose other_use =
        p == crumb::purpose::cookie ? crumb::purpose::store_entry : crumb::purpose::cookie;
    BOOST_TEST(
        (same.decode_into(c.token, session, info, other_use) == crumb::errc::invalid_signature),
        c.name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
