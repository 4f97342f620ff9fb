#define BOOST_TEST_MODULE native
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <unordered_set>

#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t t0 = 1700000000;

template <class Mac = crumb::default_hmac_sha256>
using native_codec =
    crumb::basic_codec<crumb::profile::native, crumb::zlib_compression, Mac, crumb::fixed_clock>;
using options = native_codec<>::options;

options mode(bool encrypt) {
  options o;
  o.encrypt = encrypt;
  return o;
}

template <class Mac = crumb::default_hmac_sha256>
native_codec<Mac> make(const options& o = {},
                       const crumb::key_ring& ring = crumb::key_ring("secret"),
                       std::int64_t now = t0) {
  typename native_codec<Mac>::options same;  // each codec type has its own options type
  static_cast<crumb::profile::native::options&>(same) = o;
  same.compress = o.compress;
  same.max_token_bytes = o.max_token_bytes;
  same.max_json_bytes = o.max_json_bytes;
  same.max_depth = o.max_depth;
  return native_codec<Mac>(ring, same, crumb::fixed_clock::at_unix(now));
}

const crumb::value small = crumb::object{{"user", "alice"}, {"cart", crumb::array{1, 2, 3}}};

errc decode(native_codec<>& c, const std::string& token) {
  crumb::value out;
  return c.decode_into(token, out);
}

// The token's bytes (base64url decoded).
std::string raw_of(const std::string& token) { return crumb::base64url::decode(token).value(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(native)

BOOST_AUTO_TEST_CASE_TEMPLATE(round_trips_every_fixture_in_both_modes, Mac,
                              crumb_test::mac_backends) {
  for (const char* name : {"small", "medium", "large", "huge"}) {
    const crumb::value session = crumb_test::parse(crumb_test::fixture(name));
    for (const bool encrypt : {false, true})
      for (const bool compress : {false, true}) {
        options o = mode(encrypt);
        o.compress = compress;
        auto codec = make<Mac>(o);
        const std::string token = codec.encode(session).value();
        const std::string raw = raw_of(token);
        BOOST_TEST(raw[0] == '\x01');
        BOOST_TEST(((raw[1] & 0x01) != 0) == encrypt);
        if (!compress) BOOST_TEST((raw[1] & 0x02) == 0);
        BOOST_TEST((codec.decode(token).value() == session), name << encrypt << compress);
      }
  }
}

BOOST_AUTO_TEST_CASE(shorter_than_django_s) {
  auto native = make();
  auto sealed = make(mode(true));
  crumb_test::fixed_codec<crumb::default_hmac_sha256> django(crumb::key_ring("secret"), {},
                                                            crumb::fixed_clock::at_unix(t0));
  const std::string n = native.encode(small).value();
  const std::string d = django.encode(small).value();
  BOOST_TEST(n.size() < d.size());
  BOOST_TEST(sealed.encode(small).value().size() < d.size() + 40);
}

BOOST_AUTO_TEST_CASE(compresses_only_when_it_shortens) {
  auto codec = make();
  const std::string tiny = raw_of(codec.encode(crumb::object{{"a", 1}}).value());
  BOOST_TEST((tiny[1] & 0x02) == 0);
  const std::string big =
      raw_of(codec.encode(crumb_test::parse(crumb_test::fixture("large"))).value());
  BOOST_TEST((big[1] & 0x02) != 0);
}

// Every flipped bit and every truncation is refused, in both modes, and never as success.
BOOST_AUTO_TEST_CASE(every_bit_flip_and_truncation_is_refused) {
  for (const bool encrypt : {false, true}) {
    auto codec = make(mode(encrypt));
    const std::string token = codec.encode(small).value();
    const std::string raw = raw_of(token);
    for (std::size_t i = 0; i < raw.size(); ++i)
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = raw;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        const errc e = decode(codec, crumb::base64url::encode(flipped));
        BOOST_TEST((e != errc::ok), "byte " << i << " bit " << bit);
      }
    for (std::size_t n = 0; n < token.size(); ++n)
      BOOST_TEST((decode(codec, token.substr(0, n)) != errc::ok), n);
    BOOST_TEST(decode(codec, token) == errc::ok);
    BOOST_TEST(decode(codec, token + "A") != errc::ok);
  }
}

// Flipping a header or tag byte gives the error of the part it breaks.
BOOST_AUTO_TEST_CASE(errors_name_the_broken_part) {
  auto codec = make();
  const std::string raw = raw_of(codec.encode(small).value());
  const auto with = [&](std::size_t i, char c) {
    std::string r = raw;
    r[i] = c;
    return decode(codec, crumb::base64url::encode(r));
  };
  BOOST_TEST(with(0, '\x02') == errc::malformed);            // unknown version
  BOOST_TEST(with(1, '\x04') == errc::malformed);            // unknown flag
  BOOST_TEST(with(1, '\x01') == errc::invalid_signature);    // signed, read as encrypted
  BOOST_TEST(with(2, static_cast<char>(raw[2] ^ 1)) == errc::unknown_key);
  BOOST_TEST(with(raw.size() - 1, static_cast<char>(raw.back() ^ 1)) == errc::invalid_signature);
  BOOST_TEST(decode(codec, "not base64!") == errc::malformed);
  BOOST_TEST(decode(codec, "") == errc::malformed);
}

BOOST_AUTO_TEST_CASE(an_encrypted_token_hides_its_json) {
  auto codec = make(mode(true));
  for (const char* name : {"small", "medium"}) {
    const crumb::value session = crumb_test::parse(crumb_test::fixture(name));
    const std::string json = crumb::json::to_string(session).value();
    for (const bool compress : {false, true}) {
      options o = mode(true);
      o.compress = compress;
      auto c = make(o);
      const std::string raw = raw_of(c.encode(session).value());
      const std::string token = c.encode(session).value();
      for (std::size_t i = 0; i + 8 <= json.size(); ++i) {
        const std::string run = json.substr(i, 8);
        BOOST_TEST(raw.find(run) == std::string::npos);
        BOOST_TEST(token.find(run) == std::string::npos);
      }
    }
  }
  // The same session twice: different tokens (fresh nonces).
  BOOST_TEST(codec.encode(small).value() != codec.encode(small).value());
}

// Fewer under valgrind (.ci/valgrind sets CRUMB_SLOW_RUNTIME), where a million encodes
// would take minutes; the full count everywhere else.
BOOST_AUTO_TEST_CASE(nonces_are_unique) {
  const std::size_t n = std::getenv("CRUMB_SLOW_RUNTIME") != nullptr ? 20'000 : 1'000'000;
  options o = mode(true);
  o.compress = false;
  auto codec = make(o);
  const crumb::value empty = crumb::object{};
  std::unordered_set<std::string> seen;
  seen.reserve(n);
  std::string token;
  constexpr std::size_t header = 2 + 4 + 5 + 3 + 1;  // version, flags, id, varints at t0
  for (std::size_t i = 0; i < n; ++i) {
    BOOST_REQUIRE(codec.encode_into(empty, token) == errc::ok);
    const std::string raw = raw_of(token);
    BOOST_REQUIRE(raw.size() == header + 24 + 2 + 16);  // nonce, "{}", tag
    seen.insert(raw.substr(header, 24));
  }
  BOOST_TEST(seen.size() == n);
}

BOOST_AUTO_TEST_CASE(bound_to_purpose_and_cookie_name) {
  for (const bool encrypt : {false, true}) {
    options a = mode(encrypt);
    a.cookie_name = "a";
    options b = a;
    b.cookie_name = "b";
    options other_purpose = a;
    other_purpose.purpose = "crumb.other";
    options shifted = a;  // the same characters split differently between the two
    shifted.purpose = "crumb.sessiona";
    shifted.cookie_name = "";
    auto ca = make(a);
    const std::string token = ca.encode(small).value();
    BOOST_TEST(decode(ca, token) == errc::ok);
    for (const options& o : {b, other_purpose, shifted}) {
      auto c = make(o);
      BOOST_TEST(decode(c, token) == errc::invalid_signature);
    }
    // A store entry is not a cookie, and the reverse.
    std::string entry;
    BOOST_REQUIRE(ca.encode_into(small, entry, crumb::purpose::store_entry) == errc::ok);
    crumb::value out;
    crumb::token_info info;
    BOOST_TEST(ca.decode_into(entry, out, info, crumb::purpose::cookie) == errc::invalid_signature);
    BOOST_TEST(ca.decode_into(token, out, info, crumb::purpose::store_entry) ==
               errc::invalid_signature);
    BOOST_TEST(ca.decode_into(entry, out, info, crumb::purpose::store_entry) == errc::ok);
  }
}

BOOST_AUTO_TEST_CASE(absolute_expiry_at_its_boundary) {
  options o;
  o.max_age = 3600s;
  o.clock_skew = 0s;
  auto codec = make(o);
  const std::string token = codec.encode(small).value();
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(codec.decode_into(token, out, info) == errc::ok);
  BOOST_TEST(info.issued_at == t0);
  BOOST_TEST(info.expires_at == t0 + 3600);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3599);
  BOOST_TEST(decode(codec, token) == errc::ok);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3600);  // the end is exclusive
  BOOST_TEST(decode(codec, token) == errc::expired);
  // The skew window never applies an expiry late.
  o.clock_skew = 10s;
  auto lenient = make(o, crumb::key_ring("secret"), t0 + 3600);
  BOOST_TEST(decode(lenient, token) == errc::expired);
  // A reader whose max_age is shorter ends old tokens sooner.
  options shorter = o;
  shorter.max_age = 60s;
  shorter.clock_skew = 0s;
  auto strict = make(shorter, crumb::key_ring("secret"), t0 + 61);
  BOOST_TEST(decode(strict, token) == errc::expired);
  // No absolute end at all.
  options forever;
  forever.max_age.reset();
  auto unbounded = make(forever);
  const std::string lasting = unbounded.encode(small).value();
  unbounded.clock() = crumb::fixed_clock::at_unix(t0 + 100 * 365 * 86400LL);
  BOOST_TEST(decode(unbounded, lasting) == errc::ok);
}

// A max_age under 1 s is read as the writer writes it, 1 s: the codec reads its own token
// in the second it was made, and 0 never means "no end" when added to an issued_at of 0.
BOOST_AUTO_TEST_CASE(max_age_under_a_second_is_one_second) {
  for (const std::chrono::seconds age : {0s, -5s}) {
    options o;
    o.max_age = age;
    o.clock_skew = 0s;
    auto codec = make(o);
    const std::string token = codec.encode(small).value();
    crumb::value out;
    crumb::token_info info;
    BOOST_TEST(codec.decode_into(token, out, info) == errc::ok);
    BOOST_TEST(info.expires_at == t0 + 1);
    codec.clock() = crumb::fixed_clock::at_unix(t0 + 1);
    BOOST_TEST(decode(codec, token) == errc::expired);
  }
  options forever;
  forever.max_age.reset();
  const std::string at_epoch = make(forever, crumb::key_ring("secret"), 0).encode(small).value();
  options zero;
  zero.max_age = 0s;
  auto at_once = make(zero, crumb::key_ring("secret"), 0);
  BOOST_TEST(decode(at_once, at_epoch) == errc::ok);
  auto years_later = make(zero, crumb::key_ring("secret"), t0);
  BOOST_TEST(decode(years_later, at_epoch) == errc::expired);
}

BOOST_AUTO_TEST_CASE(idle_timeout_at_its_boundary) {
  options o;
  o.idle_timeout = 600s;
  o.clock_skew = 0s;
  auto codec = make(o);
  const std::string token = codec.encode(small).value();
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(codec.decode_into(token, out, info) == errc::ok);
  BOOST_TEST(info.refresh_at == t0 + 300);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 599);
  BOOST_TEST(decode(codec, token) == errc::ok);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 600);
  BOOST_TEST(decode(codec, token) == errc::expired);
  // The token's own idle timeout holds for a reader configured without one.
  options none;
  none.clock_skew = 0s;
  auto reader = make(none, crumb::key_ring("secret"), t0 + 600);
  BOOST_TEST(decode(reader, token) == errc::expired);
}

BOOST_AUTO_TEST_CASE(tokens_from_the_future_beyond_the_skew_are_refused) {
  options o;
  o.clock_skew = 30s;
  auto issuer = make(o, crumb::key_ring("secret"), t0 + 30);
  const std::string token = issuer.encode(small).value();
  auto reader = make(o, crumb::key_ring("secret"), t0);
  BOOST_TEST(decode(reader, token) == errc::ok);
  reader.clock() = crumb::fixed_clock::at_unix(t0 - 1);
  BOOST_TEST(decode(reader, token) == errc::not_yet_valid);
}

BOOST_AUTO_TEST_CASE(renewing_keeps_the_absolute_end) {
  options o;
  o.max_age = 3600s;
  auto codec = make(o);
  const std::string first = codec.encode(small).value();
  crumb::value out;
  crumb::token_info info;
  BOOST_REQUIRE(codec.decode_into(first, out, info) == errc::ok);
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 1000);
  std::string renewed;
  BOOST_REQUIRE(codec.encode_into(out, renewed, crumb::purpose::cookie, &info) == errc::ok);
  crumb::token_info again;
  BOOST_REQUIRE(codec.decode_into(renewed, out, again) == errc::ok);
  BOOST_TEST(again.issued_at == t0 + 1000);
  BOOST_TEST(again.expires_at == t0 + 3600);
  std::string fresh;
  BOOST_REQUIRE(codec.encode_into(out, fresh) == errc::ok);
  BOOST_REQUIRE(codec.decode_into(fresh, out, again) == errc::ok);
  BOOST_TEST(again.expires_at == t0 + 1000 + 3600);
}

// Regression: a token read inside the skew window after its end was re-issued with one
// more second, again and again: a copied token could be kept alive for ever.
BOOST_AUTO_TEST_CASE(no_chain_of_reissues_outlives_the_end) {
  options o;
  o.max_age = 100s;  // clock_skew stays at its default
  auto codec = make(o);
  std::string token = codec.encode(small).value();
  crumb::value out;
  crumb::token_info info;
  std::int64_t now = t0;
  std::int64_t last_good = 0;
  for (int step = 0; step < 100; ++step, now += 3) {
    codec.clock() = crumb::fixed_clock::at_unix(now);
    if (codec.decode_into(token, out, info) != errc::ok) break;
    last_good = now;
    BOOST_TEST(info.expires_at == t0 + 100);
    std::string renewed;
    if (codec.encode_into(out, renewed, crumb::purpose::cookie, &info) == errc::ok)
      token = renewed;
  }
  BOOST_TEST(last_good < t0 + 100);
  // Sealing a renewal at or past its end is refused.
  info.expires_at = now;
  codec.clock() = crumb::fixed_clock::at_unix(now);
  std::string refused;
  BOOST_TEST(codec.encode_into(out, refused, crumb::purpose::cookie, &info) == errc::expired);
}

BOOST_AUTO_TEST_CASE(rotation_with_key_ids) {
  for (const bool encrypt : {false, true}) {
    auto old_codec = make(mode(encrypt), crumb::key_ring("old-secret"));
    const std::string old_token = old_codec.encode(small).value();
    auto rotated = make(mode(encrypt), crumb::key_ring("new-secret", {"other", "old-secret"}));
    crumb::value out;
    crumb::token_info info;
    BOOST_TEST(rotated.decode_into(old_token, out, info) == errc::ok);
    BOOST_TEST(info.needs_resign);
    const std::string new_token = rotated.encode(out).value();
    BOOST_TEST(rotated.decode_into(new_token, out, info) == errc::ok);
    BOOST_TEST(!info.needs_resign);
    // The new key's id names it; the old key alone does not know it.
    BOOST_TEST(decode(old_codec, new_token) == errc::unknown_key);
    auto dropped = make(mode(encrypt), crumb::key_ring("new-secret"));
    BOOST_TEST(decode(dropped, old_token) == errc::unknown_key);
  }
  BOOST_TEST((crumb::profile::native::key_id("a") != crumb::profile::native::key_id("b")));
  // A secret listed twice counts once (a rotation that repeats the current secret).
  auto twice = make(options{}, crumb::key_ring("same", {"other", "same"}));
  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(twice.decode_into(twice.encode(small).value(), out, info) == errc::ok);
  BOOST_TEST(!info.needs_resign);
}

// Turning encryption on (or off) ends no session: the other mode is read, and re-issued.
BOOST_AUTO_TEST_CASE(both_modes_are_read) {
  for (const bool encrypt : {false, true}) {
    auto before = make(mode(!encrypt));
    auto after = make(mode(encrypt));
    const std::string token = before.encode(small).value();
    crumb::value out;
    crumb::token_info info;
    BOOST_TEST(after.decode_into(token, out, info) == errc::ok);
    BOOST_TEST((out == small));
    BOOST_TEST(info.needs_resign);
    const std::string raw = raw_of(after.encode(out).value());
    BOOST_TEST(((raw[1] & 0x01) != 0) == encrypt);
  }
}

// The session layer, its stores and its oversize policies, on the native format.
BOOST_AUTO_TEST_CASE(sessions_spill_chunk_and_resign) {
  using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
  using session = crumb::basic_session<native_codec<>, store_type, crumb::fixed_clock>;
  store_type store({}, crumb::fixed_clock::at_unix(t0));
  for (const auto policy : {crumb::oversize_policy::spill, crumb::oversize_policy::chunk}) {
    crumb::session_settings settings;
    settings.oversize = policy;
    options o = mode(policy == crumb::oversize_policy::chunk);
    o.compress = false;
    auto codec = make(o);
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0));
    s.load("");
    std::string blob(5000, 'x');
    for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>('a' + i * 7 % 26);
    s.set("blob", blob);
    const auto lines = s.save().value();
    std::string header;
    for (const std::string& line : lines) {
      if (!header.empty()) header += "; ";
      header += line.substr(0, line.find(';'));
    }
    BOOST_TEST(lines.size() == (policy == crumb::oversize_policy::chunk ? 2u : 1u));
    session back(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 10));
    back.load(header);
    BOOST_TEST(back.get<std::string>("blob").value() == blob);
    BOOST_TEST(back.in_store() == (policy == crumb::oversize_policy::spill));
    BOOST_TEST(!back.load_error());

    // Under a rotated ring the session is read, flagged, and re-issued unchanged.
    auto rotated = make(o, crumb::key_ring("next", {"secret"}), t0 + 20);
    session read(rotated, &store, settings, crumb::fixed_clock::at_unix(t0 + 20));
    read.load(header);
    BOOST_TEST(read.get<std::string>("blob").value() == blob);
    BOOST_TEST(read.needs_resign());
    BOOST_TEST(!read.save().value().empty());
  }
}

// Sliding: a session read after half its idle timeout is re-issued with the same end.
BOOST_AUTO_TEST_CASE(active_sessions_outlive_their_idle_timeout) {
  using session = crumb::basic_session<native_codec<>, crumb::memory_store, crumb::fixed_clock>;
  crumb::session_settings settings;
  options o;
  o.idle_timeout = 600s;
  o.max_age = 3600s;
  o.clock_skew = 0s;
  auto codec = make(o);
  std::string cookie;
  {
    session s(codec, nullptr, settings, crumb::fixed_clock::at_unix(t0));
    s.load("");
    s.set("user", "alice");
    const auto lines = s.save().value();
    cookie = lines.front().substr(0, lines.front().find(';'));
  }
  std::int64_t now = t0;
  for (int visit = 0; visit < 16; ++visit) {  // every 250 s, far past one idle window
    now += 250;
    codec.clock() = crumb::fixed_clock::at_unix(now);
    session s(codec, nullptr, settings, crumb::fixed_clock::at_unix(now));
    s.load(cookie);
    const auto user = s.get<std::string>("user");
    if (now > t0 + 3600) {
      BOOST_TEST(s.load_error() == errc::expired);  // the absolute end holds
      break;
    }
    BOOST_TEST(user.value() == "alice", "at +" << now - t0);
    const auto lines = s.save().value();
    if (!lines.empty()) {
      cookie = lines.front().substr(0, lines.front().find(';'));
      // The cookie dies with the session: Max-Age never passes the absolute end.
      const auto at = lines.front().find("Max-Age=");
      BOOST_REQUIRE(at != std::string::npos);
      BOOST_TEST(std::stoll(lines.front().substr(at + 8)) <= t0 + 3600 - now);
    }
  }
  BOOST_TEST(now > t0 + 3600);
}

// Review regressions: a re-issue turned a browser-session cookie into a lasting one;
// cycle_key() granted a fresh lifetime to the same data, so logins could chain past the
// end; a save that crossed the end failed (503) instead of ending the session.
BOOST_AUTO_TEST_CASE(the_absolute_end_holds_through_the_session_layer) {
  using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
  using session = crumb::basic_session<native_codec<>, store_type, crumb::fixed_clock>;
  store_type store({}, crumb::fixed_clock::at_unix(t0));
  crumb::session_settings settings;
  settings.expire_at_browser_close = true;
  options o;
  o.max_age = 3600s;
  auto codec = make(o);
  const auto cookie_of = [](const std::vector<std::string>& lines) {
    return lines.front().substr(0, lines.front().find(';'));
  };
  std::string cookie;
  {
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0));
    s.load("");
    s.set("user", "alice");
    const auto lines = s.save().value();
    BOOST_TEST(lines.front().find("Max-Age") == std::string::npos);
    cookie = cookie_of(lines);
  }
  {  // re-issued: still a browser-session cookie
    codec.clock() = crumb::fixed_clock::at_unix(t0 + 60);
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 60));
    s.load(cookie);
    s.set("n", 1);
    const auto lines = s.save().value();
    BOOST_TEST(lines.front().find("Max-Age") == std::string::npos);
    cookie = cookie_of(lines);
  }
  {  // a login (cycle_key) near the end keeps the end
    codec.clock() = crumb::fixed_clock::at_unix(t0 + 3590);
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 3590));
    s.load(cookie);
    s.cycle_key();
    cookie = cookie_of(s.save().value());
    codec.clock() = crumb::fixed_clock::at_unix(t0 + 3600);
    session after(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 3600));
    after.load(cookie);
    BOOST_TEST(after.empty());
    BOOST_TEST(after.load_error() == errc::expired);
  }
  // Read before the end and saved at it: the session ends, its cookie is deleted.
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3599);
  crumb::fixed_clock later = crumb::fixed_clock::at_unix(t0 + 3599);
  struct ticking {
    const crumb::fixed_clock* c;
    crumb::time_point now() const { return c->now(); }
  };
  crumb::basic_session<native_codec<>, store_type, ticking> s(codec, &store, settings,
                                                              ticking{&later});
  s.load(cookie);
  BOOST_TEST(s.get<std::string>("user").value() == "alice");
  later = crumb::fixed_clock::at_unix(t0 + 3600);
  codec.clock() = later;
  s.set("n", 2);
  const auto lines = s.save();
  BOOST_REQUIRE(lines.has_value());
  BOOST_REQUIRE(lines->size() == 1u);
  BOOST_TEST(lines->front().find("Max-Age=0") != std::string::npos);
}

// Review regression: a spilled entry re-written near the session's end kept the full
// cookie_age as its TTL, outliving the session in the store.
BOOST_AUTO_TEST_CASE(a_spilled_entry_ends_with_its_session) {
  using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
  using session = crumb::basic_session<native_codec<>, store_type, crumb::fixed_clock>;
  store_type store({}, crumb::fixed_clock::at_unix(t0));
  crumb::session_settings settings;  // cookie_age: two weeks
  options o;
  o.max_age = 3600s;
  o.compress = false;
  auto codec = make(o);
  std::string blob(5000, 'x');
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>('a' + i * 7 % 26);
  std::string cookie;
  {
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0));
    s.load("");
    s.set("blob", blob);
    const auto lines = s.save().value();
    cookie = lines.front().substr(0, lines.front().find(';'));
  }
  codec.clock() = crumb::fixed_clock::at_unix(t0 + 3000);
  store.clock() = crumb::fixed_clock::at_unix(t0 + 3000);
  session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0 + 3000));
  s.load(cookie);
  s.set("n", 1);  // re-written in place, 600 s before the end
  BOOST_REQUIRE(s.save().has_value());
  BOOST_REQUIRE(s.in_store());
  store.clock() = crumb::fixed_clock::at_unix(t0 + 3599);
  BOOST_TEST(store.size() == 1u);
  store.clock() = crumb::fixed_clock::at_unix(t0 + 3601);
  BOOST_TEST(store.sweep() == 1u);  // gone with its session, not two weeks later
}

BOOST_AUTO_TEST_CASE(a_bare_session_checks_the_cookie_name_its_codec_binds) {
  crumb::session_settings settings;
  settings.cookie_name = "cart";
  auto codec = make();  // binds "sessionid"
  using session = crumb::basic_session<native_codec<>, crumb::memory_store, crumb::fixed_clock>;
  BOOST_CHECK_THROW(session(codec, nullptr, settings), std::invalid_argument);
  options o;
  o.cookie_name = "cart";
  auto cart_codec = make(o);
  BOOST_CHECK_NO_THROW(session(cart_codec, nullptr, settings));
}

BOOST_AUTO_TEST_CASE(a_manager_binds_tokens_to_its_cookie_name) {
  crumb::session_settings settings;
  settings.cookie_name = "app_a";
  const crumb::native_sessions<> a(crumb::key_ring("secret"), settings);
  settings.cookie_name = "app_b";
  const crumb::native_sessions<> b(crumb::key_ring("secret"), settings);
  std::string value;
  {
    auto s = a.open("");
    s.set("n", 1);
    const auto out = a.commit(s, 200);
    BOOST_REQUIRE(out.cookies.size() == 1u);
    value = out.cookies.front().value;
  }
  auto same = a.open("app_a=" + value);
  BOOST_TEST(same.get<int>("n").value() == 1);
  auto moved = b.open("app_b=" + value);
  BOOST_TEST(moved.empty());
  BOOST_TEST(moved.load_error() == errc::invalid_signature);
}

BOOST_AUTO_TEST_SUITE_END()
