#define BOOST_TEST_MODULE doc_examples
#include <boost/test/unit_test.hpp>

#include <functional>
#include <optional>

// The README's snippets live here, between tag markers, so that they compile and run.
// tag::usage[]
#include <crumb/crumb.hpp>

#include <iostream>
#include <string>
#include <vector>

std::string sign_in(crumb::django_codec& codec) {
  crumb::object session;
  session["_auth_user_id"] = "42";
  session["cart"] = crumb::to_value(std::vector<int>{1, 2, 3});
  return codec.encode(session).value();  // "eyJfYXV0aF91c2VyX2lkIjoiNDIiLC...:1r31eq:..."
}

int cart_size(crumb::django_codec& codec, std::string_view cookie) {
  const crumb::result<crumb::value> session = codec.decode(cookie);
  if (!session) {  // tampered, expired, malformed...: treat as no session
    std::clog << "session rejected: " << session.error().message() << '\n';
    return 0;
  }
  const crumb::value* cart = session->if_object()->find("cart");
  return cart ? static_cast<int>(crumb::value_as<std::vector<int>>(*cart).value_or({}).size()) : 0;
}

void example() {
  // Django's SECRET_KEY, then SECRET_KEY_FALLBACKS: tokens from either verify.
  crumb::django_codec codec(crumb::key_ring("new-secret", {"old-secret"}));
  const std::string cookie = sign_in(codec);
  std::cout << cart_size(codec, cookie) << '\n';  // 3
}
// end::usage[]

// tag::session[]
// One request: the Cookie header in, Set-Cookie values out. The codec is per thread;
// settings and store are shared.
std::vector<std::string> handle_login(crumb::django_codec& codec, crumb::memory_store& store,
                                      const crumb::session_settings& settings,
                                      std::string_view cookie_header, std::string_view user) {
  crumb::basic_session<crumb::django_codec> session(codec, &store, settings);
  session.load(cookie_header);  // nothing is verified until the session is used
  session.cycle_key();          // a fresh identity at login, against session fixation
  session.set("user", std::string(user));
  session.set("visits", session.get<int>("visits", 0) + 1);
  session.set_expiry(std::chrono::hours(8));
  auto set_cookies = session.save();  // empty when nothing changed
  if (!set_cookies) {                 // e.g. store_unavailable: fail the request, loudly
    throw std::runtime_error("session not saved: " + set_cookies.error().message());
  }
  return *set_cookies;  // send each as a Set-Cookie header
}
// end::session[]

// tag::native[]
// crumb's own format: the content encrypted, the token bound to its cookie, an idle
// timeout of 30 minutes inside a lifetime of 8 hours (sessions read after half the idle
// time are re-issued with the same end).
crumb::native_sessions<>::codec_options secret_sessions() {
  crumb::native_sessions<>::codec_options options;
  options.encrypt = true;
  options.idle_timeout = std::chrono::minutes(30);
  return options;
}

crumb::session_settings eight_hours() {
  crumb::session_settings settings;
  settings.cookie_name = "__Host-session";
  settings.cookie.secure = true;
  settings.cookie_age = std::chrono::hours(8);  // the absolute lifetime, cookie and token
  return settings;
}

std::string visit(const crumb::native_sessions<>& sessions, std::string_view cookie_header) {
  auto session = sessions.open(cookie_header);
  session.set("visits", session.get<int>("visits", 0) + 1);
  const crumb::commit_outcome out = sessions.commit(session, 200);
  return out.cookies.empty() ? "" : out.cookies.front().render();
}
// end::native[]

// tag::apps[]
// Login, flash messages and CSRF kept in the session, as Django's apps keep them: a Django
// app with the same SECRET_KEY sees the same user, messages and token.
struct app {
  crumb::django_sessions<> sessions{crumb::key_ring("django-secret-key")};
  crumb::auth::authenticator auth{crumb::key_ring("django-secret-key")};
  crumb::messages::config flash{crumb::key_ring("django-secret-key")};
};

// POST /login, once the password was checked: `password_field` is what the user table
// holds (Django's user.password); a change to it logs out every session of the user.
std::vector<std::string> log_in(const app& a, std::string_view cookie_header,
                                std::string_view csrf_token, const std::string& user_id,
                                const std::string& password_field) {
  auto session = a.sessions.open(cookie_header);
  crumb::messages::storage messages(a.flash, cookie_header, session);
  if (crumb::csrf::verify(session, csrf_token) != crumb::errc::ok) return {};        // 403
  if (a.auth.login(session, user_id, password_field) != crumb::errc::ok) return {};  // 503
  (void)messages.add(crumb::messages::success, "Welcome back.");
  const auto flash_cookies = messages.commit();  // first: it may move messages to the session
  if (!flash_cookies) return {};
  const crumb::commit_outcome saved = a.sessions.commit(session, 200);
  if (saved.status != 0) return {};  // 503, 409 or 500: send no cookie at all
  std::vector<std::string> set_cookies;
  for (const auto& c : *flash_cookies) set_cookies.push_back(c.render());
  for (const auto& c : saved.cookies) set_cookies.push_back(c.render());
  return set_cookies;
}

// Any later request: who is logged in (checked against the user's current password field).
std::string who(const app& a, std::string_view cookie_header,
                const std::function<std::optional<std::string>(const std::string&)>& password_of) {
  auto session = a.sessions.open(cookie_header);
  const crumb::result<std::string> user = a.auth.current_user(session, password_of);
  return user ? *user : "nobody";
}
// end::apps[]

namespace {
// The cookies a browser sends back after these Set-Cookie lines, over `before`.
std::string cookies_after(std::string before, const std::vector<std::string>& set_cookies) {
  for (const std::string& line : set_cookies)
    before += (before.empty() ? "" : "; ") + line.substr(0, line.find(';'));
  return before;
}
}  // namespace

BOOST_AUTO_TEST_CASE(apps_snippet_runs) {
  const app a;
  std::string jar;
  {
    auto session = a.sessions.open("");
    const std::string token = crumb::csrf::get_token(session).value();  // on the login form
    jar = cookies_after("", {a.sessions.commit(session, 200).cookies.at(0).render()});
    BOOST_TEST(log_in(a, jar, "forged", "42", "pw-field").empty());
    const auto lines = log_in(a, jar, token, "42", "pw-field");
    BOOST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0].find("messages=") == 0u);
    jar = cookies_after("", lines);
  }
  const auto same = [](const std::string&) -> std::optional<std::string> { return "pw-field"; };
  const auto changed = [](const std::string&) -> std::optional<std::string> { return "other"; };
  BOOST_TEST(who(a, jar, same) == "42");
  BOOST_TEST(who(a, jar, changed) == "nobody");
}

BOOST_AUTO_TEST_CASE(native_snippet_runs) {
  // Two secrets: the current one signs; the old one (a fallback) still opens its tokens.
  const crumb::native_sessions<> old_sessions(crumb::key_ring("old-secret"), eight_hours(),
                                              secret_sessions());
  const std::string first = visit(old_sessions, "");
  BOOST_TEST(first.find("__Host-session=") == 0u);
  BOOST_TEST(first.find("Max-Age=28800;") != std::string::npos);
  const crumb::native_sessions<> sessions(crumb::key_ring("new-secret", {"old-secret"}),
                                          eight_hours(), secret_sessions());
  const std::string cookie = first.substr(0, first.find(';'));
  auto session = sessions.open(cookie);
  BOOST_TEST(session.get<int>("visits").value() == 1);
  BOOST_TEST(session.needs_resign());
  BOOST_TEST(visit(sessions, cookie).find("__Host-session=") == 0u);
}

BOOST_AUTO_TEST_CASE(session_snippet_runs) {
  crumb::django_codec codec(crumb::key_ring("secret"));
  crumb::memory_store store;
  crumb::session_settings settings;
  const auto lines = handle_login(codec, store, settings, "", "alice");
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].find("Max-Age=28800;") != std::string::npos);
  const std::string cookie = lines[0].substr(0, lines[0].find(';'));
  crumb::basic_session<crumb::django_codec> next(codec, &store, settings);
  next.load(cookie);
  BOOST_TEST(next.get<std::string>("user").value() == "alice");
  BOOST_TEST(handle_login(codec, store, settings, cookie, "alice").size() == 1u);
}

BOOST_AUTO_TEST_CASE(usage_snippet_runs) {
  crumb::django_codec codec(crumb::key_ring("new-secret", {"old-secret"}));
  const std::string cookie = sign_in(codec);
  BOOST_TEST(cart_size(codec, cookie) == 3);
  BOOST_TEST(cart_size(codec, cookie + "x") == 0);
  BOOST_CHECK_NO_THROW(example());
}
