#define BOOST_TEST_MODULE messages
#include "crumb/messages.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "interop/django_apps.hpp"
#include "test_support.hpp"

// Flash messages as Django's FallbackStorage keeps them. Offline: levels, reading, the
// overflow into the session, tokens byte-identical to Django 3.2's (vectors below), and
// hostile cookies. Live (messages_live): the real Django 3.2 through
// tests/interop/django_apps_peer.py, each side showing once what the other added.
namespace {

using crumb::errc;
namespace msg = crumb::messages;
using mac = crumb::default_hmac_sha256;
using config_type = msg::basic_config<mac, crumb::fixed_clock>;
using session_codec = crumb_test::fixed_codec<mac>;
using session_type = crumb::basic_session<session_codec, crumb::memory_store, crumb::fixed_clock>;
using storage_type = msg::storage<session_type, mac, crumb::fixed_clock>;

constexpr std::int64_t t0 = 1700000000;
const std::string secret = "crumb-messages-test-secret-0123456789abcdef";

// The vectors: Django 3.2.25's FallbackStorage at time.time() == 1700000000, with
// SECRET_KEY = `secret`, SESSION_ENGINE signed_cookies:
//   req = RequestFactory().get("/"); req.session = SessionStore()
//   storage = FallbackStorage(req); storage.add(level, text, extra_tags) ...
//   response = HttpResponse()
//   with mock.patch("django.core.signing.time.time", return_value=1700000000):
//       storage.update(response)
//   response.cookies["messages"].value, req.session.get("_messages")
const std::string django_saved =  // add(SUCCESS, "Saved.")
    "W1siX19qc29uX21lc3NhZ2UiLDAsMjUsIlNhdmVkLiJdXQ:1r31eq:"
    "LWkE-sGvipo2mzSAg-LET3Vwg-0MwP_IXkWBkzhfX6o";
// add(INFO, greeting, "greeting wave"); add(ERROR, mark_safe("<b>bad</b>")); add(DEBUG, ...)
const std::string greeting = "Gr\u00fc\u00dfe \u2014 \U0001F44B \"quoted\"\n";
const std::string django_greeting =
    ".eJxlzDEOgzAMQNGrRJ4t1dAMHRBrD4GjKMEmaqUGlRB6fcLc5f3tTxN4_y5r9h8tJSQFJOwJ4blxJVrmS1nUcO2psy3y"
    "uEtzttEwfOu6qzBwBoS0qe6vnMwvHAoO_9cd2rYe4hiDDLc4gnMnmlkpRw:1r31eq:"
    "2sYWS49XF4EfjkzNc8QeO_fbpcJ7bwhXQwpUIJOIoVA";
const std::string expiry = "Your session will expire soon. Please save your work.";
const std::string django_expiry_x5 =  // add(WARNING, expiry) five times: compressed
    ".eJyLjlaKj88qzs-Lz00tLk5MT1XSMdAxNtBRiswvLVIoBopl5ucplGfm5CikVhRkFqUqFOfn5-kpBOSkJhYDOYllqQqV"
    "IKXl-UXZekqxOqPmUWReLADr7Ywu:1r31eq:ESCZSaNxPRRqCt1S2ezY2uKKy8IdVjl8Szr5ZRGGJYA";
// SessionStorage(req).serialize_messages([Message(INFO, greeting, "greeting wave"),
//   Message(ERROR, mark_safe("<b>bad</b>")), Message(SUCCESS, "ctl \x01\x7f \\ /")]), and
// the signed_cookies session holding it as "_messages" (req.session._get_session_key()).
const std::string django_session_messages =
    R"([["__json_message", 0, 20, "Gr\u00fc\u00dfe \u2014 \ud83d\udc4b \"quoted\"\n", )"
    R"("greeting wave"], ["__json_message", 1, 40, "<b>bad</b>"], )"
    R"(["__json_message", 0, 25, "ctl \u0001\u007f \\ /"]])";
const std::string django_session_token =
    ".eJx1TkEKwjAQ_"
    "Mqy50CTWlGk9NpHdEtpmjQommKT6kH8u9mANz0sM7vMzswLh5sNYXQ24Am7jnAYLmHx3yuhACmgTEPYrkSb"
    "lPOUwcwWEimlqhjNcWcYpkqnlfC-LdEaZkSebQjdam08ewfP8ZGcewE_85SAKufVutGjqQvd_"
    "BdzuT2Lp3iF3EuqDIeZaxAU"
    "6bfH9wcFxUh1:1r31eq:C2xp35pVrLXga1PUcTApbrWVexh6xZoReEZFpcMoveI";

// The texts of the overflow vector: 40 INFO messages "i:<80 letters>", extra_tags "ti" for
// every third; Django kept 0..20 in the cookie (1987 bytes) and 21..39 in "_messages"
// (2215 characters).
std::string overflow_text(std::uint32_t i) {
  std::string s = std::to_string(i) + ":";
  std::uint32_t x = 99 + i;
  for (int k = 0; k < 80; ++k) {
    x = x * 1664525u + 1013904223u;
    s += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(x >> 16) % 62];
  }
  return s;
}
std::string overflow_tags(std::uint32_t i) { return i % 3 == 0 ? "t" + std::to_string(i) : ""; }

// A site and a browser: the config, the session codec and settings, and a cookie jar that
// Set-Cookie lines update.
struct site {
  crumb::session_settings settings;
  session_codec codec{crumb::key_ring(secret), {}, crumb::fixed_clock::at_unix(t0)};
  config_type config;
  std::vector<std::pair<std::string, std::string>> jar;

  explicit site(msg::options opts = {}, std::int64_t at = t0)
      : config(crumb::key_ring(secret), settings, std::move(opts),
               crumb::fixed_clock::at_unix(at)) {}

  std::string header() const {
    std::string h;
    for (const auto& [n, v] : jar) h += (h.empty() ? "" : "; ") + n + "=" + v;
    return h;
  }
  std::string cookie(std::string_view name) const {
    for (const auto& [n, v] : jar)
      if (n == name) return v;
    return "";
  }
  void set(const std::string& name, const std::string& v) {
    std::erase_if(jar, [&](const auto& c) { return c.first == name; });
    if (!v.empty()) jar.emplace_back(name, v);
  }
  void receive(const std::vector<crumb::cookie::set_cookie>& cookies) {
    for (const auto& c : cookies) set(c.name, c.deletes() ? "" : c.value);
  }
};

// One request: the session and the messages of the browser's cookies, committed as
// Django's middleware does (messages, then the session).
struct request {
  session_type session;
  storage_type flash;

  explicit request(site& s)
      : session(s.codec, nullptr, s.settings, crumb::fixed_clock::at_unix(t0)),
        flash(s.config, s.header(), session) {
    session.load(s.header());
  }
  std::vector<crumb::cookie::set_cookie> finish(site& s) {
    auto cookies = flash.commit();
    BOOST_REQUIRE_MESSAGE(cookies.has_value(), cookies.error().message());
    s.receive(*cookies);
    auto session_cookies = session.commit();
    BOOST_REQUIRE(session_cookies.has_value());
    s.receive(*session_cookies);
    return *cookies;
  }
};

std::vector<std::string> texts(const std::vector<msg::message>& list) {
  std::vector<std::string> out;
  for (const auto& m : list) out.push_back(m.text);
  return out;
}

// What the messages cookie holds, decoded with the messages keys.
crumb::value cookie_json(const site& s) {
  auto codec = s.config.make_codec();
  return codec.decode(s.cookie("messages")).value();
}

// Signs `payload` (base64url, after a '.' when compressed) as a key holder would: for what
// a cookie holds after its signature has verified.
std::string sign_as_django(std::string_view payload,
                           std::string_view salt = "django.contrib.messages",
                           const std::string& key = secret) {
  const std::string derived =
      crumb::profile::django::derive_key<mac>(std::string(msg::cookie_key_prefix) + key, salt);
  const mac::key k{derived};
  std::string token(payload);
  token += ':' + crumb_test::timestamp(t0);
  std::uint8_t sig[mac::digest_size];
  k.sign(token, sig);
  token += ':';
  crumb::base64url::encode(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig), token);
  return token;
}

std::string b64(std::string_view bytes) {
  std::string out;
  crumb::base64url::encode(bytes, out);
  return out;
}

// Valid JSON of any shape, signed with the messages keys.
std::string signed_json(std::string_view json) { return sign_as_django(b64(json)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(messages)

BOOST_AUTO_TEST_CASE(levels_and_tags_are_djangos) {
  BOOST_TEST(msg::debug == 10);
  BOOST_TEST(msg::info == 20);
  BOOST_TEST(msg::success == 25);
  BOOST_TEST(msg::warning == 30);
  BOOST_TEST(msg::error == 40);
  BOOST_TEST(msg::level_tag(msg::success) == "success");
  BOOST_TEST(msg::level_tag(35) == "");  // a level of the application's own
  BOOST_TEST((msg::message{msg::error, "x", "", false}.tags()) == "error");
  BOOST_TEST((msg::message{msg::info, "x", "big red", false}.tags()) == "big red info");
  BOOST_TEST((msg::message{35, "x", "custom", false}.tags()) == "custom");
  BOOST_TEST((msg::message{35, "x", "", false}.tags()) == "");
}

BOOST_AUTO_TEST_CASE(min_level_drops_as_django_does) {
  site s;
  {
    request r(s);
    BOOST_TEST(r.flash.min_level() == msg::info);
    BOOST_TEST(r.flash.add(msg::debug, "dropped: below INFO") == errc::ok);
    BOOST_TEST(r.flash.add(msg::info, "") == errc::ok);  // empty: dropped too
    BOOST_TEST(r.flash.add(msg::info, "bad \xff utf-8") == errc::invalid_utf8);
    BOOST_TEST(r.flash.add(msg::info, "ok", "bad \xc3") == errc::invalid_utf8);
    BOOST_TEST(r.flash.size() == 0u);
    BOOST_TEST(r.finish(s).empty());  // nothing queued, nothing read: no cookie
    r.flash.set_min_level(msg::debug);
    BOOST_TEST(r.flash.add(msg::debug, "kept") == errc::ok);
    BOOST_TEST(r.flash.size() == 1u);
  }
  msg::options opts;
  opts.min_level = msg::error;
  site strict(opts);
  request r(strict);
  BOOST_TEST(r.flash.add(msg::warning, "dropped") == errc::ok);
  BOOST_TEST(r.flash.add(msg::error, "kept") == errc::ok);
  BOOST_TEST(texts(r.flash.read()) == std::vector<std::string>{"kept"});
}

BOOST_AUTO_TEST_CASE(a_message_is_shown_once) {
  site s;
  {
    request r(s);
    r.flash.add(msg::success, "Saved.");
    r.flash.add(msg::warning, "Check the date", "date");
    const auto cookies = r.finish(s);
    BOOST_REQUIRE_EQUAL(cookies.size(), 1u);
    BOOST_TEST(cookies[0].render() ==
               "messages=" + s.cookie("messages") + "; Path=/; HttpOnly; SameSite=Lax");
    BOOST_TEST(s.cookie("sessionid").empty());  // it all fit in the cookie
  }
  {
    request r(s);  // a request that does not look: the messages stay
    BOOST_TEST(r.flash.size() == 2u);
    BOOST_TEST(r.finish(s).empty());
  }
  {
    request r(s);
    const auto& shown = r.flash.read();
    BOOST_REQUIRE_EQUAL(shown.size(), 2u);
    BOOST_TEST((shown[0] == msg::message{msg::success, "Saved.", "", false}));
    BOOST_TEST((shown[1] == msg::message{msg::warning, "Check the date", "date", false}));
    BOOST_TEST(shown[1].tags() == "date warning");
    BOOST_TEST(!r.flash.load_error());
    const auto cookies = r.finish(s);
    BOOST_REQUIRE_EQUAL(cookies.size(), 1u);
    BOOST_TEST(cookies[0].deletes());
    BOOST_TEST(cookies[0].render().starts_with("messages=; Max-Age=0; Expires=Thu, 01 Jan 1970"));
  }
  request r(s);
  BOOST_TEST(r.flash.read().empty());
  BOOST_TEST(r.finish(s).empty());  // no cookie came, none to delete
}

BOOST_AUTO_TEST_CASE(adding_keeps_the_unread_and_reading_keeps_only_the_later) {
  site s;
  {
    request r(s);
    r.flash.add(msg::info, "first");
    r.finish(s);
  }
  {
    request r(s);  // adds without reading: both travel on
    r.flash.add(msg::info, "second");
    r.finish(s);
  }
  {
    request r(s);
    BOOST_TEST(texts(r.flash.read()) == (std::vector<std::string>{"first", "second"}));
    r.flash.add(msg::info, "third");  // after reading: for the next request
    BOOST_TEST(r.flash.size() == 3u);
    r.finish(s);
  }
  request r(s);
  BOOST_TEST(texts(r.flash.read()) == std::vector<std::string>{"third"});
}

BOOST_AUTO_TEST_CASE(cookie_attributes_follow_the_session_cookie) {
  site s;
  s.settings.cookie.domain = "example.com";
  s.settings.cookie.path = "/app";
  s.settings.cookie.secure = true;
  s.settings.cookie.same_site = crumb::cookie::same_site::strict;
  s.settings.cookie.max_age = std::chrono::seconds(60);
  s.config = config_type(crumb::key_ring(secret), s.settings, {}, crumb::fixed_clock::at_unix(t0));
  BOOST_TEST(s.config.cookie().path == "/");  // as Django: Path=/ and a browser-session cookie
  BOOST_TEST(!s.config.cookie().max_age);
  session_type session(s.codec, nullptr, s.settings, crumb::fixed_clock::at_unix(t0));
  storage_type flash(s.config, "", session);
  flash.add(msg::info, "hi");
  const auto set = flash.commit().value();
  BOOST_TEST(set.at(0).render() == "messages=" + set.at(0).value +
                                       "; Domain=example.com; Path=/; Secure; HttpOnly; "
                                       "SameSite=Strict");
  storage_type reader(s.config, "messages=" + set.at(0).value, session);
  BOOST_TEST(reader.read().size() == 1u);
  const auto deleted = reader.commit().value();
  BOOST_TEST(deleted.at(0).render() ==
             "messages=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=example.com; "
             "Path=/; Secure; HttpOnly; SameSite=Strict");
}

// Django's tokens byte for byte; a compressed one holds the same JSON (crumb's deflater
// writes other streams than Python's zlib).
BOOST_AUTO_TEST_CASE(tokens_match_djangos) {
  const auto token_for = [](const std::vector<msg::message>& adds) {
    site s;
    request r(s);
    for (const auto& m : adds) BOOST_TEST(r.flash.add(m) == errc::ok);
    r.finish(s);
    return s.cookie("messages");
  };
  BOOST_TEST(token_for({{msg::success, "Saved.", "", false}}) == django_saved);
  const std::string greeting_token = token_for({{msg::info, greeting, "greeting wave", false},
                                                {msg::error, "<b>bad</b>", "", true},
                                                {msg::debug, "dropped", "", false}});
  BOOST_TEST(crumb_test::same_but_compression(greeting_token, django_greeting, ':') == "");
  const msg::message warn{msg::warning, expiry, "", false};
  BOOST_TEST(crumb_test::same_but_compression(token_for({warn, warn, warn, warn, warn}),
                                              django_expiry_x5, ':') == "");

  // Django's tokens read back into the same messages.
  site s;
  s.jar = {{"messages", django_greeting}};
  request r(s);
  const auto& shown = r.flash.read();
  BOOST_REQUIRE_EQUAL(shown.size(), 2u);
  BOOST_TEST((shown[0] == msg::message{msg::info, greeting, "greeting wave", false}));
  BOOST_TEST((shown[1] == msg::message{msg::error, "<b>bad</b>", "", true}));
}

BOOST_AUTO_TEST_CASE(the_session_fallback_matches_djangos) {
  msg::options opts;
  opts.max_cookie_size = 1;  // nothing fits: every message goes to the session
  site s(opts);
  {
    request r(s);
    r.flash.add(msg::info, greeting, "greeting wave");
    r.flash.add({msg::error, "<b>bad</b>", "", true});
    r.flash.add(msg::success, "ctl \x01\x7f \\ /");
    r.finish(s);
    BOOST_TEST(r.session.get<std::string>("_messages").value() == django_session_messages);
  }
  const std::string session_token = s.cookie("sessionid");
  BOOST_TEST(crumb_test::same_but_compression(session_token, django_session_token, ':') == "");
  // The cookie holds only the sentinel: the rest is in the session.
  BOOST_TEST(crumb::json::to_string(cookie_json(s)).value() == R"(["__messagesnotfinished__"])");

  site django(opts);  // the same state, as Django left it
  django.jar = {{"messages", s.cookie("messages")}, {"sessionid", django_session_token}};
  request r(django);
  const auto& shown = r.flash.read();
  BOOST_REQUIRE_EQUAL(shown.size(), 3u);
  BOOST_TEST(shown[0].text == greeting);
  BOOST_TEST(shown[1].safe);
  BOOST_TEST(shown[2].text == "ctl \x01\x7f \\ /");
  r.finish(django);
  BOOST_TEST(django.jar.empty());  // both cookies deleted: the session emptied
}

BOOST_AUTO_TEST_CASE(overflow_goes_to_the_session_behind_the_sentinel) {
  site s;
  {
    request r(s);
    for (std::uint32_t i = 0; i < 40; ++i)
      r.flash.add(msg::info, overflow_text(i), overflow_tags(i));
    r.finish(s);
    // As Django's: the oldest 21 in the cookie (within 2048 bytes), then the sentinel; the
    // newest 19 in the session, written as SessionStorage writes them.
    BOOST_TEST(s.cookie("messages").size() <= 2048u);
    const crumb::value json = cookie_json(s);
    const crumb::array& in_cookie = *json.if_array();
    BOOST_REQUIRE_EQUAL(in_cookie.size(), 22u);
    BOOST_TEST(*in_cookie.back().if_string() == "__messagesnotfinished__");
    BOOST_TEST(*in_cookie[20].if_array()->at(3).if_string() == overflow_text(20));
    const std::string held = r.session.get<std::string>("_messages").value();
    BOOST_TEST(held.size() == 2215u);
    BOOST_TEST(held.starts_with(R"([["__json_message", 0, 20, "21:QtPfI4dxkURn5hgMjCuRqXD413r8)"
                                R"(RfvjIjOBj0rvHScyQUXizQgXTQBG2xXOIvNfb95zMdYPISRhmxoV", "t21"], )"
                                R"(["__json_message", 0, 20, "22:)"));
  }
  {
    request r(s);
    std::vector<std::string> want;
    for (std::uint32_t i = 0; i < 40; ++i) want.push_back(overflow_text(i));
    BOOST_TEST(texts(r.flash.read()) == want);  // in order, from both places
    BOOST_TEST(r.flash.read()[39].extra_tags == "t39");
    r.finish(s);
  }
  BOOST_TEST(s.jar.empty());  // the cookie deleted, "_messages" removed, the session gone
}

// Regression: the writer had no bound where the reader has max_json_bytes, so a message,
// or a backlog in "_messages", longer than that was stored, then dropped by the next
// request (and "_messages" erased with it). Now add() refuses such a message and commit()
// such a backlog, with nothing changed and the messages still pending.
BOOST_AUTO_TEST_CASE(what_the_next_request_could_not_read_is_refused_not_lost) {
  msg::options opts;
  opts.max_json_bytes = 2000;
  site s(opts);
  request r(s);
  BOOST_TEST(r.flash.add(msg::info, std::string(2000, 'a')) == errc::too_large);
  BOOST_TEST(r.flash.add(msg::info, std::string(1900, 'a')) == errc::ok);  // fits alone
  BOOST_TEST(r.flash.size() == 1u);
  BOOST_TEST(r.flash.read().size() == 1u);
  for (std::uint32_t i = 0; i < 40; ++i)
    BOOST_REQUIRE(r.flash.add(msg::info, overflow_text(i)) == errc::ok);
  const auto refused = r.flash.commit();
  BOOST_TEST(refused.error() == errc::too_large);
  BOOST_TEST(!r.session.contains("_messages"));
  BOOST_TEST(r.flash.size() == 41u);  // still pending (and the one read): show them now
  BOOST_TEST(r.flash.read().size() == 41u);
  r.finish(s);
  {
    request next(s);
    BOOST_TEST(next.flash.empty());
    BOOST_TEST(!next.flash.load_error());
  }
  // Up to the bound, a backlog goes through and is read back whole; past it, refused.
  int passed = 0, refused_too = 0;
  for (std::uint32_t count = 30; count <= 42; ++count) {
    site t(opts);
    request w(t);
    for (std::uint32_t i = 0; i < count; ++i)
      BOOST_REQUIRE(w.flash.add(msg::info, overflow_text(i)) == errc::ok);
    const auto cookies = w.flash.commit();
    if (!cookies) {
      BOOST_TEST(cookies.error() == errc::too_large);
      ++refused_too;
      continue;
    }
    ++passed;
    t.receive(*cookies);
    t.receive(w.session.commit().value());
    request next(t);
    BOOST_TEST(next.flash.read().size() == count);
    BOOST_TEST(!next.flash.load_error());
  }
  BOOST_TEST(passed > 0);
  BOOST_TEST(refused_too > 0);
}

// Regression: with max_cookie_size 0 ("the browser's limit"), a token the codec took but
// that did not fit beside the cookie's name failed commit() with cookie_too_large instead of
// moving the message into the session.
BOOST_AUTO_TEST_CASE(no_cookie_size_of_our_own_means_the_browsers_name_and_value) {
  msg::options opts;
  opts.max_cookie_size = 0;
  std::uint32_t x = 7;
  std::string text;  // random printable text: it does not compress
  for (int i = 0; i < 3800; ++i) {
    x = x * 1664525u + 1013904223u;
    text += static_cast<char>(' ' + (x >> 16) % 95);
  }
  for (std::size_t n = 3500; n <= 3800; ++n) {
    site s(opts);
    request r(s);
    BOOST_REQUIRE(r.flash.add(msg::info, text.substr(0, n)) == errc::ok);
    const auto cookies = r.flash.commit();
    BOOST_REQUIRE_MESSAGE(cookies.has_value(), n << ": " << cookies.error().message());
    BOOST_TEST(cookies->at(0).name.size() + cookies->at(0).value.size() <= 4096u);
  }
}

// Regression: a second commit() in one request wrote a cookie of only what was added after
// the first, which replaced the first's: the messages kept by the first were lost.
BOOST_AUTO_TEST_CASE(a_second_commit_keeps_what_the_first_kept) {
  for (const std::size_t cookie_size : {std::size_t{2048}, std::size_t{300}}) {
    msg::options opts;
    opts.max_cookie_size = cookie_size;  // 300: the first commit spills into the session
    site s(opts);
    request r(s);
    std::vector<std::string> want;
    for (std::uint32_t i = 0; i < 5; ++i) {
      r.flash.add(msg::info, overflow_text(i));
      want.push_back(overflow_text(i));
    }
    s.receive(r.flash.commit().value());
    BOOST_TEST(r.session.contains("_messages") == (cookie_size == 300));
    r.flash.add(msg::success, "B");
    want.push_back("B");
    s.receive(r.flash.commit().value());
    BOOST_TEST(r.flash.commit().value().empty());  // nothing new: nothing more to send
    s.receive(r.session.commit().value());
    request next(s);
    BOOST_TEST(texts(next.flash.read()) == want);
  }
}

// Regression: fitting a backlog into the cookie encoded it once per message moved out
// (Django 3.2's loop): a visitor who never shows messages made every commit quadratic.
// Bisection encodes O(log n) times; the clock is read once per encode.
BOOST_AUTO_TEST_CASE(fitting_a_backlog_encodes_a_logarithmic_number_of_times) {
  struct counting_clock {
    std::shared_ptr<int> reads = std::make_shared<int>(0);
    crumb::time_point now() const {
      ++*reads;
      return crumb::fixed_clock::at_unix(t0).now();
    }
  };
  const counting_clock clock;
  const msg::basic_config<mac, counting_clock> config(crumb::key_ring(secret), {}, {}, clock);
  session_codec codec{crumb::key_ring(secret), {}, crumb::fixed_clock::at_unix(t0)};
  const crumb::session_settings settings;
  session_type session(codec, nullptr, settings, crumb::fixed_clock::at_unix(t0));
  msg::storage<session_type, mac, counting_clock> flash(config, "", session);
  for (std::uint32_t i = 0; i < 400; ++i) flash.add(msg::info, overflow_text(i));
  *clock.reads = 0;
  const auto cookies = flash.commit().value();
  BOOST_TEST(*clock.reads <= 9 + 3);  // log2(400) < 9; the whole list, the last, Set-Cookie
  // The oldest that fit in the cookie, then the sentinel; the rest in the session, in order.
  BOOST_TEST(cookies.at(0).value.size() <= 2048u);
  const crumb::array in_cookie =
      *config.make_codec().decode(cookies.at(0).value).value().if_array();
  BOOST_REQUIRE_GT(in_cookie.size(), 2u);
  BOOST_TEST(*in_cookie.back().if_string() == "__messagesnotfinished__");
  const std::size_t kept = in_cookie.size() - 1;
  BOOST_TEST(*in_cookie[kept - 1].if_array()->at(3).if_string() == overflow_text(kept - 1));
  crumb::value held;
  crumb::json::reader reader;
  BOOST_REQUIRE(reader.read(session.get<std::string>("_messages").value(), held) == errc::ok);
  BOOST_TEST(held.if_array()->size() == 400 - kept);
  BOOST_TEST(*held.if_array()->front().if_array()->at(3).if_string() == overflow_text(kept));
}

BOOST_AUTO_TEST_CASE(a_cookie_signed_with_a_fallback_secret_is_read) {
  site old;
  {
    request r(old);
    r.flash.add(msg::info, "from before the rotation");
    r.finish(old);
  }
  const config_type rotated(crumb::key_ring("the new secret 0123456789", {secret}), {}, {},
                            crumb::fixed_clock::at_unix(t0));
  session_type session(old.codec, nullptr, old.settings, crumb::fixed_clock::at_unix(t0));
  storage_type flash(rotated, old.header(), session);
  BOOST_TEST(texts(flash.read()) == std::vector<std::string>{"from before the rotation"});
}

BOOST_AUTO_TEST_CASE(a_session_managers_session_works_too) {
  const crumb::django_sessions<> manager{crumb::key_ring(secret)};
  const msg::config config(crumb::key_ring(secret), manager.settings());
  msg::options small;
  small.max_cookie_size = 1;
  const msg::config spilling(crumb::key_ring(secret), manager.settings(), small);
  auto s = manager.open("");
  msg::storage flash(spilling, "", s);  // the type deduced from the manager's session
  flash.add(msg::info, "hello");
  const auto set = flash.commit().value();
  BOOST_TEST(s.contains("_messages"));
  const std::string header =
      "messages=" + set.at(0).value + "; sessionid=" + s.commit()->at(0).value;
  auto next = manager.open(header);
  msg::storage reader(config, header, next);
  BOOST_TEST(texts(reader.read()) == std::vector<std::string>{"hello"});
}

BOOST_AUTO_TEST_CASE(simple_cookie_quoting_is_counted_as_python_does) {
  // len(SimpleCookie().value_encode(v)[1]) in Python 3.11.
  BOOST_TEST(crumb::detail::simple_cookie_length("abc") == 3u);
  BOOST_TEST(crumb::detail::simple_cookie_length(":.-_") == 4u);
  BOOST_TEST(crumb::detail::simple_cookie_length("a b") == 5u);
  BOOST_TEST(crumb::detail::simple_cookie_length("\"") == 4u);
  BOOST_TEST(crumb::detail::simple_cookie_length("\\") == 4u);
  BOOST_TEST(crumb::detail::simple_cookie_length("\x01") == 6u);
  BOOST_TEST(crumb::detail::simple_cookie_length(django_greeting) == django_greeting.size());
}

// --- what a hostile or broken cookie gets: no messages, an error to log, its deletion ---

namespace {
// Reads a messages cookie holding `token`; returns the error, after checking that no
// message came out, that nothing threw, and that the cookie is deleted.
std::error_code read_bad_cookie(const std::string& token, const config_type* with = nullptr) {
  site s;
  s.jar = {{"messages", token}};
  session_type session(s.codec, nullptr, s.settings, crumb::fixed_clock::at_unix(t0));
  storage_type flash(with != nullptr ? *with : s.config, s.header(), session);
  BOOST_CHECK_NO_THROW(BOOST_TEST(flash.read().empty()));
  auto set = flash.commit();
  BOOST_REQUIRE(set.has_value());
  BOOST_REQUIRE_EQUAL(set->size(), 1u);
  BOOST_TEST(set->front().deletes());
  return flash.load_error();
}

std::string good_token() {
  site s;
  request r(s);
  r.flash.add(msg::info, "a message with a little text in it");
  r.finish(s);
  return s.cookie("messages");
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_bad_signature_gives_no_messages) {
  const std::string token = good_token();
  std::string bad_sig = token;
  bad_sig.back() = bad_sig.back() == 'A' ? 'B' : 'A';
  std::string bad_payload = token;
  bad_payload[3] = bad_payload[3] == 'A' ? 'B' : 'A';
  BOOST_TEST(read_bad_cookie(bad_sig) == errc::invalid_signature);
  BOOST_TEST(read_bad_cookie(bad_payload) == errc::invalid_signature);
  BOOST_TEST(read_bad_cookie(token.substr(0, token.size() - 5)) == errc::invalid_signature);
  BOOST_TEST(read_bad_cookie(token.substr(0, token.find(':'))) == errc::malformed);  // truncated
  BOOST_TEST(read_bad_cookie("garbage") == errc::malformed);
  // The right payload under another salt (a session token) or another key.
  BOOST_TEST(read_bad_cookie(sign_as_django(b64(R"([["__json_message",0,20,"x"]])"),
                                            crumb::profile::django::session_salt)) ==
             errc::invalid_signature);
  BOOST_TEST(read_bad_cookie(sign_as_django(b64(R"([["__json_message",0,20,"x"]])"),
                                            "django.contrib.messages", "another secret")) ==
             errc::invalid_signature);
  const config_type other(crumb::key_ring("another secret"), {}, {},
                          crumb::fixed_clock::at_unix(t0));
  BOOST_TEST(read_bad_cookie(token, &other) == errc::invalid_signature);
  // Signed with the bare SECRET_KEY, as a session is: not get_cookie_signer()'s key.
  session_codec::options bare;
  bare.salt = "django.contrib.messages";
  session_codec plain(crumb::key_ring(secret), bare, crumb::fixed_clock::at_unix(t0));
  BOOST_TEST(read_bad_cookie(
                 plain.encode(crumb_test::parse(R"([["__json_message",0,20,"x"]])")).value()) ==
             errc::invalid_signature);
}

BOOST_AUTO_TEST_CASE(bad_json_gives_no_messages) {
  BOOST_TEST(read_bad_cookie(signed_json("not json")) == errc::invalid_json);
  BOOST_TEST(read_bad_cookie(signed_json(R"([["__json_message",0,20,"x"])")) == errc::invalid_json);
  BOOST_TEST(read_bad_cookie(sign_as_django(".bm90IHpsaWI")) == errc::invalid_compression);
  BOOST_TEST(read_bad_cookie(sign_as_django("@@@")) == errc::malformed);  // not base64
}

BOOST_AUTO_TEST_CASE(json_of_the_wrong_shape_gives_no_messages) {
  for (const char* json : {
           R"({"a":1})",
           R"("__json_message")",
           R"([["__json_message",0,20]])",                  // no text
           R"([["__json_message",0,20,"x","t","extra"]])",  // too long
           R"([["__json_message",0,"20","x"]])",            // level a string
           R"([["__json_message",0,20.0,"x"]])",            // level a float
           R"([["__json_message",0,1099511627776,"x"]])",   // level past int
           R"([["__json_message",0,20,5]])",                // text a number
           R"([["__json_message",0,20,"x",7]])",            // tags a number
           R"([["__json_message","yes",20,"x"]])",          // safe a string
           R"([["__other_message",0,20,"x"]])",
           R"([[],["__json_message",0,20,"x"]])",
           R"(["__messagesnotfinished__",["__json_message",0,20,"x"]])",  // sentinel not last
           R"([["__json_message",0,20,"x"],"stray"])",
       })
    BOOST_TEST(read_bad_cookie(signed_json(json)) == errc::malformed, json);
  BOOST_TEST(read_bad_cookie(signed_json(R"([[["__json_message",0,20,"x"]]])")) == errc::too_deep);
  // Accepted shapes: null tags, a boolean safe flag, an empty list.
  site s;
  s.jar = {{"messages", signed_json(R"([["__json_message",true,20,"x",null],[)"
                                    R"("__json_message",0,20,"y"]])")}};
  request r(s);
  const auto& shown = r.flash.read();
  BOOST_TEST(!r.flash.load_error());
  BOOST_REQUIRE_EQUAL(shown.size(), 2u);
  BOOST_TEST(shown[0].safe);
  BOOST_TEST(shown[0].extra_tags.empty());
  site empty;
  empty.jar = {{"messages", signed_json("[]")}};
  request e(empty);
  BOOST_TEST(e.flash.read().empty());
  BOOST_TEST(!e.flash.load_error());
}

BOOST_AUTO_TEST_CASE(huge_input_is_bounded) {
  // Longer than any browser sends: refused before any MAC is computed.
  BOOST_TEST(read_bad_cookie(std::string(1 << 20, 'A') + ":1r31eq:x") == errc::too_large);
  // A signed decompression bomb, a token a browser would send: inflating stops at
  // max_json_bytes (64 KiB).
  const std::string bomb =
      sign_as_django("." + b64(crumb_test::zlib_of("[" + std::string(1 << 20, ' ') + "]", 9)));
  BOOST_TEST(bomb.size() < 4096u);
  BOOST_TEST(read_bad_cookie(bomb) == errc::too_large);
  // A long list of messages reads within the bound; past it, too_large.
  const auto many = [](int n) {
    std::string list = "[";
    for (int i = 0; i < n; ++i) list += R"(["__json_message",0,20,"spam"],)";
    list.back() = ']';
    return sign_as_django("." + b64(crumb_test::zlib_of(list, 9)));
  };
  site s;
  s.jar = {{"messages", many(1000)}};
  request r(s);
  BOOST_TEST(r.flash.read().size() == 1000u);
  BOOST_TEST(read_bad_cookie(many(3000)) == errc::too_large);
}

BOOST_AUTO_TEST_CASE(a_bad_session_fallback_gives_no_messages_from_it) {
  // A cookie that says "more in the session", and a "_messages" that is not usable.
  const auto read_with = [](const crumb::value& held) {
    site s;
    s.jar = {{"messages", signed_json(R"([["__json_message",0,20,"in the cookie"],)"
                                      R"("__messagesnotfinished__"])")}};
    crumb::object data;
    data.insert_or_assign("_messages", held);
    data.insert_or_assign("user", 7);
    s.set("sessionid", s.codec.encode(data).value());
    request r(s);
    std::vector<std::string> shown;
    BOOST_CHECK_NO_THROW(shown = texts(r.flash.read()));
    r.finish(s);
    BOOST_TEST(!request(s).session.contains("_messages"));  // removed: it is not read again
    return std::make_pair(shown, r.flash.load_error());
  };
  const std::vector<std::string> cookie_only{"in the cookie"};
  for (const crumb::value& bad :
       {crumb::value(42), crumb::value(true), crumb::value(crumb::object{{"a", 1}}),
        crumb::value(R"([["__json_message",0,20]])"), crumb::value(R"({"a":1})"),
        crumb::value(crumb::array{crumb::value(1), crumb::value(2)})}) {
    const auto [shown, e] = read_with(bad);
    BOOST_TEST(shown == cookie_only);
    BOOST_TEST(e == errc::malformed);
  }
  const auto [shown, e] = read_with(crumb::value("[[not json"));
  BOOST_TEST(shown == cookie_only);
  BOOST_TEST(e == errc::invalid_json);
  // A list, as SessionStorage also takes, and no value at all.
  const auto [from_list, ok] = read_with(crumb_test::parse(R"([["__json_message",0,20,"held"]])"));
  BOOST_TEST(from_list == (std::vector<std::string>{"in the cookie", "held"}));
  BOOST_TEST(!ok);
  const auto [from_null, fine] = read_with(crumb::value(nullptr));
  BOOST_TEST(from_null == cookie_only);
  BOOST_TEST(!fine);
}

BOOST_AUTO_TEST_CASE(no_cookie_means_the_session_is_not_consulted) {
  // As FallbackStorage: the session's messages belong to the cookie that points at them.
  site s;
  crumb::object data;
  data.insert_or_assign("_messages", R"([["__json_message", 0, 20, "stale"]])");
  s.set("sessionid", s.codec.encode(data).value());
  request r(s);
  BOOST_TEST(r.flash.read().empty());
  BOOST_TEST(!r.session.loaded());  // not even decoded
  BOOST_TEST(r.finish(s).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// --- the real Django 3.2: each side shows once what the other added ----------------------

namespace {

crumb_test::django_apps_site& django() {
  static crumb_test::django_apps_site site;
  return site;
}

const std::string& django_secret() { return django().secret(); }

std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// A browser talking to the Django site and to a crumb site that share its SECRET_KEY.
struct live_site {
  crumb::session_settings settings;
  session_codec codec{
      crumb::key_ring(django_secret()), {}, crumb::fixed_clock::at_unix(wall_now())};
  config_type config{
      crumb::key_ring(django_secret()), settings, {}, crumb::fixed_clock::at_unix(wall_now())};
  site browser;  // only its jar

  // Django's answer to a request with the browser's cookies; its Set-Cookie go to the jar.
  crumb::value ask(const std::string& method, const std::string& path, crumb::object data = {}) {
    const crumb::value answer = django().request(method, path, browser.header(), std::move(data));
    const crumb::object& a = *answer.if_object();
    BOOST_REQUIRE_EQUAL(*a.find("status")->if_int(), 200);
    for (const auto& [name, c] : *a.find("set_cookies")->if_object()) {
      const crumb::object& morsel = *c.if_object();
      const bool deleted = *morsel.find("max_age")->if_string() == "0";
      browser.set(name, deleted ? "" : *morsel.find("value")->if_string());
    }
    return answer;
  }
  void django_adds(int level, const std::string& text, const std::string& tags = "") {
    crumb::object data;
    data.insert_or_assign("level", std::to_string(level));
    data.insert_or_assign("message", text);
    data.insert_or_assign("extra_tags", tags);
    ask("POST", "/messages/add", std::move(data));
  }
  // What Django's /messages/show shows: (level, message, tags) each.
  std::vector<std::tuple<std::int64_t, std::string, std::string>> django_shows() {
    const crumb::value answer = ask("GET", "/messages/show");
    std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
    for (const crumb::value& m :
         *answer.if_object()->find("body")->if_object()->find("messages")->if_array()) {
      const crumb::object& o = *m.if_object();
      out.emplace_back(*o.find("level")->if_int(), *o.find("message")->if_string(),
                       *o.find("tags")->if_string());
    }
    return out;
  }

  // One crumb request with the browser's cookies; `handle` uses its messages and session.
  template <class Handle>
  void crumb_request(Handle&& handle) {
    session_type session(codec, nullptr, settings, crumb::fixed_clock::at_unix(wall_now()));
    session.load(browser.header());
    storage_type flash(config, browser.header(), session);
    handle(flash, session);
    browser.receive(flash.commit().value());
    browser.receive(session.commit().value());
  }
};

std::vector<std::string> overflow_texts() {
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < 40; ++i) out.push_back(overflow_text(i));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(messages_live)

BOOST_AUTO_TEST_CASE(djangos_cookie_message_is_shown_once_by_crumb) {
  live_site live;
  live.django_adds(msg::success, "Hello from Django \u2603", "dj");
  live.django_adds(msg::warning, "Second");
  const std::string token = live.browser.cookie("messages");
  BOOST_REQUIRE(!token.empty());
  BOOST_TEST(live.browser.cookie("sessionid").empty());  // all in the cookie

  // crumb writes the same bytes at the same second.
  auto codec = live.config.make_codec();
  crumb::value ignored;
  crumb::token_info info;
  BOOST_REQUIRE(codec.decode_into(token, ignored, info) == errc::ok);
  const config_type same_second(crumb::key_ring(django_secret()), {}, {},
                                crumb::fixed_clock::at_unix(info.issued_at));
  session_type scratch(live.codec, nullptr, live.settings);
  storage_type mine(same_second, "", scratch);
  mine.add(msg::success, "Hello from Django \u2603", "dj");
  mine.add(msg::warning, "Second");
  BOOST_TEST(mine.commit().value().at(0).value == token);

  live.crumb_request([](storage_type& flash, session_type&) {
    const auto& shown = flash.read();
    BOOST_REQUIRE_EQUAL(shown.size(), 2u);
    BOOST_TEST(shown[0].text == "Hello from Django \u2603");
    BOOST_TEST(shown[0].tags() == "dj success");
    BOOST_TEST(shown[1].level == msg::warning);
    BOOST_TEST(shown[1].tags() == "warning");
    BOOST_TEST(!flash.load_error());
  });
  BOOST_TEST(live.browser.jar.empty());  // crumb deleted Django's cookie
  live.crumb_request([](storage_type& flash, session_type&) { BOOST_TEST(flash.read().empty()); });
  BOOST_TEST(live.django_shows().empty());
}

BOOST_AUTO_TEST_CASE(djangos_overflow_into_the_session_is_shown_once_by_crumb) {
  live_site live;
  const auto want = overflow_texts();
  for (std::size_t i = 0; i < want.size(); ++i)
    live.django_adds(msg::info, want[i], overflow_tags(static_cast<std::uint32_t>(i)));
  BOOST_REQUIRE(!live.browser.cookie("sessionid").empty());  // past 2048 bytes: the rest there
  BOOST_TEST(live.browser.cookie("messages").size() <= 2048u);

  live.crumb_request([&](storage_type& flash, session_type& session) {
    // Django's "_messages" string is what crumb writes for the same messages.
    const std::string held = session.get<std::string>("_messages").value();
    std::vector<msg::message> from_session;
    BOOST_REQUIRE(crumb::detail::messages_from_value(crumb_test::parse(held), from_session) ==
                  errc::ok);
    std::string rewritten;
    BOOST_REQUIRE(crumb::detail::write_session_messages(from_session, rewritten) == errc::ok);
    BOOST_TEST(rewritten == held);
    BOOST_TEST(from_session.back().text == want.back());

    BOOST_TEST(texts(flash.read()) == want);
    BOOST_TEST(flash.read()[39].extra_tags == "t39");
  });
  BOOST_TEST(live.browser.jar.empty());  // the cookie deleted, the session emptied
  BOOST_TEST(live.django_shows().empty());
}

BOOST_AUTO_TEST_CASE(crumbs_cookie_message_is_shown_once_by_django) {
  live_site live;
  live.crumb_request([](storage_type& flash, session_type&) {
    flash.add(msg::success, "Hello from crumb \u00e9", "c");
    flash.add({msg::error, "<i>safe</i>", "", true});
  });
  BOOST_REQUIRE(!live.browser.cookie("messages").empty());
  BOOST_TEST(live.browser.cookie("sessionid").empty());
  using shown = std::tuple<std::int64_t, std::string, std::string>;
  BOOST_TEST(
      (live.django_shows() == std::vector<shown>{{25, "Hello from crumb \u00e9", "c success"},
                                                 {40, "<i>safe</i>", "error"}}));
  BOOST_TEST(live.browser.jar.empty());  // Django deleted crumb's cookie
  BOOST_TEST(live.django_shows().empty());
}

BOOST_AUTO_TEST_CASE(crumbs_overflow_into_the_session_is_shown_once_by_django) {
  live_site live;
  const auto want = overflow_texts();
  live.crumb_request([&](storage_type& flash, session_type&) {
    for (std::size_t i = 0; i < want.size(); ++i)
      flash.add(msg::info, want[i], overflow_tags(static_cast<std::uint32_t>(i)));
  });
  BOOST_REQUIRE(!live.browser.cookie("sessionid").empty());
  BOOST_REQUIRE(!live.browser.cookie("messages").empty());
  const auto shown = live.django_shows();
  BOOST_REQUIRE_EQUAL(shown.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST(std::get<1>(shown[i]) == want[i]);
    BOOST_TEST(std::get<2>(shown[i]) == (i % 3 == 0 ? "t" + std::to_string(i) + " info" : "info"));
  }
  BOOST_TEST(live.browser.cookie("messages").empty());  // Django deleted it ...
  live.crumb_request([](storage_type& flash, session_type& session) {
    BOOST_TEST(!session.contains("_messages"));  // ... and emptied "_messages"
    BOOST_TEST(!session.load_error());
    BOOST_TEST(flash.read().empty());
  });
}

BOOST_AUTO_TEST_CASE(a_tampered_cookie_is_ignored_by_both) {
  live_site live;
  live.crumb_request([](storage_type& flash, session_type&) { flash.add(msg::info, "crumb's"); });
  std::string token = live.browser.cookie("messages");
  token[4] = token[4] == 'A' ? 'B' : 'A';
  live.browser.set("messages", token);
  BOOST_TEST(live.django_shows().empty());

  live.django_adds(msg::info, "Django's");
  token = live.browser.cookie("messages");
  token[4] = token[4] == 'A' ? 'B' : 'A';
  live.browser.set("messages", token);
  live.crumb_request([](storage_type& flash, session_type&) {
    BOOST_TEST(flash.read().empty());
    BOOST_TEST(flash.load_error() == errc::invalid_signature);
  });
  BOOST_TEST(live.browser.cookie("messages").empty());  // crumb deletes a bad cookie

  // Signed by crumb with a key that is not the site's: Django shows nothing either.
  const config_type stranger(crumb::key_ring("not the site's secret"), {}, {},
                             crumb::fixed_clock::at_unix(wall_now()));
  session_type scratch(live.codec, nullptr, live.settings);
  storage_type forged(stranger, "", scratch);
  forged.add(msg::error, "forged");
  live.browser.set("messages", forged.commit().value().at(0).value);
  BOOST_TEST(live.django_shows().empty());
}

BOOST_AUTO_TEST_SUITE_END()
