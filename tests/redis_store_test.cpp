#define BOOST_TEST_MODULE redis_store
#include <boost/test/unit_test.hpp>

#include <crumb/store/redis.hpp>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

// Runs against a real redis-server that tests/redis_test.sh starts on CRUMB_REDIS_PORT.
using crumb::errc;
using namespace std::chrono_literals;

namespace {
crumb::redis_store::options redis_options() {
  crumb::redis_store::options opts;
  const char* port = std::getenv("CRUMB_REDIS_PORT");
  BOOST_REQUIRE_MESSAGE(port != nullptr, "run through tests/redis_test.sh (needs redis-server)");
  opts.port = std::atoi(port);
  opts.prefix = "crumb-test:" + crumb::new_store_id().substr(0, 8) + ":";
  return opts;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(redis_store)

BOOST_AUTO_TEST_CASE(contract) {
  crumb::redis_store store(redis_options());
  const std::string id = crumb::new_store_id();
  BOOST_TEST(store.get(id).error() == errc::not_found);
  BOOST_TEST(store.put(id, std::string("bin\0ary", 7), 60s) == errc::ok);
  BOOST_TEST(store.get(id).value() == std::string("bin\0ary", 7));
  BOOST_TEST(store.put(id, "second", 60s) == errc::ok);
  BOOST_TEST(store.get(id).value() == "second");
  BOOST_TEST(store.erase(id) == errc::ok);
  BOOST_TEST(store.erase(id) == errc::ok);
  BOOST_TEST(store.get(id).error() == errc::not_found);
  for (const char* bad : {"../../etc/passwd", "", "short", "has space xxxxxxxxxxxxx"}) {
    BOOST_TEST(store.put(bad, "x", 60s) == errc::malformed);
    BOOST_TEST(store.get(bad).error() == errc::malformed);
  }
}

BOOST_AUTO_TEST_CASE(entries_expire) {
  crumb::redis_store store(redis_options());
  const std::string id = crumb::new_store_id();
  BOOST_TEST(store.put(id, "short-lived", 1s) == errc::ok);
  BOOST_TEST(store.get(id).has_value());
  std::this_thread::sleep_for(2100ms);
  BOOST_TEST(store.get(id).error() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(unreachable_redis_is_an_error_value) {
  crumb::redis_store::options opts = redis_options();
  opts.port = 1;  // nothing listens there
  opts.timeout = 200ms;
  crumb::redis_store store(opts);
  const std::string id = crumb::new_store_id();
  BOOST_TEST(store.put(id, "x", 60s) == errc::store_unavailable);
  BOOST_TEST(store.get(id).error() == errc::store_unavailable);
  BOOST_TEST(store.erase(id) == errc::store_unavailable);
}

BOOST_AUTO_TEST_CASE(shared_by_threads) {
  crumb::redis_store store(redis_options());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = crumb::new_store_id();
      for (int i = 0; i < 200; ++i) {
        const std::string data = std::to_string(t) + ":" + std::to_string(i);
        if (store.put(id, data, 60s) != errc::ok) ++failures;
        const auto back = store.get(id);
        if (!back || *back != data) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
}

// Two "machines" (two stores, two codecs) share sessions through Redis.
BOOST_AUTO_TEST_CASE(sessions_spill_to_redis) {
  const auto opts = redis_options();
  crumb::redis_store store_a(opts), store_b(opts);
  crumb::django_codec codec_a(crumb::key_ring("shared-secret")), codec_b(crumb::key_ring("shared-secret"));
  crumb::session_settings settings;
  crumb::basic_session<crumb::django_codec, crumb::redis_store> a(codec_a, &store_a, settings);
  a.load("");
  std::string blob;  // random, so it does not compress into the cookie
  for (int i = 0; i < 150; ++i) blob += crumb::new_store_id();
  a.set("blob", blob);
  const auto lines = a.save().value();
  BOOST_REQUIRE(lines.size() == 1u);
  crumb::basic_session<crumb::django_codec, crumb::redis_store> b(codec_b, &store_b, settings);
  b.load(lines[0].substr(0, lines[0].find(';')));
  BOOST_TEST(b.in_store());
  BOOST_TEST(b.get<std::string>("blob").value() == blob);
}

BOOST_AUTO_TEST_SUITE_END()
