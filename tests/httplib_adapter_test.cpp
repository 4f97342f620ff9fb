#define BOOST_TEST_MODULE httplib_adapter
#include <boost/test/unit_test.hpp>

#include <crumb/adapter/httplib.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "adapter_checks.hpp"
#include "store_checks.hpp"

// The cpp-httplib adapter on requests and responses built in memory, as
// beast_adapter_test does for Boost.Beast (tests/e2e/hello_test.sh drives a real server).

namespace {
const std::string secret = "httplib-adapter-test-secret-0123456789abcdef";

std::vector<std::string> values(const httplib::Response& res, const char* name) {
  std::vector<std::string> out;
  const auto [first, last] = res.headers.equal_range(name);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

// The Vary fields of a response to a request that read its session, whose handler set
// `handler_vary` (one field each).
std::vector<std::string> vary_after(const std::vector<std::string>& handler_vary) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::httplib_sessions web(sessions);
  httplib::Request req;
  auto session = web.open(req);
  BOOST_REQUIRE(session.empty());  // read: the response depends on the cookie
  httplib::Response res;
  res.status = 200;
  for (const std::string& v : handler_vary) res.set_header("Vary", v);
  web.commit(session, res);
  return values(res, "Vary");
}
}  // namespace

BOOST_AUTO_TEST_SUITE(httplib_adapter)

BOOST_AUTO_TEST_CASE(commit_adds_cookie_to_every_vary_the_handler_set) {
  crumb_test::check_vary_rule(vary_after);
}

// Each cookie is a Set-Cookie header of its own, beside the handler's; the next request's
// Cookie headers (several, as HTTP/2 sends them) are joined.
BOOST_AUTO_TEST_CASE(commit_keeps_the_handlers_set_cookie_and_open_joins_cookie_headers) {
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::chunk;
  const crumb::django_sessions<> sessions{crumb::key_ring(secret), settings};
  const crumb::httplib_sessions web(sessions);
  httplib::Request req;
  auto session = web.open(req);
  session.set("blob", crumb_test::big_text(5000));
  httplib::Response res;
  res.status = 200;
  res.set_header("Set-Cookie", "csrftoken=abc; Path=/");
  web.commit(session, res);
  const auto fields = values(res, "Set-Cookie");
  BOOST_REQUIRE_EQUAL(fields.size(), 3u);
  BOOST_TEST(fields[0] == "csrftoken=abc; Path=/");
  BOOST_TEST(fields[1].starts_with("sessionid="));
  BOOST_TEST(fields[2].starts_with("sessionid.1="));

  httplib::Request next;
  for (const std::string& f : fields) next.set_header("Cookie", f.substr(0, f.find(';')));
  auto again = web.open(next);
  BOOST_TEST(again.get<std::string>("blob").value() == crumb_test::big_text(5000));
}

// A logout whose page then failed (500) still ends the session; a change is not saved.
BOOST_AUTO_TEST_CASE(a_failed_response_saves_nothing_but_a_logout) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::httplib_sessions web(sessions);
  httplib::Request first;
  auto login = web.open(first);
  login.set("user", 7);
  httplib::Response logged_in;
  logged_in.status = 200;
  web.commit(login, logged_in);
  const std::string cookie = logged_in.get_header_value("Set-Cookie");
  httplib::Request req;
  req.set_header("Cookie", cookie.substr(0, cookie.find(';')));

  auto changed = web.open(req);
  changed.set("user", 8);
  httplib::Response failed;
  failed.status = 500;
  web.commit(changed, failed);
  BOOST_TEST(values(failed, "Set-Cookie").empty());
  BOOST_TEST(failed.status == 500);

  auto logout = web.open(req);
  logout.flush();
  httplib::Response also_failed;
  also_failed.status = 500;
  web.commit(logout, also_failed);
  const auto fields = values(also_failed, "Set-Cookie");
  BOOST_REQUIRE_EQUAL(fields.size(), 1u);
  BOOST_TEST(fields[0].find("; Max-Age=0;") != std::string::npos);
}

// Regression: a wrapped handler that threw skipped the commit, so a logout (flush) in a
// handler that then failed was undone. Committed as the 500 the exception becomes.
BOOST_AUTO_TEST_CASE(a_handler_that_throws_is_committed_as_a_500) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::httplib_sessions web(sessions);
  httplib::Request first;
  httplib::Response logged_in;
  web.wrap([](const httplib::Request&, httplib::Response&, auto& s) { s.set("user", 7); })(
      first, logged_in);
  const std::string cookie = logged_in.get_header_value("Set-Cookie");
  BOOST_REQUIRE(cookie.starts_with("sessionid="));
  httplib::Request req;
  req.set_header("Cookie", cookie.substr(0, cookie.find(';')));

  const auto logout_then_fail = web.wrap([](const httplib::Request&, httplib::Response&, auto& s) {
    s.flush();
    throw std::runtime_error("the page after the logout failed");
  });
  httplib::Response res;
  BOOST_CHECK_THROW(logout_then_fail(req, res), std::runtime_error);
  BOOST_TEST(res.status == 500);
  const auto fields = values(res, "Set-Cookie");
  BOOST_REQUIRE_EQUAL(fields.size(), 1u);
  BOOST_TEST(fields[0].find("; Max-Age=0;") != std::string::npos);

  const auto change_then_fail = web.wrap([](const httplib::Request&, httplib::Response&, auto& s) {
    s.set("user", 8);
    throw std::runtime_error("half-way");
  });
  httplib::Response unsaved;
  BOOST_CHECK_THROW(change_then_fail(req, unsaved), std::runtime_error);
  BOOST_TEST(values(unsaved, "Set-Cookie").empty());  // nothing saved
}

BOOST_AUTO_TEST_SUITE_END()
