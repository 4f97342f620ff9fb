#define BOOST_TEST_MODULE doc_examples
#include <boost/test/unit_test.hpp>

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
