#define BOOST_TEST_MODULE session
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t t0 = 1700000000;
const std::string secret = "session-test-secret-0123456789abcdefghijklmnopqrstuv";
using base_codec = crumb_test::fixed_codec<crumb::default_hmac_sha256>;

// Uncompressed tokens grow predictably with the session, which the size tests rely on.
base_codec::options uncompressed() {
  base_codec::options opts;
  opts.compress = false;
  return opts;
}

// The codec, counting decodes: how laziness is proven.
struct counting_codec : base_codec {
  explicit counting_codec(base_codec::options opts = uncompressed())
      : base_codec(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(t0)) {}
  errc decode_into(std::string_view token, crumb::value& out, crumb::token_info& info,
                   crumb::purpose for_what) {
    ++decodes;
    return base_codec::decode_into(token, out, info, for_what);
  }
  int decodes = 0;
};

using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
using session = crumb::basic_session<counting_codec, store_type, crumb::fixed_clock>;

// One server's worth of state, and a browser's cookie jar driven by Set-Cookie lines.
struct harness {
  counting_codec codec;
  store_type store{{}, crumb::fixed_clock::at_unix(t0)};
  crumb::session_settings settings;
  std::vector<std::pair<std::string, std::string>> jar;

  session start() {
    session s(codec, &store, settings, crumb::fixed_clock::at_unix(t0));
    s.load(cookie_header());
    return s;
  }
  std::string cookie_header() const {
    std::string h;
    for (const auto& [n, v] : jar) h += (h.empty() ? "" : "; ") + n + "=" + v;
    return h;
  }
  // Applies Set-Cookie lines as a browser would: set, replace, or delete on Max-Age=0.
  void receive(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      const std::string pair = line.substr(0, line.find(';'));
      const std::string name = pair.substr(0, pair.find('='));
      const std::string value = pair.substr(pair.find('=') + 1);
      std::erase_if(jar, [&](const auto& c) { return c.first == name; });
      if (line.find("Max-Age=0;") == std::string::npos) jar.emplace_back(name, value);
    }
  }
  void round(session& s) { receive(s.save().value()); }
  std::size_t cookie_bytes(const std::string& name) const {
    for (const auto& [n, v] : jar)
      if (n == name) return n.size() + v.size();
    return 0;
  }
};

// Fills a session with a string of n characters, so the token grows about 1:1 (random
// text does not compress).
std::string random_text(std::size_t n) { return crumb_test::big_text(n); }
}  // namespace

BOOST_AUTO_TEST_SUITE(session_semantics)

BOOST_AUTO_TEST_CASE(dict_like_and_typed) {
  harness h;
  auto s = h.start();
  BOOST_TEST(s.empty());
  s.set("user", 42);
  s.set("name", std::string("Zoë"));
  s.set("cart", std::vector<int>{1, 2});
  BOOST_TEST(s.get<int>("user").value() == 42);
  BOOST_TEST(s.get<std::string>("name").value() == "Zoë");
  BOOST_TEST(s.get<std::string>("user").error() == errc::type_mismatch);
  BOOST_TEST(s.get<int>("nope").error() == errc::not_found);
  BOOST_TEST(s.get<int>("nope", 7) == 7);
  BOOST_TEST(s.contains("cart"));
  BOOST_TEST((s.keys() == std::vector<std::string>{"user", "name", "cart"}));
  BOOST_TEST(s.erase("cart"));
  BOOST_TEST(!s.erase("cart"));
  BOOST_TEST(s.size() == 2u);
  BOOST_CHECK_THROW(s.set("_crumb_store", 1), std::invalid_argument);
  h.round(s);

  auto next = h.start();
  BOOST_TEST(next.get<int>("user").value() == 42);
  BOOST_TEST(next.get<std::string>("name").value() == "Zoë");
  next.clear();
  BOOST_TEST(next.empty());
}

BOOST_AUTO_TEST_CASE(lazy_load_is_proven_by_counting_decodes) {
  harness h;
  auto s = h.start();
  s.set("a", 1);
  h.round(s);
  const int before = h.codec.decodes;
  auto untouched = h.start();
  BOOST_TEST(!untouched.loaded());
  BOOST_TEST(untouched.save().value().empty());  // nothing to send, nothing decoded
  BOOST_TEST(h.codec.decodes == before);
  auto touched = h.start();
  BOOST_TEST(touched.get<int>("a").value() == 1);
  BOOST_TEST(touched.contains("a"));
  BOOST_TEST(h.codec.decodes == before + 1);  // once, however often it is read
}

BOOST_AUTO_TEST_CASE(saved_only_when_modified) {
  harness h;
  auto s = h.start();
  BOOST_TEST(s.save().value().empty());  // a new empty session sends nothing
  s.set("a", 1);
  BOOST_TEST(s.modified());
  const auto lines = s.save().value();
  BOOST_TEST(lines.size() == 1u);
  BOOST_TEST(lines[0].rfind("sessionid=", 0) == 0);
  BOOST_TEST(!s.modified());
  BOOST_TEST(s.save().value().empty());
  h.receive(lines);
  auto read_only = h.start();
  BOOST_TEST(read_only.get<int>("a").value() == 1);
  BOOST_TEST(!read_only.modified());
  BOOST_TEST(read_only.save().value().empty());
  BOOST_TEST(!read_only.erase("missing"));
  BOOST_TEST(!read_only.modified());
}

BOOST_AUTO_TEST_CASE(save_every_request_refreshes) {
  harness h;
  h.settings.save_every_request = true;
  auto s = h.start();
  BOOST_TEST(s.save().value().empty());  // no cookie yet, nothing to refresh
  s.set("a", 1);
  h.round(s);
  auto again = h.start();
  BOOST_TEST(again.save().value().size() == 1u);  // untouched, re-signed anyway
}

// A cookie that verified with a fallback key is re-issued with the current one once read.
BOOST_AUTO_TEST_CASE(a_cookie_under_a_fallback_key_is_resigned) {
  harness h;
  auto s = h.start();
  s.set("a", 1);
  h.round(s);
  const std::string old_cookie = h.cookie_header();
  using plain_session = crumb::basic_session<base_codec, store_type, crumb::fixed_clock>;
  base_codec rotated(crumb::key_ring("next-secret", {secret}), uncompressed(),
                     crumb::fixed_clock::at_unix(t0));
  plain_session unread(rotated, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
  unread.load(old_cookie);
  BOOST_TEST(unread.save().value().empty());  // never read: nothing known, nothing sent
  plain_session read(rotated, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
  read.load(old_cookie);
  BOOST_TEST(read.get<int>("a").value() == 1);
  BOOST_TEST(read.needs_resign());
  BOOST_TEST(!read.modified());
  const auto lines = read.save().value();
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(!read.needs_resign());
  h.receive(lines);
  BOOST_TEST(h.cookie_header() != old_cookie);
  base_codec next_only(crumb::key_ring("next-secret"), uncompressed(),
                       crumb::fixed_clock::at_unix(t0));
  plain_session after(next_only, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
  after.load(h.cookie_header());
  BOOST_TEST(after.get<int>("a").value() == 1);
  BOOST_TEST(!after.needs_resign());
}

BOOST_AUTO_TEST_CASE(expiry_like_django) {
  harness h;
  auto s = h.start();
  BOOST_TEST(s.expiry_age() == 1209600s);
  BOOST_TEST(!s.expire_at_browser_close());
  s.set_expiry(300s);
  BOOST_TEST(s.expiry_age() == 300s);
  BOOST_TEST(s.get<int>("_session_expiry").value() == 300);
  auto lines = s.save().value();
  BOOST_TEST(lines[0].find("Max-Age=300;") != std::string::npos);

  s.set_expiry(0s);
  BOOST_TEST(s.expire_at_browser_close());
  lines = s.save().value();
  BOOST_TEST(lines[0].find("Max-Age") == std::string::npos);  // a browser-session cookie

  s.set_expiry(crumb::time_point(std::chrono::seconds(t0 + 3600)));
  BOOST_TEST(s.get<std::string>("_session_expiry").value() == "2023-11-14T23:13:20+00:00");
  BOOST_TEST(s.expiry_age() == 3600s);
  s.clear_expiry();
  BOOST_TEST(s.expiry_age() == 1209600s);
}

BOOST_AUTO_TEST_CASE(own_expiry_is_enforced_on_read) {
  harness h;
  auto s = h.start();
  s.set("a", 1);
  s.set_expiry(60s);
  h.round(s);
  session later(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0 + 61));
  later.load(h.cookie_header());
  BOOST_TEST(later.empty());
  BOOST_TEST(later.load_error() == errc::expired);

  auto d = h.start();
  d.set("a", 1);
  d.set_expiry(crumb::time_point(std::chrono::seconds(t0 + 10)));
  h.round(d);
  session after(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0 + 10));
  after.load(h.cookie_header());
  BOOST_TEST(after.empty());
  session before(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0 + 9));
  before.load(h.cookie_header());
  BOOST_TEST(before.get<int>("a").value() == 1);
}

// Regression: a negative expiry was read as none, so the session lived for cookie_age. As
// Django's get_expiry_age() gives it back as it is, the session is over: the cookie goes out
// with Max-Age=0, and a token carrying it is expired on read (Django's too).
BOOST_AUTO_TEST_CASE(a_negative_expiry_ends_the_session) {
  harness h;
  auto s = h.start();
  s.set("user", 7);
  s.set_expiry(-5s);
  BOOST_TEST(s.expiry_age() == -5s);
  BOOST_TEST(!s.expire_at_browser_close());
  const auto lines = s.save().value();
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].find("; Max-Age=0;") != std::string::npos);

  const std::string token = lines[0].substr(lines[0].find('=') + 1,
                                            lines[0].find(';') - lines[0].find('=') - 1);
  auto later = h.start();
  later.load("sessionid=" + token);  // a browser that kept it anyway, at the same second
  BOOST_TEST(later.empty());
  BOOST_TEST(later.load_error() == errc::expired);
}

BOOST_AUTO_TEST_CASE(tampered_or_expired_cookies_give_a_fresh_session) {
  harness h;
  auto s = h.start();
  s.set("a", 1);
  h.round(s);
  h.jar[0].second.back() = h.jar[0].second.back() == 'A' ? 'B' : 'A';
  auto tampered = h.start();
  BOOST_TEST(tampered.empty());
  BOOST_TEST(tampered.load_error() == errc::invalid_signature);
  BOOST_TEST(tampered.save().value().empty());  // a bad cookie alone triggers no write

  base_codec::options short_lived = uncompressed();
  short_lived.max_age = 10s;
  harness h2;
  h2.codec = counting_codec(short_lived);
  auto s2 = h2.start();
  s2.set("a", 1);
  h2.round(s2);
  h2.codec.clock() = crumb::fixed_clock::at_unix(t0 + 11);
  auto old = h2.start();
  BOOST_TEST(old.empty());
  BOOST_TEST(old.load_error() == errc::expired);
}

BOOST_AUTO_TEST_CASE(flush_empties_and_expires_the_cookie) {
  harness h;
  auto s = h.start();
  s.set("user", 1);
  h.round(s);
  auto logout = h.start();
  logout.flush();
  const auto lines = logout.save().value();
  BOOST_TEST(lines.size() == 1u);
  BOOST_TEST(lines[0].find("sessionid=; Max-Age=0;") == 0u);
  h.receive(lines);
  BOOST_TEST(h.jar.empty());
}

BOOST_AUTO_TEST_CASE(emptied_session_deletes_its_cookie) {
  harness h;
  auto s = h.start();
  s.set("a", 1);
  h.round(s);
  auto e = h.start();
  BOOST_TEST(e.erase("a"));
  h.round(e);
  BOOST_TEST(h.jar.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(oversize)

// The token of a session with one string of n random characters.
std::size_t token_size(harness& h, std::size_t n) {
  std::string t;
  BOOST_REQUIRE(h.codec.encode_into(crumb::object{{"blob", random_text(n)}}, t) == errc::ok);
  return t.size();
}

// The string length whose token is exactly `bytes` long (tokens grow 4:3 with the JSON).
std::size_t blob_for_token(harness& h, std::size_t bytes) {
  std::size_t n = bytes * 3 / 4;
  while (token_size(h, n) > bytes) --n;
  while (token_size(h, n + 1) <= bytes) ++n;
  return n;
}

BOOST_AUTO_TEST_CASE(exact_boundary_for_every_policy) {
  for (const auto policy : {crumb::oversize_policy::spill, crumb::oversize_policy::chunk,
                            crumb::oversize_policy::error}) {
    harness h;
    h.settings.oversize = policy;
    const std::size_t name = h.settings.cookie_name.size();
    std::size_t n = blob_for_token(h, 4096 - name);
    // Base64 grows in steps: find a length whose token is exactly 4096 - name bytes.
    while (token_size(h, n) != 4096 - name) --n;
    auto fits = h.start();
    fits.set("blob", random_text(n));
    const auto lines = fits.save().value();
    BOOST_TEST(lines.size() == 1u);
    h.receive(lines);
    BOOST_TEST(h.cookie_bytes("sessionid") == 4096u);  // name + value of 4096: in the cookie
    BOOST_TEST(!fits.in_store());

    std::size_t m = n + 1;
    while (token_size(h, m) == 4096 - name) ++m;  // the next size is over by 1..4 bytes
    auto over = h.start();
    over.set("blob", random_text(m));
    const auto saved = over.save();
    if (policy == crumb::oversize_policy::error) {
      BOOST_TEST(saved.error() == errc::cookie_too_large);
      continue;
    }
    BOOST_REQUIRE(saved.has_value());
    h.receive(*saved);
    BOOST_TEST(h.cookie_bytes("sessionid") <= 4096u);
    auto back = h.start();
    BOOST_TEST(back.get<std::string>("blob").value() == random_text(m));
    if (policy == crumb::oversize_policy::spill) {
      BOOST_TEST(back.in_store());
      BOOST_TEST(h.store.size() == 1u);
    } else {
      BOOST_TEST(h.cookie_bytes("sessionid.1") > 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(spill_moves_back_into_the_cookie_and_deletes_the_entry) {
  harness h;
  auto s = h.start();
  s.set("blob", random_text(6000));
  h.round(s);
  BOOST_TEST(h.store.size() == 1u);
  BOOST_TEST(h.cookie_bytes("sessionid") < 200u);  // a small signed reference

  auto shrink = h.start();
  BOOST_TEST(shrink.in_store());
  shrink.set("blob", std::string("small"));
  h.round(shrink);
  BOOST_TEST(h.store.size() == 0u);
  auto back = h.start();
  BOOST_TEST(back.get<std::string>("blob").value() == "small");
  BOOST_TEST(!back.in_store());
}

BOOST_AUTO_TEST_CASE(cycle_key_moves_the_data_and_defeats_fixation) {
  harness h;
  auto s = h.start();
  s.set("blob", random_text(6000));
  h.round(s);
  const std::string before = h.cookie_header();  // what an attacker planted or stole

  auto login = h.start();
  login.cycle_key();
  login.set("user", 7);
  h.round(login);
  BOOST_TEST(h.store.size() == 1u);  // a new entry; the old one is gone
  BOOST_TEST(h.cookie_header() != before);

  session attacker(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
  attacker.load(before);
  BOOST_TEST(attacker.empty());  // the old cookie no longer reaches the data
  BOOST_TEST(attacker.load_error() == errc::not_found);
  auto victim = h.start();
  BOOST_TEST(victim.get<int>("user").value() == 7);
  BOOST_TEST(victim.get<std::string>("blob").value() == random_text(6000));
}

BOOST_AUTO_TEST_CASE(flush_deletes_the_store_entry) {
  harness h;
  auto s = h.start();
  s.set("blob", random_text(6000));
  h.round(s);
  auto logout = h.start();
  logout.flush();
  h.round(logout);
  BOOST_TEST(h.store.size() == 0u);
  BOOST_TEST(h.jar.empty());
}

// A store that fails: the error reaches the caller, nothing is silently dropped.
struct failing_store {
  crumb::store_status create(std::string_view, std::string_view, std::chrono::seconds) {
    return {errc::store_unavailable, "disk on fire"};
  }
  crumb::store_status update(std::string_view, std::string_view, std::chrono::seconds) {
    return errc::store_unavailable;
  }
  crumb::store_status get(std::string_view, std::string&) { return errc::store_unavailable; }
  crumb::store_status erase(std::string_view) { return errc::store_unavailable; }
};

BOOST_AUTO_TEST_CASE(a_failing_store_is_an_error_not_a_lost_session) {
  counting_codec codec;
  failing_store store;
  crumb::session_settings settings;
  crumb::basic_session<counting_codec, failing_store, crumb::fixed_clock> s(
      codec, &store, settings, crumb::fixed_clock::at_unix(t0));
  s.load("");
  s.set("blob", random_text(6000));
  BOOST_TEST(s.save().error() == errc::store_unavailable);
  BOOST_TEST(s.error_cause() == "disk on fire");
  BOOST_TEST(s.modified());  // still unsaved: the caller may retry or fail the request

  crumb::basic_session<counting_codec, store_type, crumb::fixed_clock> no_store(
      codec, nullptr, settings, crumb::fixed_clock::at_unix(t0));
  no_store.load("");
  no_store.set("blob", random_text(6000));
  // Nowhere to spill is no outage a retry outlasts: as the error policy, with the cause.
  BOOST_TEST(no_store.save().error() == errc::cookie_too_large);
  BOOST_TEST(no_store.error_cause() == "no store configured");
  BOOST_TEST(no_store.modified());
}

BOOST_AUTO_TEST_CASE(chunks_round_trip_and_stale_chunks_expire) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto big = h.start();
  big.set("blob", random_text(5500));  // ~7.4 KB token: two chunks
  h.round(big);
  BOOST_TEST(h.cookie_bytes("sessionid.1") > 0u);
  BOOST_TEST(h.cookie_bytes("sessionid.2") == 0u);
  BOOST_TEST(h.cookie_header().size() <= 8192u);
  auto back = h.start();
  BOOST_TEST(back.get<std::string>("blob").value() == random_text(5500));

  back.set("blob", std::string("small"));  // shrinks: the old chunk must go
  const auto lines = back.save().value();
  BOOST_TEST(lines.size() == 2u);
  BOOST_TEST(lines[1].find("sessionid.1=; Max-Age=0;") == 0u);
  h.receive(lines);
  BOOST_TEST(h.jar.size() == 1u);
  BOOST_TEST(h.start().get<std::string>("blob").value() == "small");
}

BOOST_AUTO_TEST_CASE(chunk_cap_on_the_cookie_header) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto s = h.start();
  s.set("blob", random_text(7000));  // ~9.4 KB of token: over the 8 KiB cap
  BOOST_TEST(s.save().error() == errc::cookie_too_large);
  h.settings.max_chunked_bytes = 16384;
  BOOST_TEST(s.save().has_value());
}

BOOST_AUTO_TEST_CASE(missing_or_mixed_chunks_are_malformed) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto a = h.start();
  a.set("blob", random_text(5500));
  h.round(a);
  const auto jar_a = h.jar;
  h.jar.clear();
  auto b = h.start();
  b.set("blob", random_text(5600));
  h.round(b);
  const auto jar_b = h.jar;

  h.jar = {jar_a[0]};  // the second chunk is missing
  auto missing = h.start();
  BOOST_TEST(missing.empty());
  BOOST_TEST(missing.load_error() == errc::malformed);

  h.jar = {jar_a[0], jar_b[1]};  // chunks of two different sessions
  auto mixed = h.start();
  BOOST_TEST(mixed.empty());
  BOOST_TEST(mixed.load_error() == errc::malformed);

  h.jar = jar_b;
  BOOST_TEST(h.start().get<std::string>("blob").value() == random_text(5600));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
using flaky = crumb_test::flaky_store<store_type>;
using flaky_session = crumb::basic_session<counting_codec, flaky, crumb::fixed_clock>;

// A stored (spilled) session and the Cookie header that reaches it.
std::string stored_session(harness& h) {
  auto s = h.start();
  s.set("user", 7);
  s.set("blob", random_text(6000));
  h.round(s);
  BOOST_REQUIRE(h.store.size() == 1u);
  return h.cookie_header();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seams)

// Regression: "sessionid.10009=x" (17 bytes) made save() emit 10,010 Set-Cookie lines.
BOOST_AUTO_TEST_CASE(planted_chunk_names_are_ignored_and_never_echoed) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto probe = h.start();
  const std::size_t most = probe.max_chunks();
  BOOST_TEST(most == 2u);  // 8 KiB of chunks, 4 KiB each: name and name.1
  for (const std::string header :
       {"sessionid.10009=x", "sessionid.999=x", "sessionid.2=x", "sessionid.01=x",
        "sessionid.1=x; sessionid.1=y; sessionid.5=z", "sessionid.-1=x; sessionid.1a=x"}) {
    session s(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
    s.load(header);
    s.flush();
    const auto lines = s.save().value();
    BOOST_TEST(lines.size() <= most + 2, header);
    for (const std::string& line : lines)  // only names the request carried and we issue
      BOOST_TEST((line.starts_with("sessionid=;") || line.starts_with("sessionid.1=;")), line);
  }
}

// Under every policy, and with cookies small enough that many chunks can be issued.
BOOST_AUTO_TEST_CASE(no_request_within_8_kib_makes_more_than_max_chunks_plus_2_cookies) {
  harness h;
  std::uint32_t x = 7;
  const auto next = [&] { return x = x * 1664525 + 1013904223; };
  for (int round = 0; round < 600; ++round) {
    h.settings.oversize = round % 3 == 0   ? crumb::oversize_policy::chunk
                          : round % 3 == 1 ? crumb::oversize_policy::spill
                                           : crumb::oversize_policy::error;
    h.settings.limits.max_name_and_value = round % 4 < 2 ? 4096 : 600;
    std::string header;
    while (header.size() < 8000) {
      const std::uint32_t r = next();
      header += "sessionid";
      if (r % 5) header += "." + std::to_string((r >> 8) % (r % 3 ? 12 : 100000));
      header += "=" + random_text(1 + (r >> 20) % 40) + "; ";
    }
    session s(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
    s.load(header);
    if (round % 2)
      s.flush();
    else
      s.set("blob", random_text(round * 15));
    const auto lines = s.save();
    if (h.settings.oversize != crumb::oversize_policy::spill && !lines) {
      BOOST_TEST(lines.error() == errc::cookie_too_large);  // past what chunks may carry
      continue;
    }
    BOOST_REQUIRE(lines.has_value());
    BOOST_TEST(lines->size() <= s.max_chunks() + 2);
  }
}

// Regression: a second "sessionid.1" after a valid pair made the session malformed.
BOOST_AUTO_TEST_CASE(first_chunk_of_each_index_wins) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto big = h.start();
  big.set("blob", random_text(5500));
  h.round(big);
  BOOST_REQUIRE(h.jar.size() == 2u);
  session s(h.codec, &h.store, h.settings, crumb::fixed_clock::at_unix(t0));
  s.load(h.cookie_header() + "; sessionid.1=!");
  BOOST_TEST(s.get<std::string>("blob").value() == random_text(5500));
  BOOST_TEST(!s.load_error());
}

BOOST_AUTO_TEST_CASE(only_present_chunks_are_deleted) {
  harness h;
  h.settings.oversize = crumb::oversize_policy::chunk;
  auto s = h.start();
  s.set("a", 1);
  const auto lines = s.save().value();  // the request had no chunks: none deleted
  BOOST_TEST(lines.size() == 1u);
}

// Regression: a store that could not be read gave an empty session, and its save replaced
// the visitor's cookie: the data was gone once the store came back.
BOOST_AUTO_TEST_CASE(an_unavailable_store_poisons_the_session) {
  harness h;
  const std::string header = stored_session(h);
  flaky store{h.store};
  store.down = true;
  flaky_session s(h.codec, &store, h.settings, crumb::fixed_clock::at_unix(t0));
  s.load(header);
  BOOST_TEST(s.poisoned());
  BOOST_TEST(s.empty());
  BOOST_TEST(s.load_error() == errc::store_unavailable);
  BOOST_TEST(s.error_cause() == "injected fault");
  s.set("visits", 1);  // the app did not look; save() still refuses
  const auto saved = s.save();
  BOOST_TEST(saved.error() == errc::store_unavailable);
  s.flush();  // nor can a logout be completed while the entry is out of reach
  BOOST_TEST(s.save().error() == errc::store_unavailable);
  // Not on a response that failed either (regression: that logout was dropped silently,
  // status 0, nothing logged, the entry and the cookie left as they were).
  BOOST_TEST(s.commit_ending_only().error() == errc::store_unavailable);

  store.down = false;  // back: nothing was lost
  flaky_session later(h.codec, &store, h.settings, crumb::fixed_clock::at_unix(t0));
  later.load(header);
  BOOST_TEST(!later.poisoned());
  BOOST_TEST(later.get<int>("user").value() == 7);
}

BOOST_AUTO_TEST_CASE(a_vanished_entry_is_a_fresh_session_with_the_reason) {
  harness h;
  const std::string header = stored_session(h);
  h.store.clock().at = crumb::fixed_clock::at_unix(t0 + 1209600 + 1).at;  // expired: gone
  auto s = h.start();
  s.load(header);
  BOOST_TEST(!s.poisoned());
  BOOST_TEST(s.empty());
  BOOST_TEST(s.load_error() == errc::not_found);
}

// Regression: a store reference read where no store is configured (the store taken out of
// the settings) poisoned the session: 503 on every request, logout included, until the
// cookie expired. That data is out of this application's reach for good: a fresh session.
BOOST_AUTO_TEST_CASE(a_reference_without_a_store_is_a_fresh_session) {
  harness h;
  const std::string header = stored_session(h);
  session s(h.codec, nullptr, h.settings, crumb::fixed_clock::at_unix(t0));
  s.load(header);
  BOOST_TEST(!s.poisoned());
  BOOST_TEST(s.empty());
  BOOST_TEST(s.load_error() == errc::not_found);
  BOOST_TEST(s.error_cause() == "no store configured");
  s.flush();  // a logout ends it
  const auto lines = s.save().value();
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].find("; Max-Age=0;") != std::string::npos);
  BOOST_TEST(h.store.size() == 1u);  // another application's store is not this one's to touch
}

// Regression: cycle_key() deleted the old entry before encoding; an encode that failed
// then lost the session.
BOOST_AUTO_TEST_CASE(a_failed_save_keeps_the_old_entry) {
  harness h;
  const std::string header = stored_session(h);
  auto s = h.start();
  s.load(header);
  s.cycle_key();
  s.set("bad", std::numeric_limits<double>::quiet_NaN());
  BOOST_TEST(s.save().error() == errc::not_finite);
  auto again = h.start();
  again.load(header);
  BOOST_TEST(again.get<int>("user").value() == 7);

  // The store refuses the new entry (full): the old one stays too.
  flaky store{h.store};
  flaky_session cycled(h.codec, &store, h.settings, crumb::fixed_clock::at_unix(t0));
  cycled.load(header);
  cycled.cycle_key();
  cycled.set("more", 1);
  store.down = true;
  BOOST_TEST(cycled.save().error() == errc::store_unavailable);
  store.down = false;
  auto still = h.start();
  still.load(header);
  BOOST_TEST(still.get<int>("user").value() == 7);
  BOOST_TEST(h.store.size() == 1u);  // and no orphan entry
}

// An erase whose reply was lost (a Redis timeout after the DEL ran): the old entry is gone
// all the same, so the save must go on to send the new cookie, or the session is lost.
BOOST_AUTO_TEST_CASE(an_erase_with_a_lost_reply_does_not_lose_the_session) {
  harness h;
  const std::string header = stored_session(h);
  struct lost_reply : flaky {
    crumb::store_status erase(std::string_view id) {
      (void)inner.erase(id);
      return fault();
    }
  } store{{h.store}};
  crumb::basic_session<counting_codec, lost_reply, crumb::fixed_clock> s(
      h.codec, &store, h.settings, crumb::fixed_clock::at_unix(t0));
  s.load(header);
  s.cycle_key();
  const auto lines = s.save();
  BOOST_REQUIRE(lines.has_value());
  h.jar.clear();
  h.receive(*lines);
  BOOST_TEST(h.cookie_header() != header);
  BOOST_TEST(h.start().get<int>("user").value() == 7);
  BOOST_TEST(h.store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_full_store_is_an_error_and_evicts_no_one) {
  harness h;
  const std::string header = stored_session(h);
  crumb::store_limits limits;
  limits.max_entries = 1;
  store_type small(limits, crumb::fixed_clock::at_unix(t0));
  BOOST_REQUIRE(small.create(crumb::new_store_id(), "someone else", 3600s).ok());
  session s(h.codec, &small, h.settings, crumb::fixed_clock::at_unix(t0));
  s.load("");
  s.set("blob", random_text(6000));
  BOOST_TEST(s.save().error() == errc::store_full);
  BOOST_TEST(!s.error_cause().empty());
  BOOST_TEST(small.size() == 1u);
}

BOOST_AUTO_TEST_CASE(logout_sticks_on_the_memory_store) {
  store_type store({}, crumb::fixed_clock::at_unix(t0));
  crumb_test::check_logout_sticks(store);
}

BOOST_AUTO_TEST_CASE(logout_sticks_on_the_file_store) {
  crumb_test::temp_dir dir;
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path / "s", {},
                                                    crumb::fixed_clock::at_unix(t0));
  crumb_test::check_logout_sticks(store);
}

// Regression: the store held a token signed like a cookie: read from the store (or a
// backup), it logged in as a cookie, even after logout.
BOOST_AUTO_TEST_CASE(a_store_entry_never_works_as_a_cookie) {
  harness h;
  const std::string header = stored_session(h);
  auto s = h.start();
  s.load(header);
  BOOST_REQUIRE(s.in_store());
  const crumb::value reference = h.codec.decode(header.substr(header.find('=') + 1)).value();
  const std::string id = *reference.if_object()->find("_crumb_store")->if_string();
  std::string entry;
  BOOST_REQUIRE(h.store.get(id, entry).ok());

  auto as_cookie = h.start();
  as_cookie.load("sessionid=" + entry);
  BOOST_TEST(as_cookie.empty());
  BOOST_TEST(as_cookie.load_error() == errc::invalid_signature);

  // The same entry under another id, reached by a genuine reference: refused.
  const std::string other = crumb::new_store_id();
  BOOST_REQUIRE(h.store.create(other, entry, 3600s).ok());
  const std::string ref = h.codec.encode(crumb::object{{"_crumb_store", other}}).value();
  auto moved = h.start();
  moved.load("sessionid=" + ref);
  BOOST_TEST(moved.empty());
  BOOST_TEST(moved.load_error() == errc::malformed);
}

// Regression: expiries a signed session can carry overflowed std::chrono nanoseconds.
BOOST_AUTO_TEST_CASE(expiry_arithmetic_never_overflows) {
  harness h;
  struct expectation {
    crumb::value expiry;
    bool expired;
  };
  for (const auto& [expiry, expired] :
       std::vector<expectation>{{crumb::value("9999-12-31T23:59:59"), false},
                                {crumb::value("1446-01-01T00:00:00"), true},
                                {crumb::value("0001-01-01T00:00:00"), true},
                                {crumb::value(std::int64_t{4'000'000'000'000}), false},
                                {crumb::value(std::numeric_limits<std::int64_t>::max()), false}}) {
    const std::string token =
        h.codec.encode(crumb::object{{"a", 1}, {"_session_expiry", expiry}}).value();
    auto s = h.start();
    s.load("sessionid=" + token);
    BOOST_TEST(s.empty() == expired, crumb::json::to_string(expiry).value());
    if (expired) continue;
    BOOST_TEST(s.expiry_age() > std::chrono::seconds(1'000'000'000));
    s.set("b", 2);
    const auto lines = s.save().value();
    BOOST_TEST(lines.at(0).find("Max-Age=34560000;") != std::string::npos);  // 400 days
    s.set("blob", random_text(6000));  // spilled: the store's TTL is bounded too
    BOOST_TEST(s.save().has_value());
  }
  // A token signed at a time no clock holds.
  std::string payload;
  crumb::base64url::encode(R"({"a":1,"_session_expiry":60})", payload);
  const std::string far = crumb_test::sign_raw<crumb::default_hmac_sha256>(
      payload + ":" + crumb_test::timestamp(9'000'000'000'000'000'000), secret);
  auto s = h.start();
  s.load("sessionid=" + far);
  BOOST_TEST(s.get<int>("a").value_or(0) == 1);  // age check: the codec's; no overflow here
}

BOOST_AUTO_TEST_SUITE_END()
