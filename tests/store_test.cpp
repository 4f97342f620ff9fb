#define BOOST_TEST_MODULE store
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "store_checks.hpp"
#include "test_support.hpp"

using crumb::errc;
using namespace std::chrono_literals;

namespace {
const crumb::time_point t0{std::chrono::seconds(1700000000)};

std::string id(int n) {  // a valid id, distinct per n
  std::string s = "id_" + std::to_string(n);
  return s + std::string(20 - s.size(), 'x');
}

std::string read_back(auto& store, const std::string& key) {
  std::string out;
  const crumb::store_status s = store.get(key, out);
  return s ? out : "<" + std::string(crumb::name(s.code())) + ">";
}

// The contract every store keeps.
template <class Store>
void check_contract(Store& store) {
  std::string out;
  BOOST_TEST(read_back(store, id(1)) == "<not_found>");
  BOOST_TEST(store.create(id(1), "data one", 60s).ok());
  BOOST_TEST(read_back(store, id(1)) == "data one");
  const crumb::store_status taken = store.create(id(1), "other", 60s);  // never overwrites
  BOOST_TEST(taken.code() == errc::store_unavailable);
  BOOST_TEST(taken.cause() == "id already in use");
  BOOST_TEST(store.update(id(1), std::string("bin\0ary\n", 8), 60s).ok());
  BOOST_TEST(read_back(store, id(1)) == std::string("bin\0ary\n", 8));
  BOOST_TEST(store.erase(id(1)).ok());
  BOOST_TEST(store.erase(id(1)).code() == errc::not_found);  // says it was not there
  BOOST_TEST(read_back(store, id(1)) == "<not_found>");
  // An erased entry is never written back by an update.
  BOOST_TEST(store.update(id(1), "resurrected?", 60s).code() == errc::not_found);
  BOOST_TEST(read_back(store, id(1)) == "<not_found>");

  // TTL: alive up to the second before expiry, gone at it; an expired entry is not updated.
  BOOST_TEST(store.create(id(2), "short", 10s).ok());
  store.clock().at = t0 + 9s;
  BOOST_TEST(read_back(store, id(2)) == "short");
  store.clock().at = t0 + 10s;
  BOOST_TEST(read_back(store, id(2)) == "<not_found>");
  BOOST_TEST(store.update(id(2), "too late", 10s).code() == errc::not_found);
  // Expired, not swept yet: the id is free for create() too (regression: file_store
  // refused it as "in use" until a sweep), and the count holds it once.
  BOOST_TEST(store.create(id(2), "again", 10s).ok());
  BOOST_TEST(read_back(store, id(2)) == "again");
  BOOST_TEST(store.size() == 1u);
  BOOST_TEST(store.erase(id(2)).ok());
  BOOST_TEST(store.size() == 0u);
  store.clock().at = t0;

  // A TTL no clock can add without overflowing is held at the end of time, not wrapped.
  BOOST_TEST(store.create(id(3), "forever", std::chrono::seconds::max()).ok());
  store.clock().at = t0 + std::chrono::hours(24 * 365 * 200);
  BOOST_TEST(read_back(store, id(3)) == "forever");
  store.clock().at = t0;
  BOOST_TEST(store.erase(id(3)).ok());

  // One entry past its limit is refused.
  const std::string big(store.limits().max_entry_bytes + 1, 'b');
  BOOST_TEST(store.create(id(4), big, 60s).code() == errc::too_large);
  BOOST_TEST(store.create(id(4), "ok", 60s).ok());
  BOOST_TEST(store.update(id(4), big, 60s).code() == errc::too_large);
  BOOST_TEST(read_back(store, id(4)) == "ok");
  BOOST_TEST(store.erase(id(4)).ok());

  // Ids that could name a path, or anything else odd, are refused.
  for (const std::string& bad :
       std::vector<std::string>{"../../etc/passwd", "..", "a/b/cccccccccccccccccc", "", "short",
                                std::string(129, 'a'), "id with spaces xxxxxx",
                                std::string("nul\0inside-xxxxxxxxx", 20), ".hidden-xxxxxxxxxxxx"}) {
    BOOST_TEST(store.create(bad, "x", 60s).code() == errc::malformed, bad);
    BOOST_TEST(store.update(bad, "x", 60s).code() == errc::malformed, bad);
    BOOST_TEST(store.get(bad, out).code() == errc::malformed, bad);
    BOOST_TEST(store.erase(bad).code() == errc::malformed, bad);
  }
}

// The store at its limits refuses new entries (store_full) and keeps every live one; an
// expired entry is dropped to make room.
template <class Store>
void check_limits(Store& store) {
  const std::string kib(1000, 'k');
  BOOST_TEST(store.create(id(0), "a visitor's live session", 3600s).ok());
  BOOST_TEST(store.create(id(1), kib, 5s).ok());  // soon expired
  int created = 2;
  for (int i = 2; i < 100; ++i) {
    const crumb::store_status s = store.create(id(i), kib, 3600s);
    if (!s) {
      BOOST_TEST(s.code() == errc::store_full);
      BOOST_TEST(!s.cause().empty());
      break;
    }
    ++created;
  }
  BOOST_TEST(created < 100);
  for (int i = 0; i < 50; ++i)  // a flood gets nowhere, and evicts no one
    BOOST_TEST(store.create(id(1000 + i), kib, 3600s).code() == errc::store_full);
  BOOST_TEST(read_back(store, id(0)) == "a visitor's live session");
  BOOST_TEST(store.update(id(0), "still updatable in place", 3600s).ok());
  store.clock().at = t0 + 10s;  // id(1) expires: its room is reused first
  BOOST_TEST(store.create(id(2000), kib, 3600s).ok());
  BOOST_TEST(read_back(store, id(0)) == "still updatable in place");
  store.clock().at = t0;
}

// Runs `check` in a child process that, when this one is root, has dropped to `nobody`:
// file permissions only bind a user that is not root. The child's verdict is its status.
bool as_unprivileged(const std::filesystem::path& dir, const std::function<bool()>& check) {
  if (::geteuid() == 0 && ::chown(dir.c_str(), 65534, 65534) != 0) return false;
  const pid_t child = fork();
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) _exit(3);
    _exit(check() ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
  crumb::basic_memory_store<crumb::fixed_clock> store({}, crumb::fixed_clock{t0});
  check_contract(store);
}

BOOST_AUTO_TEST_CASE(memory_store_limits) {
  crumb::store_limits limits;
  limits.max_bytes = 40'000;
  crumb::basic_memory_store<crumb::fixed_clock> by_bytes(limits, crumb::fixed_clock{t0});
  check_limits(by_bytes);
  BOOST_TEST(by_bytes.bytes() <= 40'000u);
  limits = {};
  limits.max_entries = 30;
  crumb::basic_memory_store<crumb::fixed_clock> by_count(limits, crumb::fixed_clock{t0});
  check_limits(by_count);
  BOOST_TEST(by_count.size() <= 30u);
}

// Regression: 1,030 anonymous 64 KiB entries used to evict an idle visitor (LRU).
BOOST_AUTO_TEST_CASE(memory_store_flood_evicts_no_live_session) {
  crumb::basic_memory_store<crumb::fixed_clock> store({}, crumb::fixed_clock{t0});
  BOOST_TEST(store.create(id(1), "idle visitor", 3600s).ok());
  const std::string blob(64 * 1024 - 64, 'x');
  int full = 0;
  for (int i = 0; i < 1030; ++i)
    full += store.create(crumb::new_store_id(), blob, 3600s).code() == errc::store_full;
  BOOST_TEST(full > 0);
  BOOST_TEST(read_back(store, id(1)) == "idle visitor");
}

BOOST_AUTO_TEST_CASE(memory_store_sweep) {
  crumb::basic_memory_store<crumb::fixed_clock> store({}, crumb::fixed_clock{t0});
  BOOST_TEST(store.create(id(1), "a", 5s).ok());
  BOOST_TEST(store.create(id(2), "b", 500s).ok());
  store.clock().at = t0 + 60s;
  BOOST_TEST(store.sweep() == 1u);
  BOOST_TEST(store.size() == 1u);
  BOOST_TEST(store.bytes() == id(2).size() + 1);
}

BOOST_AUTO_TEST_CASE(memory_store_under_threads) {
  crumb::memory_store store;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = id(t * 10000 + i % 50);
        const std::string data = std::to_string(t) + ":" + std::to_string(i);
        if (!store.update(key, data, 60s) && !store.create(key, data, 60s)) ++failures;
        std::string back;
        if (!store.get(key, back) || back != data) ++failures;  // only this thread writes key
        if (i % 7 == 0 && !store.erase(key)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(store.size() <= 200u);
}

BOOST_AUTO_TEST_CASE(file_store_contract) {
  crumb_test::temp_dir dir;
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path / "sessions", {},
                                                    crumb::fixed_clock{t0});
  check_contract(store);
  // Nothing escaped the directory, and no temporary files are left behind.
  for (const auto& f : std::filesystem::directory_iterator(dir.path))
    BOOST_TEST(f.path().filename() == "sessions");
  for (const auto& f : std::filesystem::directory_iterator(dir.path / "sessions"))
    BOOST_TEST((f.path().extension() == ".session" || f.path().filename() == ".usage"));
}

// Regression: max_entry_bytes + 32 wrapped for "no limit" (SIZE_MAX): every entry over 31
// bytes read back as malformed.
BOOST_AUTO_TEST_CASE(file_store_without_an_entry_limit_reads_back) {
  crumb_test::temp_dir dir;
  crumb::store_limits limits;
  limits.max_entry_bytes = std::numeric_limits<std::size_t>::max();
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path / "s", limits, crumb::fixed_clock{t0});
  const std::string data(5000, 'd');
  BOOST_TEST(store.create(id(1), data, 60s).ok());
  BOOST_TEST(read_back(store, id(1)) == data);
}

BOOST_AUTO_TEST_CASE(file_store_is_private) {
  crumb_test::temp_dir dir;
  crumb::file_store store(dir.path / "new");
  struct stat st {};
  BOOST_REQUIRE(::stat((dir.path / "new").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  BOOST_TEST(store.create(id(1), "secret", 60s).ok());
  BOOST_REQUIRE(::stat((dir.path / "new" / (id(1) + ".session")).c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);

  // Others may write here: refused.
  std::filesystem::create_directory(dir.path / "open");
  ::chmod((dir.path / "open").c_str(), 0777);
  BOOST_CHECK_THROW(crumb::file_store(dir.path / "open"), std::system_error);
  ::chmod((dir.path / "open").c_str(), 0770);
  BOOST_CHECK_THROW(crumb::file_store(dir.path / "open"), std::system_error);
  // Another user's directory: refused.
  if (::geteuid() == 0) {
    std::filesystem::create_directory(dir.path / "theirs");
    BOOST_REQUIRE(::chown((dir.path / "theirs").c_str(), 65534, 65534) == 0);
    BOOST_CHECK_THROW(crumb::file_store(dir.path / "theirs"), std::system_error);
  } else {
    BOOST_CHECK_THROW(crumb::file_store("/usr"), std::system_error);
  }
  // Not a directory: refused.
  std::ofstream(dir.path / "file") << "x";
  BOOST_CHECK_THROW(crumb::file_store(dir.path / "file"), std::system_error);
}

BOOST_AUTO_TEST_CASE(file_store_limits) {
  crumb_test::temp_dir dir;
  crumb::store_limits limits;
  limits.max_bytes = 40'000;
  crumb::basic_file_store<crumb::fixed_clock> by_bytes(dir.path / "a", limits,
                                                       crumb::fixed_clock{t0});
  check_limits(by_bytes);
  limits = {};
  limits.max_entries = 30;
  crumb::basic_file_store<crumb::fixed_clock> by_count(dir.path / "b", limits,
                                                       crumb::fixed_clock{t0});
  check_limits(by_count);
}

void check_limits_across_processes();

// Regression: each process counted on its own, so six processes could fill a directory
// to nearly three times its limit. The count is shared now. Regression too: a recount by
// one process missed an entry another had reserved but not yet renamed into place, and
// let one more in (101 of 100, seen under ASan); a create now holds the count's lock
// until its file is there. Four rounds, as the window is narrow.
BOOST_AUTO_TEST_CASE(file_store_limits_hold_across_processes) {
  for (int round = 0; round < 4; ++round) check_limits_across_processes();
}

void check_limits_across_processes() {
  crumb_test::temp_dir dir;
  crumb::store_limits limits;
  limits.max_entries = 100;
  { crumb::file_store create_it(dir.path / "s", limits); }
  std::vector<pid_t> children;
  for (int p = 0; p < 6; ++p) {
    const pid_t child = fork();
    if (child == 0) {
      crumb::file_store store(dir.path / "s", limits);
      int refused = 0;
      for (int i = 0; i < 49; ++i)
        refused += store.create(id(p * 1000 + i), "x", 3600s).code() == errc::store_full;
      _exit(refused > 49 ? 1 : 0);
    }
    children.push_back(child);
  }
  for (const pid_t child : children) waitpid(child, nullptr, 0);
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.path / "s"))
    files += f.path().extension() == ".session";
  BOOST_TEST(files == 100u);
  crumb::file_store store(dir.path / "s", limits);
  BOOST_TEST(store.size() == 100u);
  BOOST_TEST(store.sweep() == 0u);
  BOOST_TEST(store.size() == 100u);  // the recount agrees with the shared count
}

BOOST_AUTO_TEST_CASE(file_store_sweeps_expired_entries) {
  crumb_test::temp_dir dir;
  crumb::basic_file_store<crumb::fixed_clock> store(dir.path / "s", {}, crumb::fixed_clock{t0});
  BOOST_TEST(store.create(id(1), "a", 5s).ok());
  BOOST_TEST(store.create(id(2), "b", 500s).ok());
  store.clock().at = t0 + 60s;
  BOOST_TEST(store.sweep() == 1u);
  BOOST_TEST(!std::filesystem::exists(dir.path / "s" / (id(1) + ".session")));
  BOOST_TEST(read_back(store, id(2)) == "b");
  BOOST_TEST(store.size() == 1u);
}

BOOST_AUTO_TEST_CASE(file_store_refuses_damaged_files) {
  crumb_test::temp_dir dir;
  crumb::file_store store(dir.path / "s");
  std::ofstream(dir.path / "s" / (id(1) + ".session")) << "not a number\nxx";
  std::string out;
  BOOST_TEST(store.get(id(1), out).code() == errc::malformed);
}

// Regression: a file that is there but cannot be read was reported as not_found, so the
// session came up empty and the next save replaced it.
BOOST_AUTO_TEST_CASE(file_store_unreadable_is_unavailable_not_gone) {
  crumb_test::temp_dir dir;
  std::string out;
  {
    crumb::file_store store(dir.path / "s");
    const std::filesystem::path entry = dir.path / "s" / (id(1) + ".session");
    std::filesystem::create_directory(entry);  // something that is not a file
    const crumb::store_status s = store.get(id(1), out);
    BOOST_TEST(s.code() == errc::store_unavailable);
    BOOST_TEST(s.cause().find("not a regular file") != std::string::npos);
    std::filesystem::remove(entry);
    std::filesystem::create_symlink("/etc/passwd", entry);  // never followed
    BOOST_TEST(store.get(id(1), out).code() == errc::store_unavailable);
  }
  // Permissions bind only a user that is not root: the check runs as one.
  const bool ok = as_unprivileged(dir.path, [&] {
    crumb::file_store store(dir.path / "mine");
    if (!store.create(id(2), "data", 60s)) return false;
    const auto file = dir.path / "mine" / (id(2) + ".session");
    ::chmod(file.c_str(), 0);
    std::string got;
    const crumb::store_status s = store.get(id(2), got);
    if (s.code() != errc::store_unavailable) return false;
    if (s.cause().find("Permission denied") == std::string::npos) return false;
    ::chmod(file.c_str(), 0600);
    if (!store.get(id(2), got) || got != "data") return false;
    // A directory that cannot be searched: still "cannot tell", never "gone".
    ::chmod((dir.path / "mine").c_str(), 0);
    const crumb::store_status d = store.get(id(2), got);
    ::chmod((dir.path / "mine").c_str(), 0700);
    if (d.code() != errc::store_unavailable) return false;
    // A read-only directory: writes fail with the cause, reads still work.
    ::chmod((dir.path / "mine").c_str(), 0500);
    const crumb::store_status w = store.create(id(3), "x", 60s);
    const crumb::store_status u = store.update(id(2), "y", 60s);
    ::chmod((dir.path / "mine").c_str(), 0700);
    return w.code() == errc::store_unavailable && !w.cause().empty() &&
           u.code() == errc::store_unavailable && store.get(id(2), got) && got == "data";
  });
  BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(file_store_reports_a_vanished_directory) {
  crumb_test::temp_dir dir;
  crumb::file_store store(dir.path / "d");
  std::filesystem::remove_all(dir.path / "d");  // the directory vanishes under the store
  const crumb::store_status s = store.create(id(1), "x", 60s);
  BOOST_TEST(s.code() == errc::store_unavailable);
  BOOST_TEST(s.cause().find("No such file or directory") != std::string::npos);
}

// Two processes share one directory: each writes its own keys and reads the other's,
// while both rewrite one shared key; a reader only ever sees a whole value, and an update
// never brings back the key after the other process erased it.
BOOST_AUTO_TEST_CASE(file_store_across_two_processes) {
  crumb_test::temp_dir dir;
  const std::string a(3000, 'A'), b(5000, 'B');
  crumb::file_store store(dir.path / "s");
  BOOST_REQUIRE(store.create(id(1), a, 60s).ok());
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    crumb::file_store mine(dir.path / "s");
    int bad = 0;
    for (int i = 0; i < 300; ++i) {
      const crumb::store_status s = mine.update(id(1), a, 60s);
      bad += !s && s.code() != errc::not_found;
      bad += !mine.create(id(100 + i), "child", 60s);
      std::string shared;
      bad += mine.get(id(1), shared) && shared != a && shared != b;
    }
    _exit(bad == 0 ? 0 : 1);
  }
  int torn = 0;
  for (int i = 0; i < 300; ++i) {
    const crumb::store_status s = store.update(id(1), b, 60s);
    BOOST_REQUIRE((s.ok() || s.code() == errc::not_found));
    std::string shared;
    torn += store.get(id(1), shared) && shared != a && shared != b;
  }
  BOOST_TEST(store.erase(id(1)).ok());
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(torn == 0);
  BOOST_TEST(read_back(store, id(399)) == "child");      // written by the other process
  BOOST_TEST(read_back(store, id(1)) == "<not_found>");  // and never brought back
}

BOOST_AUTO_TEST_SUITE_END()
