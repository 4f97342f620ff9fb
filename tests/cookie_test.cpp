#define BOOST_TEST_MODULE cookie
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "test_support.hpp"

using crumb::errc;
namespace cookie = crumb::cookie;
using namespace std::chrono_literals;

namespace {
const auto t0 = crumb::time_point(std::chrono::sys_days(std::chrono::year(2026) / 11 / 23)) +
                22h + 40min + 56s;  // a Monday
}

BOOST_AUTO_TEST_SUITE(cookie_parsing)

BOOST_AUTO_TEST_CASE(finds_cookies_tolerantly) {
  const std::string_view h = " a=1;b = two ;  sessionid=\"quoted\";c=;=nameless;novalue; d=x=y";
  BOOST_TEST(cookie::find(h, "a").value() == "1");
  BOOST_TEST(cookie::find(h, "b").value() == "two");
  BOOST_TEST(cookie::find(h, "sessionid").value() == "quoted");
  BOOST_TEST(cookie::find(h, "c").value() == "");
  BOOST_TEST(cookie::find(h, "d").value() == "x=y");
  BOOST_TEST(!cookie::find(h, "novalue"));
  BOOST_TEST(!cookie::find(h, "missing"));
  BOOST_TEST(!cookie::find("", "a"));
  BOOST_TEST(cookie::find("a=1\t", "a").value() == "1");
}

// Documented rule: the first of duplicate names wins (the most specific Path comes first).
BOOST_AUTO_TEST_CASE(first_duplicate_wins) {
  BOOST_TEST(cookie::find("s=first; s=second", "s").value() == "first");
  std::vector<std::string> seen;
  cookie::for_each("s=1; t=2; s=3", [&](std::string_view n, std::string_view v) {
    seen.push_back(std::string(n) + "=" + std::string(v));
  });
  BOOST_TEST((seen == std::vector<std::string>{"s=1", "t=2", "s=3"}));
}

BOOST_AUTO_TEST_CASE(a_64_kib_header_with_1000_cookies) {
  std::string h;
  for (int i = 0; i < 1000; ++i) h += "c" + std::to_string(i % 500) + "=" + std::string(58, 'v') + "; ";
  h += "sessionid=wanted";
  BOOST_TEST(h.size() > 60000u);
  BOOST_TEST(cookie::find(h, "sessionid").value() == "wanted");
  BOOST_TEST(cookie::find(h, "c7").value() == std::string(58, 'v'));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cookie_rendering)

BOOST_AUTO_TEST_CASE(defaults_are_safe) {
  BOOST_TEST(cookie::render("sessionid", "abc", {}, t0).value() ==
             "sessionid=abc; Path=/; HttpOnly; SameSite=Lax");
}

BOOST_AUTO_TEST_CASE(every_attribute) {
  cookie::attributes a;
  a.domain = "example.com";
  a.path = "/app";
  a.secure = true;
  a.same_site = cookie::same_site::none;
  a.partitioned = true;
  a.max_age = 3600s;
  BOOST_TEST(cookie::render("s", "v", a, t0).value() ==
             "s=v; Max-Age=3600; Expires=Mon, 23 Nov 2026 23:40:56 GMT; Domain=example.com; "
             "Path=/app; Secure; HttpOnly; SameSite=None; Partitioned");
  a.same_site = cookie::same_site::strict;
  a.partitioned = false;
  a.http_only = false;
  a.path.clear();
  a.max_age.reset();
  BOOST_TEST(cookie::render("s", "v", a, t0).value() ==
             "s=v; Domain=example.com; Secure; SameSite=Strict");
}

BOOST_AUTO_TEST_CASE(deletion_uses_the_epoch) {
  BOOST_TEST(cookie::render_deletion("s", {}).value() ==
             "s=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax");
}

BOOST_AUTO_TEST_CASE(refuses_header_injection) {
  for (const char* bad_name : {"", "a b", "a;b", "a=b", "a\r\nSet-Cookie: x", "a\x01", "\xc3\xa9"})
    BOOST_TEST(cookie::render(bad_name, "v", {}, t0).error() == errc::invalid_cookie);
  for (const char* bad_value : {"a;b", "a b", "a\r\nX: y", "a,b", "\"q\"", "a\\b", "a\x7f", "\xff"})
    BOOST_TEST(cookie::render("s", bad_value, {}, t0).error() == errc::invalid_cookie);
  cookie::attributes a;
  a.path = "/;Secure";
  BOOST_TEST(cookie::render("s", "v", a, t0).error() == errc::invalid_cookie);
  a.path = "/";
  a.domain = "x.com\r\nX-Evil: 1";
  BOOST_TEST(cookie::render("s", "v", a, t0).error() == errc::invalid_cookie);
}

BOOST_AUTO_TEST_CASE(refuses_what_browsers_reject) {
  cookie::attributes a;
  a.same_site = cookie::same_site::none;  // needs Secure
  BOOST_TEST(cookie::render("s", "v", a, t0).error() == errc::invalid_cookie);
  a.same_site = cookie::same_site::lax;
  a.partitioned = true;  // needs Secure
  BOOST_TEST(cookie::render("s", "v", a, t0).error() == errc::invalid_cookie);
}

// RFC 6265bis 4.1.3: browsers drop prefixed cookies whose attributes break the prefix's
// promise, so crumb refuses to render them.
BOOST_AUTO_TEST_CASE(cookie_name_prefixes) {
  cookie::attributes a;
  BOOST_TEST(cookie::render("__Secure-id", "v", a, t0).error() == errc::invalid_cookie);
  BOOST_TEST(cookie::render("__Host-id", "v", a, t0).error() == errc::invalid_cookie);
  BOOST_TEST(cookie::render("__host-id", "v", a, t0).error() == errc::invalid_cookie);  // any case
  a.secure = true;
  BOOST_TEST(cookie::render("__Secure-id", "v", a, t0).has_value());
  BOOST_TEST(cookie::render("__Host-id", "v", a, t0).has_value());
  a.domain = "example.com";
  BOOST_TEST(cookie::render("__Secure-id", "v", a, t0).has_value());
  BOOST_TEST(cookie::render("__Host-id", "v", a, t0).error() == errc::invalid_cookie);
  a.domain.clear();
  a.path = "/app";
  BOOST_TEST(cookie::render("__Host-id", "v", a, t0).error() == errc::invalid_cookie);
  a.path = "";
  BOOST_TEST(cookie::render("__Host-id", "v", a, t0).error() == errc::invalid_cookie);
  a.secure = false;
  a.path = "/";
  BOOST_TEST(cookie::render("_Host-id", "v", a, t0).has_value());  // not the prefix
}

// Regression: now + Max-Age overflowed for large ages. Browsers cap lifetimes at 400 days.
BOOST_AUTO_TEST_CASE(lifetimes_are_capped_at_400_days) {
  cookie::attributes a;
  a.max_age = std::chrono::seconds::max();
  const std::string line = cookie::render("s", "v", a, t0).value();
  BOOST_TEST(line.find("Max-Age=34560000; Expires=Tue, 28 Dec 2027 22:40:56 GMT") !=
             std::string::npos, line);
  const auto late = crumb::time_point::max();  // a clock at the end of its range
  BOOST_TEST(cookie::render("s", "v", a, late).has_value());
}

// Name + value of 4096 bytes fits; 4097 does not; attribute values up to 1024.
BOOST_AUTO_TEST_CASE(size_limits_at_the_exact_boundary) {
  const std::string name = "sessionid";
  BOOST_TEST(cookie::render(name, std::string(4096 - name.size(), 'a'), {}, t0).has_value());
  BOOST_TEST(cookie::render(name, std::string(4097 - name.size(), 'a'), {}, t0).error() ==
             errc::cookie_too_large);
  cookie::attributes a;
  a.path = "/" + std::string(1023, 'p');
  BOOST_TEST(cookie::render(name, "v", a, t0).has_value());
  a.path += "p";
  BOOST_TEST(cookie::render(name, "v", a, t0).error() == errc::cookie_too_large);
  cookie::size_limits small{100, 10};
  BOOST_TEST(cookie::render("n", std::string(99, 'a'), {}, t0, small).has_value());
  BOOST_TEST(cookie::render("n", std::string(100, 'a'), {}, t0, small).error() ==
             errc::cookie_too_large);
}

BOOST_AUTO_TEST_SUITE_END()
