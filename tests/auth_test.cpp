#define BOOST_TEST_MODULE auth
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth_checks.hpp"
#include "interop/django_apps.hpp"
#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;
namespace auth = crumb::auth;

namespace {
const std::string& secret = crumb_test::auth_secret;
const std::string& password = crumb_test::auth_password;
using crumb_test::jar;
using crumb_test::logged_in;
using crumb_test::user_table;
// salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
// password, secret, algorithm="sha256").hexdigest(), computed by Django 3.2.
const std::string django_hash = "25f28f9aa816a9fe35f3d8fd773eadd931a92d89093fefb1cd86bdb13cb01758";
const std::string django_hash_of_old_secret =
    "d46457899005f9f5a29da182b045513e420858b4132673b14d02adfc75f73b50";

using store_type = crumb::memory_store;
// A memory store that can be taken down: the revocation store, or a session's.
struct faulty_store : crumb_test::flaky_store<crumb::memory_store> {
  crumb::memory_store data;
  faulty_store() : flaky_store<crumb::memory_store>{data} {}
};
using manager = crumb::basic_session_manager<crumb::profile::django, store_type>;
using authenticator = crumb::auth::basic_authenticator<store_type>;

}  // namespace

BOOST_AUTO_TEST_SUITE(login_state)

BOOST_AUTO_TEST_CASE(session_hash_is_djangos) {
  const crumb::auth::authenticator a{crumb::key_ring(secret)};
  BOOST_TEST(a.session_hash(password) == django_hash);
  BOOST_TEST(a.session_hash("") ==
             "f92a49c3b707ebee2365594e12ab3b739437f7042837a58c839d17d4649214a4");
  BOOST_TEST(crumb::auth::authenticator{crumb::key_ring("old-secret")}.session_hash(password) ==
             django_hash_of_old_secret);
}

BOOST_AUTO_TEST_CASE(login_sets_djangos_keys_with_a_fresh_identity) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  auto s = m.open("");
  s.set("cart", "kept across login, as Django keeps it");
  s.set(crumb::csrf::session_key, std::string(64, 'a'));
  BOOST_REQUIRE(a.login(s, "7", password) == errc::ok);
  BOOST_TEST(s.get<std::string>(auth::user_id_key).value() == "7");
  BOOST_TEST(s.get<std::string>(auth::backend_key).value() == auth::model_backend);
  BOOST_TEST(s.get<std::string>(auth::hash_key).value() == django_hash);
  BOOST_TEST(s.get<std::string>("cart").has_value());
  BOOST_TEST(!s.contains(crumb::csrf::session_key));  // rotated: the next token is new
  BOOST_TEST(!s.contains(auth::generation_key));      // no revocation store
  BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(login_over_another_users_session_flushes_it) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  user_table users;
  users.passwords["8"] = "other";
  auto s = m.open(logged_in(m, a).header());
  s.set("secret_of_7", 1);
  BOOST_REQUIRE(a.login(s, "8", "other") == errc::ok);
  BOOST_TEST(!s.contains("secret_of_7"));
  BOOST_TEST(a.current_user(s, users).value() == "8");

  // The same user under a changed password: flushed as well (Django compares the hash).
  auto again = m.open(logged_in(m, a).header());
  again.set("kept", 1);
  BOOST_REQUIRE(a.login(again, "7", "new password") == errc::ok);
  BOOST_TEST(!again.contains("kept"));
  // The same user, same password: data kept.
  auto same = m.open(logged_in(m, a).header());
  same.set("kept", 1);
  BOOST_REQUIRE(a.login(same, "7", password) == errc::ok);
  BOOST_TEST(same.contains("kept"));
}

BOOST_AUTO_TEST_CASE(login_cycles_a_stored_sessions_identity) {
  // Against fixation: a session that lives in the store moves to a new entry at login.
  store_type store;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::spill;
  const manager m(crumb::key_ring(secret), store, settings);
  const authenticator a{crumb::key_ring(secret)};
  jar browser;
  {
    auto s = m.open("");
    s.set("big", crumb_test::big_text());
    browser.receive(m.commit(s, 200).cookies);
  }
  const std::string before = browser.header();
  auto s = m.open(before);
  BOOST_REQUIRE(s.in_store());
  BOOST_REQUIRE(a.login(s, "7", password) == errc::ok);
  browser.receive(m.commit(s, 200).cookies);
  BOOST_TEST(browser.header() != before);
  auto planted = m.open(before);  // the cookie from before no longer reaches the data
  BOOST_TEST(planted.empty());
  BOOST_TEST(a.current_user(planted, user_table{}).error() == errc::not_found);
  auto now = m.open(browser.header());
  BOOST_TEST(a.current_user(now, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(a_password_change_logs_every_session_out) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  const jar first = logged_in(m, a), second = logged_in(m, a);
  user_table users;
  users.passwords["7"] = "pbkdf2_sha256$260000$salt$changed";
  for (const jar* browser : {&first, &second}) {
    auto s = m.open(browser->header());
    BOOST_TEST(a.current_user(s, users).error() == errc::auth_hash_mismatch);
    BOOST_TEST(s.empty());  // flushed, as Django does
    const auto out = m.commit(s, 200);
    BOOST_REQUIRE(out.cookies.size() == 1u);
    BOOST_TEST(out.cookies[0].deletes());
  }
}

BOOST_AUTO_TEST_CASE(a_password_changed_in_this_session_keeps_it) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  const jar other = logged_in(m, a);
  auto s = m.open(logged_in(m, a).header());
  s.set("cart", 3);
  user_table users;
  users.passwords["7"] = "changed";
  BOOST_REQUIRE(a.update_session_hash(s, "7", "changed") == errc::ok);
  BOOST_TEST(a.current_user(s, users).value() == "7");
  BOOST_TEST(s.get<int>("cart").value() == 3);  // the session's data stays
  auto elsewhere = m.open(other.header());
  BOOST_TEST(a.current_user(elsewhere, users).error() == errc::auth_hash_mismatch);

  // Another user's password changed from this session (an administrator's): this
  // session's login is left as it is; an anonymous session gets no hash planted.
  auto admin = m.open(logged_in(m, a).header());
  BOOST_TEST(a.update_session_hash(admin, "8", "eight's new") == errc::not_found);
  BOOST_TEST(!admin.modified());
  auto anonymous = m.open("");
  BOOST_TEST(a.update_session_hash(anonymous, "7", "changed") == errc::not_found);
  BOOST_TEST(!anonymous.contains(auth::hash_key));
}

BOOST_AUTO_TEST_CASE(update_session_hash_moves_a_stored_session) {
  // A fresh identity, as at login: the stored entry moves, the old cookie reaches nothing.
  store_type store;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::spill;
  const manager m(crumb::key_ring(secret), store, settings);
  const authenticator a{crumb::key_ring(secret)};
  jar browser = logged_in(m, a);
  {
    auto s = m.open(browser.header());
    s.set("big", crumb_test::big_text());
    browser.receive(m.commit(s, 200).cookies);
  }
  const std::string before = browser.header();
  auto s = m.open(before);
  BOOST_REQUIRE(s.in_store());
  BOOST_REQUIRE(a.update_session_hash(s, "7", "changed") == errc::ok);
  browser.receive(m.commit(s, 200).cookies);
  BOOST_TEST(browser.header() != before);
  BOOST_TEST(m.open(before).empty());
  user_table users;
  users.passwords["7"] = "changed";
  auto now = m.open(browser.header());
  BOOST_TEST(a.current_user(now, users).value() == "7");
}

BOOST_AUTO_TEST_CASE(nobody_logged_in) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  auto empty = m.open("");
  BOOST_TEST(a.current_user(empty, user_table{}).error() == errc::not_found);
  BOOST_TEST(!empty.modified());

  // A user that no longer exists: anonymous, the session left alone (Django's get_user).
  auto gone = m.open(logged_in(m, a).header());
  BOOST_TEST(a.current_user(gone, user_table{{}}).error() == errc::not_found);
  BOOST_TEST(!gone.modified());

  // A backend the application does not list: anonymous, not flushed.
  auto s = m.open(logged_in(m, a).header());
  s.set(auth::backend_key, "somewhere.else.Backend");
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::not_found);
  BOOST_TEST(s.contains(auth::user_id_key));
  auth::auth_options two;
  two.backends.push_back("somewhere.else.Backend");
  const authenticator wider{crumb::key_ring(secret), two};
  BOOST_TEST(wider.current_user(s, user_table{}).value() == "7");
  auth::auth_options any;
  any.backends.clear();  // no list: any backend
  const authenticator anything{crumb::key_ring(secret), any};
  BOOST_TEST(anything.current_user(s, user_table{}).value() == "7");

  // No backend, or a user id of another type: anonymous.
  s.erase(auth::backend_key);
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::not_found);
  auto odd = m.open("");
  odd.set(auth::user_id_key, crumb::array{});
  odd.set(auth::backend_key, auth::model_backend);
  BOOST_TEST(a.current_user(odd, user_table{}).error() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(an_integer_user_id_reads_as_its_text) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  auto s = m.open("");
  s.set(auth::user_id_key, 7);
  s.set(auth::backend_key, auth::model_backend);
  s.set(auth::hash_key, django_hash);
  BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(a_missing_or_malformed_hash_flushes) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  const jar browser = logged_in(m, a);
  const std::vector<std::optional<crumb::value>> bad = {
      std::nullopt,                                   // missing
      crumb::value(""),                               // empty
      crumb::value(django_hash.substr(1)),            // one short
      crumb::value(django_hash + "0"),                // one long
      crumb::value(std::string(64, '0')),             // the right shape, wrong value
      crumb::value(django_hash.substr(0, 63) + "A"),  // not lower-case hex
      crumb::value(7),                                // not a string
      crumb::value(crumb::array{crumb::value(django_hash)}),
  };
  for (const auto& h : bad) {
    auto s = m.open(browser.header());
    if (h)
      s.set(auth::hash_key, *h);
    else
      s.erase(auth::hash_key);
    s.set("other", 1);
    BOOST_TEST(a.current_user(s, user_table{}).error() == errc::auth_hash_mismatch);
    BOOST_TEST(s.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_fallback_secret_keeps_the_login_and_rehashes) {
  const manager old_m{crumb::key_ring("old-secret")};
  const authenticator old_a{crumb::key_ring("old-secret")};
  const jar browser = logged_in(old_m, old_a);

  // Rotated: the old secret is a fallback for the codec and for the login hash alike.
  const crumb::key_ring rotated("new-secret", {"old-secret"});
  const manager m(rotated);
  const authenticator a(rotated);
  auto s = m.open(browser.header());
  BOOST_TEST(s.get<std::string>(auth::hash_key).value() != a.session_hash(password));
  BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
  BOOST_TEST(s.get<std::string>(auth::hash_key).value() == a.session_hash(password));
  BOOST_TEST(s.modified());

  // Once the old secret is dropped, its hash logs nobody in.
  const authenticator newer{crumb::key_ring("new-secret")};
  auto stale = old_m.open(browser.header());
  BOOST_TEST(newer.current_user(stale, user_table{}).error() == errc::auth_hash_mismatch);
}

BOOST_AUTO_TEST_CASE(lookup_errors_are_returned_untouched) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  auto s = m.open(logged_in(m, a).header());
  const auto db_down = [](const std::string&) -> crumb::result<std::string> {
    return errc::store_unavailable;
  };
  BOOST_TEST(a.current_user(s, db_down).error() == errc::store_unavailable);
  BOOST_TEST(!s.modified());
  const auto no_user = [](const std::string&) -> crumb::result<std::string> {
    return errc::not_found;
  };
  BOOST_TEST(a.current_user(s, no_user).error() == errc::not_found);
  const auto found = [](const std::string&) -> crumb::result<std::string> { return password; };
  BOOST_TEST(a.current_user(s, found).value() == "7");

  // An error of another category comes back as it is, not read as one of crumb's codes
  // (errno 14 is crumb's not_found by number, 20 its auth_hash_mismatch).
  for (const int e : {14, 20, 21, 2}) {
    const auto broken = [e](const std::string&) -> crumb::result<std::string> {
      return std::error_code(e, std::generic_category());
    };
    const auto got = a.current_user(s, broken);
    BOOST_TEST(got.error() == std::error_code(e, std::generic_category()));
    BOOST_TEST(!s.modified());
  }
}

BOOST_AUTO_TEST_CASE(djangos_legacy_sha1_hash_when_asked) {
  // Django 3.1/3.2 with DEFAULT_HASHING_ALGORITHM = "sha1" writes this hash (computed by
  // Django 3.2: salted_hmac(..., algorithm="sha1").hexdigest()).
  const std::string sha1_hash = "2b19785d53131c123f66988e1e840ca377b23953";
  const manager m{crumb::key_ring(secret)};
  const auto session_with = [&](const std::string& hash) {
    jar browser;
    auto s = m.open("");
    s.set(auth::user_id_key, "7");
    s.set(auth::backend_key, auth::model_backend);
    s.set(auth::hash_key, hash);
    s.set("cart", 1);
    browser.receive(m.commit(s, 200).cookies);
    return browser;
  };
  const jar legacy = session_with(sha1_hash);
  const authenticator strict{crumb::key_ring(secret)};
  auto refused = m.open(legacy.header());
  BOOST_TEST(strict.current_user(refused, user_table{}).error() == errc::auth_hash_mismatch);
  if constexpr (crumb::has_sha1<crumb::default_hmac_sha256>) {
    auth::auth_options opts;
    opts.accept_legacy_sha1 = true;
    const authenticator lenient{crumb::key_ring(secret), opts};
    auto s = m.open(legacy.header());
    BOOST_TEST(lenient.current_user(s, user_table{}).value() == "7");
    BOOST_TEST(!s.modified());  // kept as it is: a Django still on SHA-1 reads it
    const auto match = lenient.matching_secret(s.data(), password);
    BOOST_TEST((match && match.legacy_sha1 && match.key == 0u));
    // Not a SHA-1 of another password.
    user_table changed;
    changed.passwords["7"] = "other";
    BOOST_TEST(lenient.current_user(s, changed).error() == errc::auth_hash_mismatch);
  } else {
    auth::auth_options opts;
    opts.accept_legacy_sha1 = true;
    BOOST_CHECK_THROW((authenticator{crumb::key_ring(secret), opts}), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(a_session_that_cannot_be_read_is_not_taken_for_anonymous) {
  // The session lives in a store that is down: current_user says so, and nothing is
  // flushed (the visitor's cookie and data stay).
  faulty_store store;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::spill;
  const crumb::basic_session_manager<crumb::profile::django, faulty_store> m(
      crumb::key_ring(secret), store, settings);
  const crumb::auth::basic_authenticator<faulty_store> a{crumb::key_ring(secret)};
  jar browser;
  {
    auto s = m.open("");
    BOOST_REQUIRE(a.login(s, "7", password) == errc::ok);
    s.set("big", crumb_test::big_text());
    browser.receive(m.commit(s, 200).cookies);
  }
  store.down = true;
  auto s = m.open(browser.header());
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::store_unavailable);
  store.down = false;
  auto back = m.open(browser.header());
  BOOST_TEST(a.current_user(back, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(logout_flushes) {
  const manager m{crumb::key_ring(secret)};
  const authenticator a{crumb::key_ring(secret)};
  auto s = m.open(logged_in(m, a).header());
  auth::logout(s);
  BOOST_TEST(s.empty());
  const auto out = m.commit(s, 200);
  BOOST_REQUIRE(out.cookies.size() == 1u);
  BOOST_TEST(out.cookies[0].deletes());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(revocation)

BOOST_AUTO_TEST_CASE(memory_store) {
  crumb::memory_store store;
  crumb_test::revoke_on_one_refuses_on_both(store, store);
}

// Logins and revocations ride on any profile's session: crumb's own format, and Flask's
// (libcrypto builds), as on Django's.
template <class Profile>
void revocation_under(const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    crumb::memory_store store;
    const crumb::basic_session_manager<Profile, store_type> m{crumb::key_ring(secret)};
    const authenticator a(crumb::key_ring(secret), {}, &store);
    const jar first = logged_in(m, a), second = logged_in(m, a);
    const user_table users;
    auto s = m.open(first.header());
    BOOST_TEST(a.current_user(s, users).value() == "7");
    BOOST_REQUIRE(a.revoke_all("7").has_value());
    for (const jar* browser : {&first, &second}) {
      auto t = m.open(browser->header());
      BOOST_TEST(a.current_user(t, users).error() == errc::revoked);
    }
    user_table changed;
    changed.passwords["7"] = "changed";
    auto fresh = m.open(logged_in(m, a).header());
    BOOST_TEST(a.current_user(fresh, changed).error() == errc::auth_hash_mismatch);
  }
}

BOOST_AUTO_TEST_CASE(every_profile) {
  revocation_under<crumb::profile::native>("native");
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  revocation_under<crumb::profile::flask>("flask");
#endif
}

BOOST_AUTO_TEST_CASE(file_store) {
  const crumb_test::temp_dir dir;
  crumb::file_store store_a(dir.path), store_b(dir.path);
  crumb_test::revoke_on_one_refuses_on_both(store_a, store_b);
  // The generation is in a file: a new process (a new store object) sees it.
  crumb::file_store reopened(dir.path);
  auth::generations<crumb::file_store> g(reopened);
  BOOST_TEST(!g.current("7").value().id.empty());
  BOOST_TEST(g.current("7").value().revoked_at > 0);
  BOOST_TEST(g.current("never revoked").value().id.empty());
}

namespace {
// A clock tests move: the manager copies its clock, so it reads a shared time.
struct movable_clock {
  const crumb::time_point* at;
  crumb::time_point now() const { return *at; }
};
using moving_manager =
    crumb::basic_session_manager<crumb::profile::django, store_type, movable_clock>;

// A session as Django's login leaves it: the three keys, no crumb generation.
std::string django_login(const moving_manager& m) {
  auto s = m.open("");
  s.set(auth::user_id_key, "7");
  s.set(auth::backend_key, auth::model_backend);
  s.set(auth::hash_key, django_hash);
  return "sessionid=" + m.commit(s, 200).cookies.at(0).value;
}
}  // namespace

BOOST_AUTO_TEST_CASE(sessions_without_a_generation_end_at_the_first_revocation) {
  // A session without crumb's generation (Django logged it in) is good until the user's
  // first revocation, and refused after it however recently it was signed: a re-issue
  // (here by a fallback key's re-sign, by save_every_request, or by a write before the
  // check) signs a stolen copy anew, and must not make it pass.
  crumb::memory_store store;
  crumb::time_point now = std::chrono::system_clock::now();
  const moving_manager old_keys{crumb::key_ring("old-secret"), {}, {}, movable_clock{&now}};
  crumb::session_settings every_request;
  every_request.save_every_request = true;
  const crumb::key_ring rotated(secret, {"old-secret"});
  const moving_manager m{rotated, every_request, {}, movable_clock{&now}};
  const authenticator a(rotated, {}, &store);
  const std::string stolen = django_login(old_keys);
  {
    auto s = m.open(stolen);
    BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
    BOOST_TEST(!s.contains(auth::generation_key));  // never revoked: nothing to record
  }
  BOOST_REQUIRE(a.revoke_all("7").has_value());
  now += std::chrono::seconds(5);
  // The thief's requests re-issue the cookie before anything checks the login.
  std::string laundered = stolen;
  {
    auto s = m.open(laundered);
    (void)crumb::csrf::get_token(s);
    const auto out = m.commit(s, 200);
    BOOST_REQUIRE(out.cookies.size() == 1u);
    laundered = "sessionid=" + out.cookies[0].value;
  }
  BOOST_TEST(laundered != stolen);
  for (const std::string& cookie : {stolen, laundered}) {
    auto s = m.open(cookie);
    BOOST_TEST(a.current_user(s, user_table{}).error() == errc::revoked);
    BOOST_TEST(s.empty());
  }
  // Django's next login carries no generation either: refused too, until the user logs
  // in through crumb (or Django's login records the generation).
  const std::string django_again = django_login(m);
  auto s = m.open(django_again);
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::revoked);
  jar browser;
  auto t = m.open(django_again);
  BOOST_REQUIRE(a.login(t, "7", password) == errc::ok);
  browser.receive(m.commit(t, 200).cookies);
  auto u = m.open(browser.header());
  BOOST_TEST(a.current_user(u, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(logging_in_again_does_not_revive_a_revoked_session) {
  // A copy of a stored session's cookie, taken before a revocation, stays dead when its
  // owner logs in again from the same browser: the login flushes a session of an older
  // generation, and renews the identity of any other.
  store_type sessions, revocations;
  crumb::session_settings settings;
  settings.oversize = crumb::oversize_policy::spill;
  const manager m(crumb::key_ring(secret), sessions, settings);
  const authenticator a(crumb::key_ring(secret), {}, &revocations);
  jar browser = logged_in(m, a);
  {
    auto s = m.open(browser.header());
    s.set("big", crumb_test::big_text());
    browser.receive(m.commit(s, 200).cookies);
  }
  const std::string stolen = browser.header();
  BOOST_REQUIRE(a.revoke_all("7").has_value());
  auto s = m.open(stolen);  // the owner logs in again, without a request in between
  BOOST_REQUIRE(a.login(s, "7", password) == errc::ok);
  BOOST_TEST(!s.contains("big"));  // flushed: it was of the older generation
  browser.receive(m.commit(s, 200).cookies);
  auto copy = m.open(stolen);
  BOOST_TEST(!a.current_user(copy, user_table{}).has_value());
  auto own = m.open(browser.header());
  BOOST_TEST(a.current_user(own, user_table{}).value() == "7");

  // The same user, same password, same generation: the data stays, the identity is new.
  {
    auto t = m.open(browser.header());
    t.set("big", crumb_test::big_text());
    browser.receive(m.commit(t, 200).cookies);
  }
  const std::string before = browser.header();
  auto again = m.open(before);
  BOOST_REQUIRE(a.login(again, "7", password) == errc::ok);
  BOOST_TEST(again.contains("big"));
  browser.receive(m.commit(again, 200).cookies);
  BOOST_TEST(m.open(before).empty());
  BOOST_TEST(m.open(browser.header()).contains("big"));
}

BOOST_AUTO_TEST_CASE(a_broken_generation_entry_is_refused_not_ignored) {
  crumb::memory_store store;
  const manager m{crumb::key_ring(secret)};
  const authenticator a(crumb::key_ring(secret), {}, &store);
  const jar browser = logged_in(m, a);
  const std::string id = auth::generations<crumb::memory_store>::entry_id("7");
  for (const std::string bad : {"", "short 5", "aaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaa x",
                                "aaaaaaaaaaaaaaaaaaaaaa -1", "aaaaaaaaaaaaaaaaaaaaaa 5 "}) {
    (void)store.erase(id);
    BOOST_REQUIRE(store.create(id, bad, std::chrono::hours(1)));
    auto s = m.open(browser.header());
    BOOST_TEST(a.current_user(s, user_table{}).error() == errc::malformed, bad);
    BOOST_TEST(!s.modified());
  }
}

BOOST_AUTO_TEST_CASE(a_store_that_cannot_answer_is_reported_not_guessed) {
  faulty_store store;
  const crumb::basic_session_manager<crumb::profile::django, faulty_store> m{
      crumb::key_ring(secret)};
  const crumb::auth::basic_authenticator<faulty_store> a(crumb::key_ring(secret), {}, &store);
  const jar browser = logged_in(m, a);
  store.down = true;
  auto s = m.open(browser.header());
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::store_unavailable);
  BOOST_TEST(!s.modified());  // not flushed: the login may well be good
  BOOST_TEST(!a.revoke_all("7").has_value());
  auto fresh = m.open("");
  fresh.set("kept", 1);
  BOOST_TEST(a.login(fresh, "7", password) == errc::store_unavailable);
  BOOST_TEST(!fresh.contains(auth::user_id_key));  // untouched
  store.down = false;
  auto back = m.open(browser.header());
  BOOST_TEST(a.current_user(back, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(concurrent_logins_and_revocations) {
  // Logins race revocations. Every login that finished before a revocation began is
  // refused once that revocation is over; a login after the last one stays good.
  crumb::memory_store store;
  const manager m{crumb::key_ring(secret)};
  const authenticator a(crumb::key_ring(secret), {}, &store);
  std::atomic<int> revocations_begun{0}, logins_done{0};
  std::atomic<bool> done{false};
  std::vector<std::pair<jar, int>> logins;  // the browser, revocations begun when it logged in
  std::thread revoker([&] {
    // After a first login: on a slow build (sanitizers) all 200 revocations could
    // otherwise end before any login does, and then no login is there to refuse.
    while (logins_done.load() == 0) std::this_thread::yield();
    for (int i = 0; i < 200; ++i) {
      revocations_begun.fetch_add(1);
      BOOST_REQUIRE(a.revoke_all("7").has_value());
    }
    done = true;
  });
  while (!done.load()) {
    jar browser = logged_in(m, a);
    logins.emplace_back(std::move(browser), revocations_begun.load());
    logins_done.fetch_add(1);
  }
  revoker.join();
  int refused = 0;
  for (const auto& [browser, begun] : logins) {
    auto s = m.open(browser.header());
    const auto user = a.current_user(s, user_table{});
    if (begun < 200) {  // a revocation began after this login ended
      BOOST_TEST(user.error() == errc::revoked);
      ++refused;
    }
  }
  BOOST_TEST_MESSAGE(logins.size() << " logins, " << refused << " refused");
  BOOST_TEST(refused > 0);
  const jar last = logged_in(m, a);
  auto s = m.open(last.header());
  BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
}

BOOST_AUTO_TEST_CASE(entry_ids_are_valid_and_distinct) {
  using g = auth::generations<crumb::memory_store>;
  for (const std::string& id : std::vector<std::string>{
           "", "7", "../../etc/passwd", std::string(4096, 'x'), std::string(1, '\0')})
    BOOST_TEST(crumb::valid_store_id(g::entry_id(id)));
  BOOST_TEST(g::entry_id("7") != g::entry_id("8"));
  BOOST_TEST(g::entry_id("7") == g::entry_id("7"));
  crumb::memory_store store;
  const authenticator off{crumb::key_ring(secret)};
  BOOST_TEST(off.revoke_all("7").error() == errc::not_found);  // no store: nothing to revoke
}

BOOST_AUTO_TEST_SUITE_END()

// Against the real Django 3.2 (tests/interop/django_apps_peer.py): one site, one database.
BOOST_AUTO_TEST_SUITE(django_live)

namespace {
using crumb_test::field;

// The site, with the users its tests create.
struct django_site : crumb_test::django_apps_site {
  crumb::value create_user(const std::string& name, const std::string& pw) {
    return ask("create_user", {{"username", name}, {"password", pw}});
  }
  std::string password_field(const std::string& name) {
    return *field(ask("password_hash", {{"username", name}}), "hash")->if_string();
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(logins_cross_both_ways) {
  django_site site;
  const std::string id = *field(site.create_user("ada", "correct horse"), "id")->if_string();
  const manager m{crumb::key_ring(site.secret())};
  const authenticator a{crumb::key_ring(site.secret())};
  const auto lookup = [&](const std::string& uid) -> std::optional<std::string> {
    if (uid != id) return std::nullopt;
    return site.password_field("ada");
  };

  // Django logs ada in; crumb recognises her.
  const crumb::value login =
      site.request("POST", "/auth/login", "", {{"username", "ada"}, {"password", "correct horse"}});
  BOOST_REQUIRE(*field(login, "body", "user")->if_string() == id);
  const std::string django_cookie = crumb_test::session_cookie(login);
  {
    auto s = m.open(django_cookie);
    BOOST_TEST(a.current_user(s, lookup).value() == id);
    BOOST_TEST(!s.modified());
  }

  // crumb logs ada in; Django's request.user is ada.
  std::string crumb_cookie;
  {
    auto s = m.open("");
    BOOST_REQUIRE(a.login(s, id, site.password_field("ada")) == errc::ok);
    const auto out = m.commit(s, 200);
    BOOST_REQUIRE(out.cookies.size() == 1u);
    crumb_cookie = "sessionid=" + out.cookies[0].value;
  }
  BOOST_TEST(
      *field(site.request("GET", "/auth/whoami", crumb_cookie), "body", "user")->if_string() == id);

  // The password changes (on Django's side): both sessions are logged out, on both sides.
  site.ask("set_password", {{"username", "ada"}, {"password", "battery staple"}});
  for (const std::string& cookie : {django_cookie, crumb_cookie}) {
    auto s = m.open(cookie);
    BOOST_TEST(a.current_user(s, lookup).error() == errc::auth_hash_mismatch);
    const crumb::value who = site.request("GET", "/auth/whoami", cookie);
    BOOST_TEST(field(who, "body", "user")->is_null());
    // Django flushed the session too: its cookie is deleted.
    const crumb::value* set = field(who, "set_cookies", "sessionid");
    BOOST_REQUIRE(set != nullptr);
    BOOST_TEST(*set->if_object()->find("max_age")->if_string() == "0");
  }

  // Logged in again by crumb under the new password: Django agrees; Django's logout
  // ends it for crumb too (the flushed cookie carries no user).
  auto s = m.open("");
  BOOST_REQUIRE(a.login(s, id, site.password_field("ada")) == errc::ok);
  const std::string again = "sessionid=" + m.commit(s, 200).cookies.at(0).value;
  BOOST_TEST(*field(site.request("GET", "/auth/whoami", again), "body", "user")->if_string() == id);
  auto check = m.open(again);
  BOOST_TEST(a.current_user(check, lookup).value() == id);
}

BOOST_AUTO_TEST_CASE(a_user_unknown_to_django_or_a_forged_hash_is_refused_by_django) {
  django_site site;
  const std::string id = *field(site.create_user("bob", "pw"), "id")->if_string();
  const manager m{crumb::key_ring(site.secret())};
  const authenticator a{crumb::key_ring(site.secret())};
  // A hash over another password field: Django flushes.
  auto s = m.open("");
  BOOST_REQUIRE(a.login(s, id, "not bob's password field") == errc::ok);
  const std::string cookie = "sessionid=" + m.commit(s, 200).cookies.at(0).value;
  BOOST_TEST(field(site.request("GET", "/auth/whoami", cookie), "body", "user")->is_null());
  // A login hash under another secret: refused as well.
  const manager other_m{crumb::key_ring(site.secret())};
  const authenticator other{crumb::key_ring("another secret")};
  auto t = other_m.open("");
  BOOST_REQUIRE(other.login(t, id, site.password_field("bob")) == errc::ok);
  const std::string forged = "sessionid=" + other_m.commit(t, 200).cookies.at(0).value;
  BOOST_TEST(field(site.request("GET", "/auth/whoami", forged), "body", "user")->is_null());
}

BOOST_AUTO_TEST_SUITE_END()
