#define BOOST_TEST_MODULE beast_adapter
#include <boost/test/unit_test.hpp>

#include <crumb/adapter/beast.hpp>

#include <string>
#include <vector>

#include "adapter_checks.hpp"
#include "store_checks.hpp"

namespace http = boost::beast::http;

namespace {
const std::string secret = "beast-adapter-test-secret-0123456789abcdef";
using response = http::response<http::string_body>;
using request = http::request<http::string_body>;

// Every Set-Cookie field of `res`, in order.
std::vector<std::string> set_cookies(const response& res) {
  std::vector<std::string> out;
  const auto [first, last] = res.equal_range(http::field::set_cookie);
  for (auto it = first; it != last; ++it) out.emplace_back(it->value());
  return out;
}

crumb::session_settings chunked() {
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::chunk;
  return settings;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(beast_adapter)

// Regression: commit() must insert each Set-Cookie field. A `set` would replace the
// handler's own cookie, and each chunk of a session the one before it.
BOOST_AUTO_TEST_CASE(commit_keeps_the_handlers_set_cookie) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::beast_sessions web(sessions);
  auto session = web.open(request{http::verb::get, "/", 11});
  session.set("visits", 1);
  response res{http::status::ok, 11};
  res.insert(http::field::set_cookie, "csrftoken=abc; Path=/");
  web.commit(session, res);
  const auto fields = set_cookies(res);
  BOOST_REQUIRE_EQUAL(fields.size(), 2u);
  BOOST_TEST(fields[0] == "csrftoken=abc; Path=/");
  BOOST_TEST(fields[1].starts_with("sessionid="));
}

BOOST_AUTO_TEST_CASE(commit_keeps_every_chunk) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret), chunked()};
  const crumb::beast_sessions web(sessions);
  auto session = web.open(request{http::verb::get, "/", 11});
  session.set("blob", crumb_test::big_text(5000));
  response res{http::status::ok, 11};
  res.insert(http::field::set_cookie, "csrftoken=abc; Path=/");
  web.commit(session, res);
  const auto fields = set_cookies(res);
  BOOST_REQUIRE_EQUAL(fields.size(), 3u);  // the handler's, sessionid and sessionid.1
  BOOST_TEST(fields[0] == "csrftoken=abc; Path=/");
  BOOST_TEST(fields[1].starts_with("sessionid="));
  BOOST_TEST(fields[2].starts_with("sessionid.1="));

  // The next request brings the chunks back, one Cookie field each: open() joins them.
  request next{http::verb::get, "/", 11};
  for (const std::string& f : fields) next.insert(http::field::cookie, f.substr(0, f.find(';')));
  auto again = web.open(next);
  BOOST_TEST(again.get<std::string>("blob").value() == crumb_test::big_text(5000));

  // Shrunk back into one cookie: the new sessionid and the deletion of sessionid.1, both.
  again.set("blob", "small");
  response shrunk{http::status::ok, 11};
  web.commit(again, shrunk);
  const auto after = set_cookies(shrunk);
  BOOST_REQUIRE_EQUAL(after.size(), 2u);
  BOOST_TEST(after[0].starts_with("sessionid="));
  BOOST_TEST(after[1].starts_with("sessionid.1="));
  BOOST_TEST(after[1].find("; Max-Age=0;") != std::string::npos);
}

// The Vary fields of a response to a request that read its session, whose handler set
// `handler_vary` (one field each).
std::vector<std::string> vary_after(const std::vector<std::string>& handler_vary) {
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::beast_sessions web(sessions);
  auto session = web.open(request{http::verb::get, "/", 11});
  BOOST_REQUIRE(session.empty());  // read: the response depends on the cookie
  response res{http::status::ok, 11};
  for (const std::string& v : handler_vary) res.insert(http::field::vary, v);
  web.commit(session, res);
  std::vector<std::string> out;
  const auto [first, last] = res.equal_range(http::field::vary);
  for (auto it = first; it != last; ++it) out.emplace_back(it->value());
  return out;
}

BOOST_AUTO_TEST_CASE(commit_adds_cookie_to_every_vary_the_handler_set) {
  crumb_test::check_vary_rule(vary_after);
}

BOOST_AUTO_TEST_SUITE_END()
