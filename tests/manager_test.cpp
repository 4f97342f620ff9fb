#define BOOST_TEST_MODULE manager
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
const std::string secret = "manager-test-secret-0123456789abcdefghij";

// A clock tests move: the manager copies its clock, so it reads a shared time.
struct movable_clock {
  const crumb::time_point* at;
  crumb::time_point now() const { return *at; }
};
using store_type = crumb::basic_memory_store<crumb::fixed_clock>;
using manager = crumb::basic_session_manager<crumb::profile::django, store_type, movable_clock>;

crumb::time_point t0 = crumb::fixed_clock::at_unix(1700000000).at;

using crumb_test::jar;
}  // namespace

BOOST_AUTO_TEST_SUITE(manager_suite)

// Regression: cookie_age set the cookie's Max-Age while the codec still took two-week-old
// tokens. One setting now drives both.
BOOST_AUTO_TEST_CASE(one_lifetime_for_cookie_and_token) {
  crumb::time_point now = t0;
  crumb::session_settings settings;
  settings.cookie_age = 1h;
  const manager m(crumb::key_ring(secret), settings, {}, movable_clock{&now});
  BOOST_TEST(m.options().max_age.value().count() == 3600);
  auto s = m.open("");
  s.set("user", 7);
  const auto out = m.commit(s, 200);
  BOOST_REQUIRE(out.cookies.size() == 1u);
  BOOST_TEST(out.cookies[0].render().find("Max-Age=3600;") != std::string::npos);
  jar browser;
  browser.receive(out.cookies);

  now = t0 + 3600s;
  BOOST_TEST(m.open(browser.header()).get<int>("user").value() == 7);
  now = t0 + 3601s;
  auto late = m.open(browser.header());
  BOOST_TEST(late.empty());
  BOOST_TEST(late.load_error() == errc::expired);
}

BOOST_AUTO_TEST_CASE(commit_follows_djangos_middleware) {
  crumb::time_point now = t0;
  const manager m(crumb::key_ring(secret), {}, {}, movable_clock{&now});

  auto untouched = m.open("");  // a visitor whose session was never used
  auto out = m.commit(untouched, 200);
  BOOST_TEST(!out.vary_cookie);
  BOOST_TEST(out.cookies.empty());

  auto read_only = m.open("");  // read, still empty: Vary, but no cookie
  BOOST_TEST(read_only.empty());
  out = m.commit(read_only, 200);
  BOOST_TEST(out.vary_cookie);
  BOOST_TEST(out.cookies.empty());

  auto failed_handler = m.open("");  // a 5xx: nothing saved
  failed_handler.set("half", "done");
  out = m.commit(failed_handler, 500);
  BOOST_TEST(out.cookies.empty());
  BOOST_TEST(out.status == 0);

  auto fine = m.open("");
  fine.set("a", 1);
  out = m.commit(fine, 302);
  BOOST_TEST(out.cookies.size() == 1u);
  BOOST_TEST(out.vary_cookie);
  jar browser;
  browser.receive(out.cookies);

  auto emptied = m.open(browser.header());  // an emptied session deletes its cookie
  emptied.clear();
  out = m.commit(emptied, 200);
  BOOST_REQUIRE(out.cookies.size() == 1u);
  BOOST_TEST(out.cookies[0].deletes());
}

// Regression: a 5xx skipped the whole commit, so a logout whose page then failed was
// undone: the store entry stayed and no deletion was sent. Django's middleware deletes an
// emptied session's cookie whatever the status; only saving is skipped.
BOOST_AUTO_TEST_CASE(a_logout_in_a_failed_response_still_ends_the_session) {
  crumb::time_point now = t0;
  store_type store({}, crumb::fixed_clock{t0});
  const manager m(crumb::key_ring(secret), store, {}, {}, movable_clock{&now});
  for (const bool spilled : {true, false}) {
    for (const bool set_again : {false, true}) {
      auto login = m.open("");
      login.set("user", 7);
      if (spilled) login.set("blob", crumb_test::big_text());
      jar browser;
      browser.receive(m.commit(login, 200).cookies);
      BOOST_REQUIRE(store.size() == (spilled ? 1u : 0u));

      auto logout = m.open(browser.header());
      logout.flush();
      if (set_again) logout.set("theme", "dark");  // not saved: the response failed
      const auto out = m.commit(logout, 500);
      BOOST_TEST(out.status == 0);
      BOOST_REQUIRE(out.cookies.size() == 1u);
      BOOST_TEST(out.cookies[0].deletes());
      BOOST_TEST(store.size() == 0u);
      if (spilled) {  // the old cookie, replayed, reaches nothing (a cookie-only one would:
        // a signed cookie cannot be revoked, docs/security.md)
        auto replayed = m.open(browser.header());
        BOOST_TEST(replayed.empty());
        BOOST_TEST(replayed.load_error() == errc::not_found);
      }
      browser.receive(out.cookies);
      BOOST_TEST(browser.header().empty());
    }
  }
  // Only an ending goes out with a 5xx: a cycle_key or a change is not saved.
  auto kept = m.open("");
  kept.set("user", 7);
  jar browser;
  browser.receive(m.commit(kept, 200).cookies);
  auto changed = m.open(browser.header());
  changed.cycle_key();
  changed.set("user", 8);
  BOOST_TEST(m.commit(changed, 503).cookies.empty());
  BOOST_TEST(m.open(browser.header()).get<int>("user").value() == 7);
}

BOOST_AUTO_TEST_CASE(a_failed_save_is_a_503_or_a_409_never_a_lost_session) {
  crumb::time_point now = t0;
  store_type store({}, crumb::fixed_clock{t0});
  const manager m(crumb::key_ring(secret), store, {}, {}, movable_clock{&now});
  auto big = m.open("");
  big.set("blob", crumb_test::big_text());
  jar browser;
  auto out = m.commit(big, 200);
  BOOST_REQUIRE(out.status == 0);
  browser.receive(out.cookies);

  auto early = m.open(browser.header());
  BOOST_TEST(early.in_store());
  auto logout = m.open(browser.header());
  logout.flush();
  BOOST_TEST(m.commit(logout, 200).cookies.at(0).deletes());
  early.set("visits", 2);
  out = m.commit(early, 200);
  BOOST_TEST(out.status == 409);
  BOOST_TEST(out.error == errc::session_interrupted);
  BOOST_TEST(out.cookies.empty());

  crumb::store_limits limits;
  limits.max_entries = 0;
  store_type full(limits, crumb::fixed_clock{t0});
  const manager m2(crumb::key_ring(secret), full, {}, {}, movable_clock{&now});
  auto s = m2.open("");
  s.set("blob", crumb_test::big_text());
  out = m2.commit(s, 200);
  BOOST_TEST(out.status == 503);
  BOOST_TEST(out.error == errc::store_full);
  BOOST_TEST(!out.cause.empty());
  BOOST_TEST(out.cookies.empty());
}

// Regression: a save that no retry can pass was answered 503 with Retry-After ("try
// again"): a session too large for its cookie with no store to spill to (the cause says
// so), or past the chunk limit. 500 now; 503 stays for a store that may answer a retry.
BOOST_AUTO_TEST_CASE(a_save_no_retry_can_pass_is_a_500) {
  crumb::time_point now = t0;
  const manager no_store(crumb::key_ring(secret), {}, {}, movable_clock{&now});
  auto s = no_store.open("");
  s.set("blob", crumb_test::big_text());
  auto out = no_store.commit(s, 200);
  BOOST_TEST(out.status == 500);
  BOOST_TEST(out.error == errc::cookie_too_large);
  BOOST_TEST(out.cause == "no store configured");
  BOOST_TEST(out.cookies.empty());
  BOOST_TEST(crumb::failure_text(500) == "session not saved\n");

  crumb::session_settings chunked;
  chunked.oversize = crumb::oversize_policy::chunk;
  const manager m(crumb::key_ring(secret), chunked, {}, movable_clock{&now});
  auto huge = m.open("");
  huge.set("blob", crumb_test::big_text(20000));
  out = m.commit(huge, 200);
  BOOST_TEST(out.status == 500);
  BOOST_TEST(out.error == errc::cookie_too_large);

  BOOST_TEST(crumb::http_status_for(errc::store_unavailable) == 503);
  BOOST_TEST(crumb::http_status_for(errc::store_full) == 503);
  BOOST_TEST(crumb::http_status_for(errc::session_interrupted) == 409);
  BOOST_TEST(crumb::http_status_for(errc::too_large) == 500);
  BOOST_TEST(crumb::http_status_for(errc::invalid_cookie) == 500);
}

BOOST_AUTO_TEST_CASE(structured_cookies_render_as_save_does) {
  crumb::time_point now = t0;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::chunk;
  const manager m(crumb::key_ring(secret), settings, {}, movable_clock{&now});
  auto s = m.open("");
  s.set("blob", crumb_test::big_text(5000));
  const auto cookies = s.commit().value();
  BOOST_REQUIRE(cookies.size() == 2u);  // sessionid and sessionid.1
  BOOST_TEST(cookies[1].name == "sessionid.1");
  BOOST_TEST(cookies[0].attrs.http_only);
  auto again = m.open("");
  again.set("blob", crumb_test::big_text(5000));
  const auto lines = again.save().value();
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == cookies[0].render());
  BOOST_TEST(lines[1] == cookies[1].render());
}

// For frameworks that parse Cookie: themselves and offer a lookup by name.
BOOST_AUTO_TEST_CASE(open_from_a_cookie_lookup) {
  crumb::time_point now = t0;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::chunk;
  const manager m(crumb::key_ring(secret), settings, {}, movable_clock{&now});
  auto s = m.open("");
  s.set("blob", crumb_test::big_text(5000));
  jar browser;
  browser.receive(s.commit().value());
  browser.cookies["other"] = "x";
  const std::map<std::string, std::string>& parsed = browser.cookies;
  auto looked_up = m.open_with([&](const std::string& name) -> std::optional<std::string_view> {
    const auto it = parsed.find(name);
    if (it == parsed.end()) return std::nullopt;
    return it->second;
  });
  BOOST_TEST(looked_up.get<std::string>("blob").value() == crumb_test::big_text(5000));
}

// One manager, 8 threads, sessions that move between threads mid-request: CI runs this
// under ThreadSanitizer too.
BOOST_AUTO_TEST_CASE(shared_by_threads) {
  crumb::memory_store store;
  const crumb::django_sessions<> m(crumb::key_ring(secret), store);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      jar browser;
      for (int i = 1; i <= 60; ++i) {
        auto s = m.open(browser.header());
        if (s.get<int>("visits", 0) != i - 1) ++failures;
        s.set("visits", i);
        if (i % 10 == 0) s.set("blob", crumb_test::big_text(3000 + 100 * t));  // spills
        // The request moves to another thread half-way, as with asio or coroutines.
        std::thread([&] {
          const auto out = m.commit(s, 200);
          if (out.status != 0) ++failures;
          browser.receive(out.cookies);
        }).join();
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(m.codecs() <= 16u);  // no more than were ever in use at once
}

BOOST_AUTO_TEST_SUITE_END()
