#define BOOST_TEST_MODULE redis_store
#include <signal.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <crumb/store/redis.hpp>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "auth_checks.hpp"
#include "store_checks.hpp"
#include "test_support.hpp"

// Runs against a real redis-server that tests/redis_test.sh starts on CRUMB_REDIS_PORT
// (and CRUMB_REDIS_SOCKET), with an ACL user "crumb".
using crumb::errc;
using namespace std::chrono_literals;

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  BOOST_REQUIRE_MESSAGE(v != nullptr, "run through tests/redis_test.sh (needs redis-server)");
  return v;
}

crumb::redis_store::options redis_options() {
  crumb::redis_store::options opts;
  opts.port = std::atoi(env("CRUMB_REDIS_PORT"));
  opts.prefix = "crumb-test:" + crumb::new_store_id().substr(0, 8) + ":";
  return opts;
}

std::string read_back(crumb::redis_store& store, const std::string& id) {
  std::string out;
  const crumb::store_status s = store.get(id, out);
  return s ? out : "<" + std::string(crumb::name(s.code())) + ">";
}

// Stops the server (SIGSTOP) for the scope: connections hang, as with a frozen host.
struct frozen_redis {
  pid_t pid = std::atoi(env("CRUMB_REDIS_PID"));
  frozen_redis() { ::kill(pid, SIGSTOP); }
  ~frozen_redis() { ::kill(pid, SIGCONT); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(redis_store)

BOOST_AUTO_TEST_CASE(contract) {
  crumb::redis_store store(redis_options());
  const std::string id = crumb::new_store_id();
  BOOST_TEST(read_back(store, id) == "<not_found>");
  BOOST_TEST(store.create(id, std::string("bin\0ary", 7), 60s).ok());
  BOOST_TEST(read_back(store, id) == std::string("bin\0ary", 7));
  const crumb::store_status taken = store.create(id, "other", 60s);
  BOOST_TEST(taken.code() == errc::store_unavailable);
  BOOST_TEST(taken.cause() == "id already in use");
  BOOST_TEST(store.update(id, "second", 60s).ok());
  BOOST_TEST(read_back(store, id) == "second");
  BOOST_TEST(store.erase(id).ok());
  BOOST_TEST(store.erase(id).code() == errc::not_found);
  BOOST_TEST(store.update(id, "resurrected?", 60s).code() == errc::not_found);
  BOOST_TEST(read_back(store, id) == "<not_found>");
  std::string out;
  for (const char* bad : {"../../etc/passwd", "", "short", "has space xxxxxxxxxxxxx"}) {
    BOOST_TEST(store.create(bad, "x", 60s).code() == errc::malformed);
    BOOST_TEST(store.update(bad, "x", 60s).code() == errc::malformed);
    BOOST_TEST(store.get(bad, out).code() == errc::malformed);
    BOOST_TEST(store.erase(bad).code() == errc::malformed);
  }
  const std::string big(store.settings().limits.max_entry_bytes + 1, 'b');
  BOOST_TEST(store.create(crumb::new_store_id(), big, 60s).code() == errc::too_large);
}

BOOST_AUTO_TEST_CASE(entries_expire_and_are_not_updated_after) {
  crumb::redis_store store(redis_options());
  const std::string id = crumb::new_store_id();
  BOOST_TEST(store.create(id, "short-lived", 1s).ok());
  BOOST_TEST(read_back(store, id) == "short-lived");
  std::this_thread::sleep_for(2100ms);
  BOOST_TEST(read_back(store, id) == "<not_found>");
  BOOST_TEST(store.update(id, "back?", 60s).code() == errc::not_found);
  BOOST_TEST(store.sweep() == 1u);
}

// Regression: a TTL past Redis's clock was passed on unchanged, and Redis refused it.
BOOST_AUTO_TEST_CASE(a_ttl_past_the_end_of_time_is_held_not_refused) {
  crumb::redis_store store(redis_options());
  const std::string id = crumb::new_store_id();
  BOOST_TEST(store.create(id, "forever", std::chrono::seconds::max()).ok());
  BOOST_TEST(store.update(id, "still", std::chrono::seconds::max()).ok());
  BOOST_TEST(read_back(store, id) == "still");
  BOOST_TEST(store.erase(id).ok());
}

BOOST_AUTO_TEST_CASE(limits_refuse_and_evict_no_one) {
  auto opts = redis_options();
  opts.limits.max_entries = 20;
  crumb::redis_store store(opts);
  const std::string visitor = crumb::new_store_id();
  BOOST_TEST(store.create(visitor, "live", 3600s).ok());
  // Redis' TIME has whole seconds: 2 s of TTL outlive the loop below (well under 1 s).
  BOOST_TEST(store.create(crumb::new_store_id(), "soon gone", 2s).ok());
  int created = 2;
  while (store.create(crumb::new_store_id(), "x", 3600s).ok()) ++created;
  BOOST_TEST(created == 20);
  const crumb::store_status full = store.create(crumb::new_store_id(), "x", 3600s);
  BOOST_TEST(full.code() == errc::store_full);
  BOOST_TEST(full.cause().find("20 entries") != std::string::npos, full.cause());
  BOOST_TEST(read_back(store, visitor) == "live");
  std::this_thread::sleep_for(3100ms);  // the short-lived one expires: its room is reused
  BOOST_TEST(store.create(crumb::new_store_id(), "x", 3600s).ok());

  opts = redis_options();
  opts.limits.max_bytes = 10'000;
  crumb::redis_store by_bytes(opts);
  const std::string id = crumb::new_store_id();
  BOOST_TEST(by_bytes.create(id, std::string(5000, 'a'), 3600s).ok());
  BOOST_TEST(by_bytes.create(crumb::new_store_id(), std::string(5000, 'b'), 3600s).code() ==
             errc::store_full);
  BOOST_TEST(by_bytes.update(id, std::string(9000, 'a'), 3600s).ok());  // grows in place
  BOOST_TEST(by_bytes.update(id, std::string(9999, 'a'), 3600s).code() == errc::store_full);
  BOOST_TEST(by_bytes.erase(id).ok());
  BOOST_TEST(by_bytes.create(crumb::new_store_id(), std::string(9000, 'b'), 3600s).ok());
}

// Regression: an id created again after its entry expired (a store_id_for name) had its
// old size left in the byte count for good: the count grew with every re-creation, until
// the store refused everything with no entry live.
BOOST_AUTO_TEST_CASE(an_id_created_again_after_expiry_is_counted_once) {
  auto opts = redis_options();
  opts.limits.max_bytes = 10'000;
  crumb::redis_store store(opts);
  const std::string named = crumb::store_id_for("ratelimit-", "203.0.113.7");
  BOOST_TEST(store.create(named, std::string(4000, 'a'), 1s).ok());
  std::this_thread::sleep_for(2100ms);
  BOOST_TEST(store.create(named, std::string(4000, 'b'), 1s).ok());
  std::this_thread::sleep_for(2100ms);
  BOOST_TEST(store.sweep() == 1u);  // nothing is live now
  BOOST_TEST(store.create(crumb::new_store_id(), std::string(9000, 'c'), 60s).ok());
}

BOOST_AUTO_TEST_CASE(unreachable_redis_is_an_error_value_with_the_cause) {
  crumb::redis_store::options opts = redis_options();
  opts.port = 1;  // nothing listens there
  opts.timeout = 200ms;
  crumb::redis_store store(opts);
  const std::string id = crumb::new_store_id();
  const crumb::store_status s = store.create(id, "x", 60s);
  BOOST_TEST(s.code() == errc::store_unavailable);
  BOOST_TEST(s.cause().find("Connection refused") != std::string::npos, s.cause());
  std::string out;
  BOOST_TEST(store.get(id, out).code() == errc::store_unavailable);
  BOOST_TEST(store.erase(id).code() == errc::store_unavailable);
}

BOOST_AUTO_TEST_CASE(auth_with_an_acl_user_and_a_unix_socket) {
  auto opts = redis_options();
  opts.username = "crumb";
  opts.password = "crumb-test-password";
  crumb::redis_store tcp(opts);
  const std::string id = crumb::new_store_id();
  BOOST_TEST(tcp.create(id, "over tcp", 60s).ok());

  opts.unix_socket = env("CRUMB_REDIS_SOCKET");
  crumb::redis_store local(opts);
  BOOST_TEST(read_back(local, id) == "over tcp");

  opts.password = "wrong";
  crumb::redis_store refused(opts);
  const crumb::store_status s = refused.create(crumb::new_store_id(), "x", 60s);
  BOOST_TEST(s.code() == errc::store_unavailable);
  BOOST_TEST(s.cause().find("WRONGPASS") != std::string::npos, s.cause());
}

// Regression: one connection behind one lock made 8 requests to a stopped Redis fail one
// after the other (0.5 s, 1.0 s ... 4.1 s). Now each fails within about one timeout, and
// while backing off, at once; when Redis answers again, so does the store.
BOOST_AUTO_TEST_CASE(a_stopped_redis_fails_fast_and_recovers) {
  auto opts = redis_options();
  opts.timeout = 300ms;
  opts.backoff = 500ms;
  crumb::redis_store store(opts);
  const std::string id = crumb::new_store_id();
  BOOST_REQUIRE(store.create(id, "kept", 3600s).ok());
  std::vector<double> seconds(8);
  {
    const frozen_redis frozen;
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seconds.size(); ++i)
      threads.emplace_back([&, i] {
        const auto start = std::chrono::steady_clock::now();
        std::string out;
        const crumb::store_status s = store.get(id, out);
        seconds[i] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s.code() != errc::store_unavailable) seconds[i] = 99;
      });
    for (auto& t : threads) t.join();
    // About one timeout each (0.3 s; slack for a loaded machine); one after the other,
    // the last would take 8 x 0.3 s.
    for (const double s : seconds) BOOST_TEST(s < 1.2, s << " s");
    const auto start = std::chrono::steady_clock::now();
    std::string out;
    BOOST_TEST(store.get(id, out).code() == errc::store_unavailable);  // backing off: at once
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST(took < 0.2);
  }
  std::this_thread::sleep_for(600ms);  // past the back-off: the next call probes
  BOOST_TEST(read_back(store, id) == "kept");
}

BOOST_AUTO_TEST_CASE(shared_by_threads) {
  crumb::redis_store store(redis_options());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = crumb::new_store_id();
      if (!store.create(id, "start", 60s)) ++failures;
      for (int i = 0; i < 200; ++i) {
        const std::string data = std::to_string(t) + ":" + std::to_string(i);
        if (!store.update(id, data, 60s)) ++failures;
        std::string back;
        if (!store.get(id, back) || back != data) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
}

BOOST_AUTO_TEST_CASE(logout_sticks) {
  crumb::redis_store store(redis_options());
  crumb_test::check_logout_sticks(store);
}

// A user's sessions revoked through one connection are refused through another.
BOOST_AUTO_TEST_CASE(revocations_reach_every_process) {
  const auto opts = redis_options();
  crumb::redis_store store_a(opts), store_b(opts);
  crumb_test::revoke_on_one_refuses_on_both(store_a, store_b);
}

// Two "machines" (two stores, two codecs) share sessions through Redis.
BOOST_AUTO_TEST_CASE(sessions_spill_to_redis) {
  const auto opts = redis_options();
  crumb::redis_store store_a(opts), store_b(opts);
  crumb::django_codec codec_a(crumb::key_ring("shared-secret")),
      codec_b(crumb::key_ring("shared-secret"));
  crumb::session_settings settings;
  crumb::basic_session<crumb::django_codec, crumb::redis_store> a(codec_a, &store_a, settings);
  a.load("");
  const std::string blob = crumb_test::big_text();
  a.set("blob", blob);
  const auto lines = a.save().value();
  BOOST_REQUIRE(lines.size() == 1u);
  crumb::basic_session<crumb::django_codec, crumb::redis_store> b(codec_b, &store_b, settings);
  b.load(lines[0].substr(0, lines[0].find(';')));
  BOOST_TEST(b.in_store());
  BOOST_TEST(b.get<std::string>("blob").value() == blob);
}

BOOST_AUTO_TEST_SUITE_END()
