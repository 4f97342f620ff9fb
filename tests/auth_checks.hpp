// Login checks shared by the auth tests (memory and file stores) and the Redis tests:
// an application's user table, a login through a manager, and revocation across two
// processes that share a store.
#pragma once

#include <boost/test/unit_test.hpp>
#include <crumb/auth.hpp>
#include <map>
#include <optional>
#include <string>

#include "test_support.hpp"

namespace crumb_test {

// The password field of the user "7" in the tables below.
inline const std::string auth_password = "pbkdf2_sha256$260000$salt$hash";
inline const std::string auth_secret = "auth-test-secret";

// The application's users: id -> password field.
struct user_table {
  std::map<std::string, std::string> passwords{{"7", auth_password}};
  std::optional<std::string> operator()(const std::string& id) const {
    const auto it = passwords.find(id);
    if (it == passwords.end()) return std::nullopt;
    return it->second;
  }
};

// Logs `user` in through `m` and `a`; returns the browser that holds the cookie.
template <class Manager, class Auth>
jar logged_in(const Manager& m, const Auth& a, const std::string& pw = auth_password,
              const std::string& user = "7") {
  jar browser;
  auto s = m.open("");
  BOOST_REQUIRE(a.login(s, user, pw) == crumb::errc::ok);
  const auto out = m.commit(s, 200);
  BOOST_REQUIRE(out.status == 0);
  browser.receive(out.cookies);
  return browser;
}

// Two processes (two managers and authenticators, each with its own store object over the
// same data), as the example's servers share a directory or a Redis: a revocation on one
// ends the user's sessions on both, and only that user's.
template <class Store>
void revoke_on_one_refuses_on_both(Store& store_a, Store& store_b) {
  using crumb::errc;
  using manager = crumb::basic_session_manager<crumb::profile::django, Store>;
  const manager a_m{crumb::key_ring(auth_secret)}, b_m{crumb::key_ring(auth_secret)};
  const crumb::auth::basic_authenticator<Store> a(crumb::key_ring(auth_secret), {}, &store_a);
  const crumb::auth::basic_authenticator<Store> b(crumb::key_ring(auth_secret), {}, &store_b);
  user_table users;
  users.passwords["8"] = "eight";
  const jar on_a = logged_in(a_m, a), on_b = logged_in(b_m, b);
  const jar other_user = logged_in(a_m, a, "eight", "8");
  for (const jar* browser : {&on_a, &on_b}) {
    auto s = b_m.open(browser->header());
    BOOST_TEST(b.current_user(s, users).value() == "7");
  }

  BOOST_REQUIRE(a.revoke_all("7").has_value());
  for (const jar* browser : {&on_a, &on_b}) {
    for (const auto* auth : {&a, &b}) {
      auto s = a_m.open(browser->header());
      BOOST_TEST(auth->current_user(s, users).error() == errc::revoked);
      BOOST_TEST(s.empty());
    }
  }
  auto s8 = b_m.open(other_user.header());  // another user is untouched
  BOOST_TEST(b.current_user(s8, users).value() == "8");

  // A login after the revocation is good on both; a second revocation ends it too.
  const jar fresh = logged_in(b_m, b);
  for (const auto* auth : {&a, &b}) {
    auto s = a_m.open(fresh.header());
    BOOST_TEST(auth->current_user(s, users).value() == "7");
  }
  BOOST_REQUIRE(b.revoke_all("7").has_value());
  auto s = a_m.open(fresh.header());
  BOOST_TEST(a.current_user(s, users).error() == errc::revoked);
}

}  // namespace crumb_test
