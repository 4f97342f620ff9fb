#define BOOST_TEST_MODULE csrf
#include "crumb/csrf.hpp"

#include <array>
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "interop/django_apps.hpp"
#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;

namespace {
const std::string secret = "csrf-test-secret";
using manager = crumb::basic_session_manager<crumb::profile::django, crumb::memory_store>;

// Computed by Django 3.2's django.middleware.csrf: _mask_cipher_secret(secret) with
// _get_new_csrf_string() returning the mask, and _unmask_cipher_token() back.
struct django_vector {
  std::string_view secret, mask, token;
};
constexpr std::array<django_vector, 5> django_vectors{{
    {"abcdefghijklmnopqrstuvwxyzABCDEF", "0123456789ABCDEFGHIJKLMNOPQRSTUV",
     "0123456789ABCDEFGHIJKLMNOPQRSTUV02468acegiKMOQSUWY02468acegikmoq"},
    {"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "99999999999999999999999999999999",
     "99999999999999999999999999999999yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"},
    {"99999999999999999999999999999999", "99999999999999999999999999999999",
     "9999999999999999999999999999999988888888888888888888888888888888"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"Kx7pQ2mZr9T4vW1yB6nD3fH8jL0sU5eG", "qA2wS3eD4rF5tG6yH7uJ8iK9oL0pZxCv",
     "qA2wS3eD4rF5tG6yH7uJ8iK9oL0pZxCv0XZLyVqslqoZOsXW83Hc1nh7xmQHJsG1"},
}};
// Tokens from Django's own _get_new_csrf_token() (random masks), with their secrets.
constexpr std::array<std::array<std::string_view, 2>, 2> django_tokens{{
    {"N3XEI50DwkTaJ7HtZjSEfpzmqVeyDiRuDe7BIMK7z3hqxOezfET1KghjupNNjK3e",
     "0lk7aRUEdTyqYRHgqvbxF1S7eEJpQCmU"},
    {"rBrGW7a0BcOzlm3MGJmVsKevbXEtGZBIDg7vZD4I66iVo5Sq7Dn2J5GXZgrgrr0A",
     "mPQZdG4SF4EwdTZOB4bhrvCCYtXXVCz2"},
}};

bool alphanumeric(std::string_view s) {
  for (const char c : s)
    if (crumb::csrf::allowed_chars.find(c) == std::string_view::npos) return false;
  return true;
}

// A memory store that can be taken down, as a store is when Redis is down.
struct faulty_store : crumb_test::flaky_store<crumb::memory_store> {
  crumb::memory_store data;
  faulty_store() : flaky_store<crumb::memory_store>{data} {}
};

// The session's cookie after commit, as a Cookie: header.
template <class Manager>
std::string cookie_of(const Manager& m, typename Manager::session& s) {
  const auto out = m.commit(s, 200);
  BOOST_REQUIRE(out.status == 0);
  BOOST_REQUIRE(out.cookies.size() == 1u);
  return "sessionid=" + out.cookies[0].value;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(csrf)

BOOST_AUTO_TEST_CASE(alphabet_is_djangos_in_order) {
  BOOST_TEST(crumb::csrf::allowed_chars.size() == 62u);
  for (int i = 0; i < 62; ++i) {
    BOOST_TEST(crumb::detail::csrf_char(i) ==
               crumb::csrf::allowed_chars[static_cast<std::size_t>(i)]);
    BOOST_TEST(crumb::detail::csrf_index(crumb::csrf::allowed_chars[static_cast<std::size_t>(i)]) ==
               i);
  }
  int outside = 0;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (crumb::csrf::allowed_chars.find(c) != std::string_view::npos) continue;
    ++outside;
    BOOST_TEST(crumb::detail::csrf_index(c) == -1, "byte " << b);
  }
  BOOST_TEST(outside == 256 - 62);
}

BOOST_AUTO_TEST_CASE(mask_and_unmask_match_django) {
  for (const django_vector& v : django_vectors) {
    BOOST_TEST(crumb::csrf::mask(v.secret, v.mask).value() == v.token);
    BOOST_TEST(crumb::csrf::unmask(v.token).value() == v.secret);
  }
  for (const auto& [token, s] : django_tokens) BOOST_TEST(crumb::csrf::unmask(token).value() == s);
  // A random mask: a new token each time, always carrying the secret.
  const std::string s = crumb::csrf::new_secret();
  const std::string a = crumb::csrf::mask(s).value(), b = crumb::csrf::mask(s).value();
  BOOST_TEST(a != b);
  BOOST_TEST(crumb::csrf::unmask(a).value() == s);
  BOOST_TEST(crumb::csrf::unmask(b).value() == s);
}

BOOST_AUTO_TEST_CASE(mask_and_unmask_refuse_malformed_input) {
  const std::string good(32, 'a');
  for (const std::string& bad :
       {std::string(), std::string(31, 'a'), std::string(33, 'a'), std::string(31, 'a') + "-",
        std::string(31, 'a') + '\0', std::string(31, 'a') + "\xe9"}) {
    BOOST_TEST(crumb::csrf::mask(bad, good).error() == errc::invalid_csrf_token);
    BOOST_TEST(crumb::csrf::mask(good, bad).error() == errc::invalid_csrf_token);
    BOOST_TEST(crumb::csrf::mask(bad).error() == errc::invalid_csrf_token);
  }
  const std::string token(django_vectors[4].token);
  for (const std::string& bad : {std::string(), token.substr(0, 63), token + "a", token.substr(32),
                                 token.substr(0, 63) + "_", token.substr(0, 63) + '\0'})
    BOOST_TEST(crumb::csrf::unmask(bad).error() == errc::invalid_csrf_token);
}

BOOST_AUTO_TEST_CASE(tokens_differ_each_call_but_all_verify) {
  const manager m{crumb::key_ring(secret)};
  auto s = m.open("");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string token = crumb::csrf::get_token(s).value();
    BOOST_TEST(token.size() == crumb::csrf::token_length);
    BOOST_TEST(alphanumeric(token));
    seen.insert(token);
  }
  BOOST_TEST(seen.size() == 50u);
  // The secret is kept masked (64 characters, what Django 3.2 reads), and kept once.
  const std::string stored = s.get<std::string>(crumb::csrf::session_key).value();
  BOOST_TEST(stored.size() == crumb::csrf::token_length);
  BOOST_TEST(alphanumeric(stored));
  for (const std::string& token : seen) BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
  // The bare 32-char secret is accepted too, as by Django (3.2 masks it, 4.x takes it).
  BOOST_TEST(crumb::csrf::verify(s, crumb::csrf::unmask(stored).value()) == errc::ok);

  // Through a cookie: the next request's session has the same secret; asking for a token
  // again does not modify it.
  auto next = m.open(cookie_of(m, s));
  for (const std::string& token : seen) BOOST_TEST(crumb::csrf::verify(next, token) == errc::ok);
  BOOST_TEST(crumb::csrf::get_token(next).has_value());
  BOOST_TEST(!next.modified());
  BOOST_TEST(next.get<std::string>(crumb::csrf::session_key).value() == stored);
}

BOOST_AUTO_TEST_CASE(rotation_refuses_earlier_tokens) {
  const manager m{crumb::key_ring(secret)};
  auto s = m.open("");
  const std::string before = crumb::csrf::get_token(s).value();
  const std::string old_stored = s.get<std::string>(crumb::csrf::session_key).value();
  BOOST_TEST(crumb::csrf::rotate(s) == errc::ok);
  const std::string stored = s.get<std::string>(crumb::csrf::session_key).value();
  BOOST_TEST(stored.size() == crumb::csrf::token_length);
  BOOST_TEST(crumb::csrf::unmask(stored).value() != crumb::csrf::unmask(old_stored).value());
  BOOST_TEST(crumb::csrf::verify(s, before) == errc::invalid_csrf_token);
  BOOST_TEST(crumb::csrf::verify(s, crumb::csrf::unmask(old_stored).value()) ==
             errc::invalid_csrf_token);
  const std::string after = crumb::csrf::get_token(s).value();
  BOOST_TEST(crumb::csrf::verify(s, after) == errc::ok);
  // Rotating a session that has no token yet gives it one.
  auto fresh = m.open("");
  BOOST_TEST(crumb::csrf::rotate(fresh) == errc::ok);
  BOOST_TEST(fresh.modified());
  BOOST_TEST(crumb::csrf::verify(fresh, crumb::csrf::get_token(fresh).value()) == errc::ok);
}

BOOST_AUTO_TEST_CASE(wrong_lengths_are_refused) {
  const manager m{crumb::key_ring(secret)};
  auto s = m.open("");
  const std::string token = crumb::csrf::get_token(s).value();
  const std::string bare = crumb::csrf::unmask(token).value();
  for (const std::string& bad :
       {std::string(), bare.substr(0, 31), bare + "a", token.substr(0, 63), token + "a",
        token.substr(0, 33), token + token, std::string(1, token[0])})
    BOOST_TEST(crumb::csrf::verify(s, bad) == errc::invalid_csrf_token, "length " << bad.size());
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
}

BOOST_AUTO_TEST_CASE(characters_outside_the_alphabet_are_refused) {
  const manager m{crumb::key_ring(secret)};
  auto s = m.open("");
  const std::string token = crumb::csrf::get_token(s).value();
  const std::string bare = crumb::csrf::unmask(token).value();
  // One character replaced, at the start, in the mask, in the cipher and at the end; the
  // length stays right. '\xe9' is Latin-1 é, '\xc3' the first byte of UTF-8 é.
  for (const char c : {'-', '_', '\0', ' ', '=', '+', '/', '.', '\xe9', '\xc3', '\x7f'}) {
    for (const std::size_t at :
         {std::size_t{0}, std::size_t{20}, std::size_t{40}, std::size_t{63}}) {
      std::string bad = token;
      bad[at] = c;
      BOOST_TEST(crumb::csrf::verify(s, bad) == errc::invalid_csrf_token,
                 "byte " << int(static_cast<unsigned char>(c)) << " at " << at);
    }
    std::string bad = bare;
    bad[31] = c;
    BOOST_TEST(crumb::csrf::verify(s, bad) == errc::invalid_csrf_token);
  }
  // UTF-8 é in place of one character: two bytes, so a wrong length as well.
  BOOST_TEST(crumb::csrf::verify(s, token.substr(0, 63) + "\xc3\xa9") == errc::invalid_csrf_token);
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
}

BOOST_AUTO_TEST_CASE(a_token_from_another_session_is_refused) {
  const manager m{crumb::key_ring(secret)};
  auto mine = m.open("");
  auto theirs = m.open("");
  const std::string their_token = crumb::csrf::get_token(theirs).value();
  BOOST_TEST(crumb::csrf::get_token(mine).has_value());
  BOOST_TEST(crumb::csrf::verify(mine, their_token) == errc::invalid_csrf_token);
  BOOST_TEST(crumb::csrf::verify(mine, crumb::csrf::unmask(their_token).value()) ==
             errc::invalid_csrf_token);
  BOOST_TEST(crumb::csrf::verify(theirs, their_token) == errc::ok);
}

BOOST_AUTO_TEST_CASE(a_session_without_a_good_secret_refuses_and_gets_a_new_one) {
  const manager m{crumb::key_ring(secret)};
  const std::string forged = crumb::csrf::mask(crumb::csrf::new_secret()).value();
  {
    auto s = m.open("");
    BOOST_TEST(crumb::csrf::verify(s, forged) == errc::invalid_csrf_token);
    BOOST_TEST(crumb::csrf::verify(s, "") == errc::invalid_csrf_token);
    BOOST_TEST(!s.modified());  // verify only reads
  }
  const std::string long_text(64, 'a');
  std::vector<crumb::value> malformed{std::string(),
                                      std::string(31, 'a'),
                                      std::string(33, 'a'),
                                      std::string(63, 'a'),
                                      std::string(65, 'a'),
                                      long_text.substr(0, 63) + "-",
                                      std::string(31, 'a') + '\0',
                                      std::string(30, 'a') + "\xc3\xa9",  // é, UTF-8
                                      long_text.substr(0, 62) + "\xc3\xa9",
                                      42,
                                      nullptr,
                                      true,
                                      1.5,
                                      crumb::array{long_text},
                                      crumb::object{{"token", long_text}}};
  for (const crumb::value& v : malformed) {
    auto s = m.open("");
    s.set(crumb::csrf::session_key, v);
    auto next = m.open(cookie_of(m, s));
    // Even the value itself, submitted back, does not pass.
    BOOST_TEST(crumb::csrf::verify(next, forged) == errc::invalid_csrf_token);
    if (const std::string* text = v.if_string())
      BOOST_TEST(crumb::csrf::verify(next, *text) == errc::invalid_csrf_token);
    // get_token replaces it with a good secret, which the session must now save.
    const std::string token = crumb::csrf::get_token(next).value();
    BOOST_TEST(next.modified());
    BOOST_TEST(next.get<std::string>(crumb::csrf::session_key).value().size() ==
               crumb::csrf::token_length);
    BOOST_TEST(crumb::csrf::verify(next, token) == errc::ok);
  }
}

BOOST_AUTO_TEST_CASE(a_django_4_bare_secret_is_read_and_kept) {
  // Django 4.0+ keeps the unmasked 32-char secret in the session.
  const manager m{crumb::key_ring(secret)};
  const std::string bare(django_tokens[0][1]);
  auto s = m.open("");
  s.set(crumb::csrf::session_key, bare);
  auto next = m.open(cookie_of(m, s));
  BOOST_TEST(crumb::csrf::verify(next, django_tokens[0][0]) == errc::ok);  // masked by "Django"
  BOOST_TEST(crumb::csrf::verify(next, bare) == errc::ok);
  BOOST_TEST(crumb::csrf::verify(next, django_tokens[1][0]) == errc::invalid_csrf_token);
  const std::string token = crumb::csrf::get_token(next).value();
  BOOST_TEST(crumb::csrf::unmask(token).value() == bare);
  BOOST_TEST(!next.modified());  // a good secret is left as it is
}

BOOST_AUTO_TEST_CASE(a_session_that_cannot_be_read_is_refused_not_renewed) {
  // The session lives in a store that is down: no check passes, no token is made for a
  // secret that could not be saved, and the caller learns it is the store (503), not the
  // visitor's form (403).
  faulty_store store;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::spill;
  const crumb::basic_session_manager<crumb::profile::django, faulty_store> m(
      crumb::key_ring(secret), store, settings);
  std::string cookie, token;
  {
    auto s = m.open("");
    s.set("big", crumb_test::big_text());
    token = crumb::csrf::get_token(s).value();
    cookie = cookie_of(m, s);
  }
  store.down = true;
  {
    auto s = m.open(cookie);
    BOOST_TEST(crumb::csrf::verify(s, token) == errc::store_unavailable);
    BOOST_TEST(crumb::csrf::get_token(s).error() == errc::store_unavailable);
    BOOST_TEST(crumb::csrf::rotate(s) == errc::store_unavailable);
    BOOST_TEST(!s.modified());
  }
  store.down = false;
  auto s = m.open(cookie);
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
}

BOOST_AUTO_TEST_CASE(works_on_a_plain_basic_session) {
  // The helpers take any basic_session, not only a manager's.
  crumb_test::codec_type codec(crumb::key_ring(secret), {},
                               crumb::fixed_clock::at_unix(crumb_test::checks_t0));
  crumb::memory_store store;
  const crumb::session_settings settings;
  crumb::basic_session<crumb_test::codec_type, crumb::memory_store, crumb::fixed_clock> s(
      codec, &store, settings, crumb::fixed_clock::at_unix(crumb_test::checks_t0));
  s.load("");
  const std::string token = crumb::csrf::get_token(s).value();
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
  BOOST_TEST(crumb::csrf::rotate(s) == errc::ok);
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::invalid_csrf_token);
}

BOOST_AUTO_TEST_CASE(the_generator_is_uniform_over_the_alphabet) {
  // 8000 secrets, 256000 characters: each of the 62 expected about 4129 times (standard
  // deviation about 64, so +-8% is over 5 of them: a false alarm about once in 50000
  // runs). A plain byte % 62 would give a..h 5/256 each, 21% too often; a character never
  // drawn, or one outside the alphabet, fails as well.
  std::map<char, int> counts;
  constexpr int secrets = 8000;
  for (int i = 0; i < secrets; ++i) {
    const std::string s = crumb::csrf::new_secret();
    BOOST_REQUIRE(s.size() == crumb::csrf::secret_length);
    for (const char c : s) ++counts[c];
  }
  BOOST_TEST(counts.size() == 62u);
  const double expected = secrets * 32.0 / 62;
  for (const auto& [c, n] : counts) {
    BOOST_TEST(crumb::csrf::allowed_chars.find(c) != std::string_view::npos, "byte " << int(c));
    BOOST_TEST(n > expected * 0.92, c << ": " << n);
    BOOST_TEST(n < expected * 1.08, c << ": " << n);
  }
}

BOOST_AUTO_TEST_CASE(requests_are_read_as_django_reads_them) {
  for (const std::string_view safe : {"GET", "HEAD", "OPTIONS", "TRACE"})
    BOOST_TEST(crumb::csrf::safe_method(safe));
  for (const std::string_view unsafe : {"POST", "PUT", "PATCH", "DELETE", "get", ""})
    BOOST_TEST(!crumb::csrf::safe_method(unsafe));
  BOOST_TEST(crumb::csrf::submitted_token("form", "header") == "form");
  BOOST_TEST(crumb::csrf::submitted_token("", "header") == "header");
  BOOST_TEST(crumb::csrf::submitted_token("", "") == "");
}

BOOST_AUTO_TEST_SUITE_END()

// Against the real Django 3.2 (tests/interop/django_apps_peer.py): CSRF_USE_SESSIONS with
// signed-cookie sessions, so the token lives in the very cookie crumb reads and writes.
BOOST_AUTO_TEST_SUITE(django_live)

namespace {
struct django_site : crumb_test::django_apps_site {
  // GET /csrf/token: Django's get_token() for the session in `cookie`.
  std::string token(const std::string& cookie) {
    return *crumb_test::field(request("GET", "/csrf/token", cookie), "body", "token")->if_string();
  }
  // POST /csrf/check with the token in the form field: Django's status (200 or 403).
  std::int64_t check_form(const std::string& cookie, const std::string& token) {
    return crumb_test::status(
        request("POST", "/csrf/check", cookie, {{"csrfmiddlewaretoken", token}}));
  }
  // ... and in the X-CSRFToken header.
  std::int64_t check_header(const std::string& cookie, const std::string& token) {
    return crumb_test::status(request("POST", "/csrf/check", cookie, {}, {{"X-CSRFToken", token}}));
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_token_from_a_django_form_passes_crumb) {
  django_site site;
  const manager m{crumb::key_ring(site.secret())};
  const crumb::value page = site.request("GET", "/csrf/token", "");
  const std::string cookie = crumb_test::session_cookie(page);
  BOOST_REQUIRE(!cookie.empty());
  const std::string token =
      *page.if_object()->find("body")->if_object()->find("token")->if_string();
  BOOST_TEST(token.size() == crumb::csrf::token_length);

  auto s = m.open(cookie);
  const std::string stored = s.get<std::string>(crumb::csrf::session_key).value();
  BOOST_TEST(stored.size() == crumb::csrf::token_length);  // Django 3.2 keeps it masked
  BOOST_TEST(crumb::csrf::verify(s, token) == errc::ok);
  BOOST_TEST(crumb::csrf::verify(s, site.token(cookie)) == errc::ok);  // another form, same secret
  // crumb's own tokens for Django's session pass Django, and crumb did not touch it.
  const std::string mine = crumb::csrf::get_token(s).value();
  BOOST_TEST(!s.modified());
  BOOST_TEST(site.check_form(cookie, mine) == 200);
  BOOST_TEST(site.check_header(cookie, mine) == 200);
  BOOST_TEST(site.check_form(cookie, token) == 200);
}

BOOST_AUTO_TEST_CASE(a_token_crumb_issues_passes_django) {
  django_site site;
  const manager m{crumb::key_ring(site.secret())};
  auto s = m.open("");
  s.set("cart", 3);
  const std::string token = crumb::csrf::get_token(s).value();
  const std::string cookie = cookie_of(m, s);

  BOOST_TEST(site.check_form(cookie, token) == 200);
  BOOST_TEST(site.check_header(cookie, token) == 200);
  // The bare secret, as older Django's cookies carried it: Django 3.2 masks it and agrees.
  auto again = m.open(cookie);
  const std::string bare =
      crumb::csrf::unmask(again.get<std::string>(crumb::csrf::session_key).value()).value();
  BOOST_TEST(site.check_form(cookie, bare) == 200);
  // Django's get_token() reads the secret crumb wrote and keeps it: its tokens pass crumb,
  // and it sends no new session cookie.
  const crumb::value page = site.request("GET", "/csrf/token", cookie);
  BOOST_TEST(crumb_test::session_cookie(page).empty());
  const std::string djangos =
      *page.if_object()->find("body")->if_object()->find("token")->if_string();
  BOOST_TEST(djangos != token);
  BOOST_TEST(crumb::csrf::verify(again, djangos) == errc::ok);
}

BOOST_AUTO_TEST_CASE(forged_and_malformed_tokens_are_refused_by_both) {
  django_site site;
  const manager m{crumb::key_ring(site.secret())};
  auto s = m.open("");
  const std::string token = crumb::csrf::get_token(s).value();
  const std::string cookie = cookie_of(m, s);
  auto mine = m.open(cookie);

  // Well-formed tokens of other secrets: forged, and another session's.
  auto other = m.open("");
  const std::string another_sessions = crumb::csrf::get_token(other).value();
  std::string flipped = token;
  flipped[40] = flipped[40] == 'a' ? 'b' : 'a';
  std::vector<std::string> refused{crumb::csrf::mask(crumb::csrf::new_secret()).value(),
                                   another_sessions, flipped};
  // Malformed ones: lengths 0, 31, 33, 63 and 65, and characters outside the alphabet.
  for (const std::string& bad :
       {std::string(), token.substr(0, 31), token.substr(0, 33), token.substr(0, 63), token + "a",
        token.substr(0, 63) + "-", token.substr(0, 63) + "_", token.substr(0, 63) + "\xc3\xa9"})
    refused.push_back(bad);
  for (const std::string& bad : refused) {
    BOOST_TEST(crumb::csrf::verify(mine, bad) == errc::invalid_csrf_token, bad);
    BOOST_TEST(site.check_form(cookie, bad) == 403, bad);
    BOOST_TEST(site.check_header(cookie, bad) == 403, bad);
  }
  BOOST_TEST(site.check_form(cookie, token) == 200);
  // No session at all: Django refuses even a well-formed token (no secret), as crumb does.
  BOOST_TEST(site.check_form("", token) == 403);
  auto none = m.open("");
  BOOST_TEST(crumb::csrf::verify(none, token) == errc::invalid_csrf_token);
}

BOOST_AUTO_TEST_CASE(a_token_reused_after_rotation_is_refused_by_both) {
  django_site site;
  const manager m{crumb::key_ring(site.secret())};

  // crumb rotates (at its login): the old token fails on both sides, the new one passes.
  auto s = m.open("");
  const std::string before = crumb::csrf::get_token(s).value();
  const std::string old_cookie = cookie_of(m, s);
  auto r = m.open(old_cookie);
  BOOST_TEST(crumb::csrf::rotate(r) == errc::ok);
  const std::string after = crumb::csrf::get_token(r).value();
  const std::string cookie = cookie_of(m, r);
  auto check = m.open(cookie);
  BOOST_TEST(crumb::csrf::verify(check, before) == errc::invalid_csrf_token);
  BOOST_TEST(site.check_form(cookie, before) == 403);
  BOOST_TEST(site.check_header(cookie, before) == 403);
  BOOST_TEST(crumb::csrf::verify(check, after) == errc::ok);
  BOOST_TEST(site.check_form(cookie, after) == 200);

  // Django rotates (django.contrib.auth.login calls rotate_token): the token crumb gave
  // out before the login fails on both sides after it.
  site.ask("create_user", {{"username", "ada"}, {"password", "pw"}});
  const crumb::value login =
      site.request("POST", "/auth/login", cookie, {{"username", "ada"}, {"password", "pw"}});
  const std::string logged_in = crumb_test::session_cookie(login);
  BOOST_REQUIRE(!logged_in.empty());
  auto l = m.open(logged_in);
  BOOST_TEST(l.get<std::string>(crumb::csrf::session_key).value().size() ==
             crumb::csrf::token_length);
  BOOST_TEST(crumb::csrf::verify(l, after) == errc::invalid_csrf_token);
  BOOST_TEST(site.check_form(logged_in, after) == 403);
  const std::string fresh = crumb::csrf::get_token(l).value();
  BOOST_TEST(site.check_form(logged_in, fresh) == 200);
}

BOOST_AUTO_TEST_SUITE_END()
