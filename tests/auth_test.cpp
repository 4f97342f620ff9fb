#define BOOST_TEST_MODULE auth
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth_checks.hpp"
#include "interop/python_peer.hpp"
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
  a.update_session_hash(s, "changed");
  BOOST_TEST(a.current_user(s, users).value() == "7");
  BOOST_TEST(s.get<int>("cart").value() == 3);  // the session's data stays
  auto elsewhere = m.open(other.header());
  BOOST_TEST(a.current_user(elsewhere, users).error() == errc::auth_hash_mismatch);
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

BOOST_AUTO_TEST_CASE(file_store) {
  const crumb_test::temp_dir dir;
  crumb::file_store store_a(dir.path), store_b(dir.path);
  crumb_test::revoke_on_one_refuses_on_both(store_a, store_b);
  // The generation is in a file: a new process (a new store object) sees it.
  crumb::file_store reopened(dir.path);
  auth::generations<crumb::file_store> g(reopened);
  BOOST_TEST(!g.current("7").value().empty());
  BOOST_TEST(g.current("never revoked").value().empty());
}

BOOST_AUTO_TEST_CASE(sessions_logged_in_by_django_are_revoked_too) {
  // A session without crumb's generation (Django logged it in) is good until the first
  // revocation, and refused after it.
  crumb::memory_store store;
  const manager m{crumb::key_ring(secret)};
  const authenticator a(crumb::key_ring(secret), {}, &store);
  auto s = m.open("");
  s.set(auth::user_id_key, "7");
  s.set(auth::backend_key, auth::model_backend);
  s.set(auth::hash_key, django_hash);
  BOOST_TEST(a.current_user(s, user_table{}).value() == "7");
  BOOST_REQUIRE(a.revoke_all("7").has_value());
  BOOST_TEST(a.current_user(s, user_table{}).error() == errc::revoked);
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

BOOST_AUTO_TEST_CASE(concurrent_revocations_miss_no_session) {
  // Logins and revocations race; every session that logged in before the last
  // revocation finished is refused afterwards.
  crumb::memory_store store;
  const manager m{crumb::key_ring(secret)};
  const authenticator a(crumb::key_ring(secret), {}, &store);
  std::vector<jar> before;
  for (int i = 0; i < 8; ++i) before.push_back(logged_in(m, a));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) BOOST_REQUIRE(a.revoke_all("7").has_value());
    });
  for (auto& t : threads) t.join();
  for (const jar& browser : before) {
    auto s = m.open(browser.header());
    BOOST_TEST(a.current_user(s, user_table{}).error() == errc::revoked);
  }
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
struct django_site {
  crumb_test::live_python_peer peer{CRUMB_DJANGO_APPS_PEER, "python3-django"};
  std::string secret = *peer.banner().if_object()->find("secret")->if_string();

  crumb::value create_user(const std::string& name, const std::string& pw) {
    return peer.ask(R"({"op":"create_user","username":")" + name + R"(","password":")" + pw +
                    "\"}");
  }
  std::string password_field(const std::string& name) {
    return *peer.ask(R"({"op":"password_hash","username":")" + name + "\"}")
                .if_object()
                ->find("hash")
                ->if_string();
  }
  // A request to the site with `cookie`; the answer's body and its session cookie.
  crumb::value request(const std::string& method, const std::string& path,
                       const std::string& cookie, const std::string& data = "{}") {
    return peer.ask(R"({"op":"request","method":")" + method + R"(","path":")" + path +
                    R"(","cookie":")" + cookie + R"(","data":)" + data + "}");
  }
};

const crumb::value* field(const crumb::value& v, std::string_view path1,
                          std::string_view path2 = {}) {
  const crumb::value* at = v.if_object()->find(path1);
  if (at != nullptr && !path2.empty()) at = at->if_object()->find(path2);
  return at;
}
}  // namespace

BOOST_AUTO_TEST_CASE(logins_cross_both_ways) {
  django_site site;
  const std::string id = *field(site.create_user("ada", "correct horse"), "id")->if_string();
  const manager m{crumb::key_ring(site.secret)};
  const authenticator a{crumb::key_ring(site.secret)};
  const auto lookup = [&](const std::string& uid) -> std::optional<std::string> {
    if (uid != id) return std::nullopt;
    return site.password_field("ada");
  };

  // Django logs ada in; crumb recognises her.
  const crumb::value login =
      site.request("POST", "/auth/login", "", R"({"username":"ada","password":"correct horse"})");
  BOOST_REQUIRE(*field(login, "body", "user")->if_string() == id);
  const std::string django_cookie =
      "sessionid=" +
      *field(login, "set_cookies", "sessionid")->if_object()->find("value")->if_string();
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
  site.peer.ask(R"({"op":"set_password","username":"ada","password":"battery staple"})");
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
  const manager m{crumb::key_ring(site.secret)};
  const authenticator a{crumb::key_ring(site.secret)};
  // A hash over another password field: Django flushes.
  auto s = m.open("");
  BOOST_REQUIRE(a.login(s, id, "not bob's password field") == errc::ok);
  const std::string cookie = "sessionid=" + m.commit(s, 200).cookies.at(0).value;
  BOOST_TEST(field(site.request("GET", "/auth/whoami", cookie), "body", "user")->is_null());
  // A login hash under another secret: refused as well.
  const manager other_m{crumb::key_ring(site.secret)};
  const authenticator other{crumb::key_ring("another secret")};
  auto t = other_m.open("");
  BOOST_REQUIRE(other.login(t, id, site.password_field("bob")) == errc::ok);
  const std::string forged = "sessionid=" + other_m.commit(t, 200).cookies.at(0).value;
  BOOST_TEST(field(site.request("GET", "/auth/whoami", forged), "body", "user")->is_null());
}

BOOST_AUTO_TEST_SUITE_END()
