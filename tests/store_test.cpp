#define BOOST_TEST_MODULE store
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
const crumb::time_point t0{std::chrono::seconds(1700000000)};

std::string id(int n) {  // a valid id, distinct per n
  std::string s = "id_" + std::to_string(n);
  return s + std::string(20 - s.size(), 'x');
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/crumb-store-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

// The behaviour both stores share.
template <class Store>
void check_basic_contract(Store& store) {
  BOOST_TEST(store.get(id(1)).error() == errc::not_found);
  BOOST_TEST(store.put(id(1), "data one", 60s) == errc::ok);
  BOOST_TEST(store.get(id(1)).value() == "data one");
  BOOST_TEST(store.put(id(1), std::string("bin\0ary\n", 8), 60s) == errc::ok);  // overwrite
  BOOST_TEST(store.get(id(1)).value() == std::string("bin\0ary\n", 8));
  BOOST_TEST(store.erase(id(1)) == errc::ok);
  BOOST_TEST(store.erase(id(1)) == errc::ok);  // absent: fine
  BOOST_TEST(store.get(id(1)).error() == errc::not_found);

  // TTL: alive up to the second before expiry, gone at it.
  BOOST_TEST(store.put(id(2), "short", 10s) == errc::ok);
  store.clock().at = t0 + 9s;
  BOOST_TEST(store.get(id(2)).has_value());
  store.clock().at = t0 + 10s;
  BOOST_TEST(store.get(id(2)).error() == errc::not_found);
  store.clock().at = t0;

  // Ids that could name a path, or anything else odd, are refused.
  for (const std::string& bad : std::vector<std::string>{"../../etc/passwd", "..", "a/b/cccccccccccccccccc", "",
                                "short", std::string(129, 'a'), "id with spaces xxxxxx",
                                std::string("nul\0inside-xxxxxxxxx", 20), ".hidden-xxxxxxxxxxxx"}) {
    BOOST_TEST(store.put(bad, "x", 60s) == errc::malformed, bad);
    BOOST_TEST(store.get(bad).error() == errc::malformed, bad);
    BOOST_TEST(store.erase(bad) == errc::malformed, bad);
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(ids_are_random_and_well_formed) {
  const std::string a = crumb::new_store_id(), b = crumb::new_store_id();
  BOOST_TEST(a.size() == 43u);
  BOOST_TEST(crumb::valid_store_id(a));
  BOOST_TEST(a != b);
}

BOOST_AUTO_TEST_CASE(memory_store_contract) {
  crumb::basic_memory_store<crumb::fixed_clock> store(1 << 20, crumb::fixed_clock{t0});
  check_basic_contract(store);
}

BOOST_AUTO_TEST_CASE(memory_store_stays_under_its_bound) {
  crumb::basic_memory_store<crumb::fixed_clock> store(10'000, crumb::fixed_clock{t0});
  for (int i = 0; i < 100; ++i) BOOST_TEST(store.put(id(i), std::string(500, 'd'), 60s) == errc::ok);
  BOOST_TEST(store.bytes() <= 10'000u);
  BOOST_TEST(store.size() == 19u);  // 19 x 520 bytes
  BOOST_TEST(store.get(id(99)).has_value());   // the newest stay
  BOOST_TEST(store.get(id(0)).error() == errc::not_found);  // the oldest went first
  BOOST_TEST(store.put(id(1000), std::string(20'000, 'd'), 60s) == errc::too_large);
}

BOOST_AUTO_TEST_CASE(memory_store_evicts_expired_before_recent) {
  crumb::basic_memory_store<crumb::fixed_clock> store(2'000, crumb::fixed_clock{t0});
  BOOST_TEST(store.put(id(1), std::string(500, 'a'), 3600s) == errc::ok);  // long-lived, oldest
  BOOST_TEST(store.put(id(2), std::string(500, 'b'), 5s) == errc::ok);
  BOOST_TEST(store.put(id(3), std::string(500, 'c'), 3600s) == errc::ok);
  BOOST_TEST(store.get(id(1)).has_value());  // now recently used
  store.clock().at = t0 + 10s;
  BOOST_TEST(store.put(id(4), std::string(500, 'd'), 3600s) == errc::ok);
  BOOST_TEST(store.get(id(1)).has_value());
  BOOST_TEST(store.get(id(3)).has_value());
  BOOST_TEST(store.get(id(4)).has_value());
}

BOOST_AUTO_TEST_CASE(memory_store_under_threads) {
  crumb::memory_store store(1 << 20);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = id(t * 10000 + i % 50);
        const std::string data = std::to_string(t) + ":" + std::to_string(i);
        if (store.put(key, data, 60s) != errc::ok) ++failures;
        const auto back = store.get(key);  // only this thread writes this key
        if (!back || *back != data) ++failures;
        if (i % 7 == 0 && store.erase(key) != errc::ok) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(store.size() <= 200u);
}

BOOST_AUTO_TEST_CASE(file_store_contract) {
  temp_dir dir;
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path / "sessions", crumb::fixed_clock{t0});
  check_basic_contract(store);
  // Nothing escaped the directory, and no temporary files are left behind.
  for (const auto& f : std::filesystem::directory_iterator(dir.path))
    BOOST_TEST(f.path().filename() == "sessions");
  for (const auto& f : std::filesystem::directory_iterator(dir.path / "sessions"))
    BOOST_TEST(f.path().extension() == ".session");
}

BOOST_AUTO_TEST_CASE(file_store_sweeps_expired_entries) {
  temp_dir dir;
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path, crumb::fixed_clock{t0});
  BOOST_TEST(store.put(id(1), "a", 5s) == errc::ok);
  BOOST_TEST(store.put(id(2), "b", 500s) == errc::ok);
  store.clock().at = t0 + 60s;
  BOOST_TEST(store.sweep() == 1u);
  BOOST_TEST(!std::filesystem::exists(dir.path / (id(1) + ".session")));
  BOOST_TEST(store.get(id(2)).value() == "b");
}

BOOST_AUTO_TEST_CASE(file_store_refuses_damaged_files) {
  temp_dir dir;
  crumb::file_store store(dir.path);
  std::ofstream(dir.path / (id(1) + ".session")) << "not a number\nxx";
  BOOST_TEST(store.get(id(1)).error() == errc::malformed);
}

BOOST_AUTO_TEST_CASE(file_store_reports_an_unwritable_directory) {
  temp_dir dir;
  crumb::file_store store(dir.path / "d");
  std::filesystem::remove_all(dir.path / "d");  // the directory vanishes under the store
  BOOST_TEST(store.put(id(1), "x", 60s) == errc::store_unavailable);
}

// Two processes share one directory: each writes its own keys and reads the other's,
// while both rewrite one shared key; a reader only ever sees a whole value.
BOOST_AUTO_TEST_CASE(file_store_across_two_processes) {
  temp_dir dir;
  const std::string a(3000, 'A'), b(5000, 'B');
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    crumb::file_store store(dir.path);
    int bad = 0;
    for (int i = 0; i < 300; ++i) {
      bad += store.put(id(1), a, 60s) != errc::ok;
      bad += store.put(id(100 + i), "child", 60s) != errc::ok;
      const auto shared = store.get(id(1));
      bad += shared && *shared != a && *shared != b;
    }
    _exit(bad == 0 ? 0 : 1);
  }
  crumb::file_store store(dir.path);
  int torn = 0;
  for (int i = 0; i < 300; ++i) {
    BOOST_REQUIRE(store.put(id(1), b, 60s) == errc::ok);
    const auto shared = store.get(id(1));
    torn += shared && *shared != a && *shared != b;
  }
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(torn == 0);
  BOOST_TEST(store.get(id(399)).value() == "child");  // written by the other process
}

BOOST_AUTO_TEST_SUITE_END()
