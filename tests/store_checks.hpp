// Checks every session store must pass with sessions on top: shared by the store tests
// (memory, file) and the Redis tests.
#pragma once

#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "test_support.hpp"

namespace crumb_test {

using codec_type = fixed_codec<crumb::default_hmac_sha256>;

// Random-looking text that does not compress, so a session holding it spills.
inline std::string big_text(std::size_t n = 6000) {
  std::string s;
  std::uint32_t x = 99;
  while (s.size() < n) {
    x = x * 1664525 + 1013904223;
    s += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(x >> 16) % 62];
  }
  return s;
}

inline constexpr std::int64_t checks_t0 = 1700000000;

// A private directory for a file store, removed (with whatever a test made unreadable in
// it) at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/crumb-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path, ec);
  }
};

// A real store whose reads and writes can be made to fail, as a store does when Redis is
// down or a disk is unreadable: the faults are injected, the data stays.
template <class Inner>
struct flaky_store {
  Inner& inner;
  bool down = false;
  crumb::store_status fault() const { return {crumb::errc::store_unavailable, "injected fault"}; }
  crumb::store_status create(std::string_view id, std::string_view d, std::chrono::seconds t) {
    return down ? fault() : inner.create(id, d, t);
  }
  crumb::store_status update(std::string_view id, std::string_view d, std::chrono::seconds t) {
    return down ? fault() : inner.update(id, d, t);
  }
  crumb::store_status get(std::string_view id, std::string& out) {
    return down ? fault() : inner.get(id, out);
  }
  crumb::store_status erase(std::string_view id) { return down ? fault() : inner.erase(id); }
};

// Two requests of one visitor, interleaved: `early` reads the stored session, then
// `logout` runs to completion; `early` must not write the session back.
template <class Store>
void check_logout_sticks(Store& store) {
  codec_type codec(crumb::key_ring("store-checks-secret-0123456789"), {},
                   crumb::fixed_clock::at_unix(checks_t0));
  crumb::session_settings settings;
  using S = crumb::basic_session<codec_type, Store, crumb::fixed_clock>;
  const auto start = [&](const std::string& header) {
    S s(codec, &store, settings, crumb::fixed_clock::at_unix(checks_t0));
    s.load(header);
    return s;
  };
  S first = start("");
  first.set("user", 7);
  first.set("blob", big_text());
  const std::string cookie = first.save().value().at(0);
  std::string header = cookie.substr(0, cookie.find(';'));

  for (const char* late_action : {"update", "shrink", "cycle_key"}) {
    S early = start(header);  // a second tab, or a slow request, in flight
    BOOST_TEST(early.template get<int>("user").value() == 7);
    S logout = start(header);
    logout.flush();
    const auto out = logout.save().value();
    BOOST_TEST(out.at(0).find("sessionid=; Max-Age=0") == 0u);

    const std::string action = late_action;
    if (action == "update") early.set("visits", 2);
    if (action == "shrink") early.erase("blob");  // would move the data into the cookie
    if (action == "cycle_key") early.cycle_key(), early.set("visits", 2);
    const auto late = early.save();
    BOOST_TEST(!late.has_value(), action);
    BOOST_TEST(late.error() == crumb::errc::session_interrupted, action);
    S replay = start(header);  // the old cookie reaches nothing
    BOOST_TEST(replay.empty(), action);
    BOOST_TEST(replay.load_error() == crumb::errc::not_found, action);

    // Recreate the session for the next round.
    S again = start("");
    again.set("user", 7);
    again.set("blob", big_text());
    const std::string c = again.save().value().at(0);
    header = c.substr(0, c.find(';'));
  }
  // After a logout the same request may start afresh (Django: flush, then a message).
  S fresh = start(header);
  fresh.flush();
  fresh.set("message", std::string("logged out"));
  const auto lines = fresh.save().value();
  BOOST_TEST(lines.at(0).find("sessionid=") == 0u);
  S replay = start(header);
  BOOST_TEST(replay.empty());
}
}  // namespace crumb_test
