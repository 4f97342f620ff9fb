// redis_store: the session store for many machines, on hiredis. Entries are Redis keys with
// a TTL, so Redis itself expires them; create, update and erase are Lua scripts, so "only
// if absent", "only if still there" and the store's limits hold atomically across every
// server. A small pool of connections; after a failure, calls fail at once for a back-off
// period, then one call probes. TCP or a unix socket, AUTH with a password or an ACL user.
// (Debian 12's hiredis 0.14 has no TLS: reach a remote Redis through a TLS tunnel.)
// Run Redis with `maxmemory-policy noeviction` (its default): an evicting policy could drop
// live sessions or the keys the limits are counted in. Redis Cluster is not supported
// (the scripts touch several keys).
// Optional: needs hiredis (Debian: libhiredis-dev) and linking with -lhiredis.
#pragma once

#if defined(__has_include) && !__has_include(<hiredis/hiredis.h>)
#  error "crumb/store/redis.hpp needs hiredis (Debian: libhiredis-dev): link crumb::redis (CMake), crumb-redis (meson, pkg-config) or -lhiredis"
#endif
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crumb/error.hpp"
#include "crumb/store.hpp"

namespace crumb {

class redis_store {
 public:
  struct options {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string unix_socket;  ///< when set, connect to this socket instead of host:port
    std::string username;     ///< an ACL user (Redis 6+); empty: AUTH with the password alone
    std::string password;     ///< empty: no AUTH
    int database = 0;         ///< SELECT'ed on connect when not 0
    std::chrono::milliseconds timeout{500};  ///< connect, and each command
    std::size_t pool_size = 4;               ///< connections, each used by one call at a time
    /// After a failure to reach Redis, calls fail at once (store_unavailable) for this
    /// long; then one call tries again while the others keep failing fast.
    std::chrono::milliseconds backoff{1000};
    std::string prefix = "crumb:session:";  ///< namespaces the keys
    store_limits limits;                     ///< counted over every key under the prefix
  };

  /// Connects lazily: construction never fails; a call that cannot reach Redis returns
  /// errc::store_unavailable with the cause.
  explicit redis_store(options opts) : opts_(std::move(opts)) {
    opts_.pool_size = std::max<std::size_t>(opts_.pool_size, 1);
    pool_.resize(opts_.pool_size);
    for (std::size_t i = 0; i < opts_.pool_size; ++i) free_.push_back(i);
  }
  redis_store() : redis_store(options{}) {}
  redis_store(const redis_store&) = delete;
  redis_store& operator=(const redis_store&) = delete;

  store_status create(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, opts_.limits); !s) return s;
    return run_script(create_script, id, data, ttl);
  }

  store_status update(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, opts_.limits); !s) return s;
    return run_script(update_script, id, data, ttl);
  }

  store_status get(std::string_view id, std::string& out) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string key = opts_.prefix + std::string(id);
    return call({"GET", key}, [&](const redisReply& r) -> store_status {
      if (r.type == REDIS_REPLY_NIL) return errc::not_found;
      if (r.type != REDIS_REPLY_STRING) return {errc::store_unavailable, "unexpected reply"};
      out.assign(r.str, r.len);
      return {};
    });
  }

  store_status erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    return run_script(erase_script, id, {}, std::chrono::seconds(0));
  }

  /// Forgets expired entries in the index the limits are counted on (Redis has already
  /// dropped their data); returns how many. create() does it too when at a limit.
  std::size_t sweep() {
    std::size_t removed = 0;
    (void)call({"EVAL", std::string(purge_lua) + std::string(sweep_script), "4",
                opts_.prefix + "@sweep", index_key(), sizes_key(), bytes_key()},
               [&](const redisReply& r) -> store_status {
                 if (r.type == REDIS_REPLY_INTEGER) removed = static_cast<std::size_t>(r.integer);
                 return {};
               });
    return removed;
  }

  const options& settings() const noexcept { return opts_; }

 private:
  struct context_deleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
  };
  struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
  };
  using context = std::unique_ptr<redisContext, context_deleter>;
  using reply = std::unique_ptr<redisReply, reply_deleter>;

  // KEYS: entry, index (zset id -> expiry), sizes (hash id -> bytes), total bytes.
  // ARGV: id, data, ttl, max_entries, max_bytes. Time is Redis's own (TIME), the clock
  // its key expiry runs on. Expired entries leave the index first, a batch at a time.
  static constexpr std::string_view purge_lua = R"lua(
local now = tonumber(redis.call('TIME')[1])
local function purge(limit)
  local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(old) do
    local size = tonumber(redis.call('HGET', KEYS[3], id) or '0')
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZREM', KEYS[2], id)
    redis.call('DECRBY', KEYS[4], size)
  end
  return #old
end
local function used() return redis.call('ZCARD', KEYS[2]), tonumber(redis.call('GET', KEYS[4]) or '0') end
)lua";
  static constexpr std::string_view create_script = R"lua(
local size = #ARGV[1] + #ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then
  local stale = redis.call('HGET', KEYS[3], ARGV[1])
  if stale then  -- the id's entry expired, its count not yet purged: forget it first
    redis.call('HDEL', KEYS[3], ARGV[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('DECRBY', KEYS[4], tonumber(stale))
  end
end
local n, bytes = used()
if n + 1 > tonumber(ARGV[4]) or bytes + size > tonumber(ARGV[5]) then
  purge(1000)
  n, bytes = used()
  if n + 1 > tonumber(ARGV[4]) or bytes + size > tonumber(ARGV[5]) then return 'FULL ' .. n .. ' entries, ' .. bytes .. ' bytes' end
end
if not redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3], 'NX') then return 'TAKEN' end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], size)
redis.call('INCRBY', KEYS[4], size)
return 'OK'
)lua";
  static constexpr std::string_view update_script = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 'GONE' end
local size = #ARGV[1] + #ARGV[2]
local function growth() return size - tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0') end
local n, bytes = used()
if growth() > 0 and bytes + growth() > tonumber(ARGV[5]) then
  purge(1000)
  n, bytes = used()
  if growth() > 0 and bytes + growth() > tonumber(ARGV[5]) then return 'FULL ' .. n .. ' entries, ' .. bytes .. ' bytes' end
end
local grows = growth()
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3], 'XX')
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], size)
redis.call('INCRBY', KEYS[4], grows)
return 'OK'
)lua";
  static constexpr std::string_view erase_script = R"lua(
local existed = redis.call('DEL', KEYS[1])
local size = redis.call('HGET', KEYS[3], ARGV[1])
if size then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('DECRBY', KEYS[4], tonumber(size))
end
if existed == 0 then return 'GONE' end
return 'OK'
)lua";
  static constexpr std::string_view sweep_script = R"lua(
local total = 0
while true do
  local n = purge(1000)
  total = total + n
  if n < 1000 then return total end
end
)lua";

  static constexpr long long max_ttl_seconds = 2147483647;

  std::string index_key() const { return opts_.prefix + "@index"; }
  std::string sizes_key() const { return opts_.prefix + "@sizes"; }
  std::string bytes_key() const { return opts_.prefix + "@bytes"; }

  store_status run_script(std::string_view body, std::string_view id, std::string_view data,
                          std::chrono::seconds ttl) {
    const std::string script = std::string(purge_lua) + std::string(body);
    // Redis refuses an EX whose deadline overflows its millisecond clock ("invalid expire
    // time"): a TTL beyond 2^31 - 1 s (68 years) is held there, as the other stores saturate.
    const long long seconds = std::clamp<long long>(ttl.count(), 1, max_ttl_seconds);
    return call({"EVAL", script, "4", opts_.prefix + std::string(id), index_key(), sizes_key(),
                 bytes_key(), std::string(id), std::string(data), std::to_string(seconds),
                 std::to_string(opts_.limits.max_entries), std::to_string(opts_.limits.max_bytes)},
                [](const redisReply& r) -> store_status {
                  if (r.type != REDIS_REPLY_STATUS && r.type != REDIS_REPLY_STRING)
                    return {errc::store_unavailable, "unexpected reply"};
                  const std::string_view answer(r.str, r.len);
                  if (answer == "OK") return {};
                  if (answer == "GONE") return errc::not_found;
                  if (answer == "TAKEN") return {errc::store_unavailable, "id already in use"};
                  if (answer.starts_with("FULL ")) return {errc::store_full, std::string(answer)};
                  return {errc::store_unavailable, std::string(answer)};
                });
  }

  // Runs one command on a pooled connection and hands its reply to `read`. A connection
  // that failed is dropped and the store backs off; an error reply (NOAUTH, OOM, ...) is
  // the server's answer, reported with its text.
  template <class Read>
  store_status call(const std::vector<std::string>& args, Read&& read) {
    std::size_t slot = 0;
    if (auto s = acquire(slot); !s) return s;
    context& conn = pool_[slot];
    store_status status;
    std::string lost;  // why the connection was dropped, if it was
    // The slot goes back to the pool on every way out, an exception's included.
    struct returner {
      redis_store& store;
      std::size_t slot;
      const std::string& lost;
      ~returner() { store.release(slot, lost); }
    } const give_back{*this, slot, lost};
    if (!conn) {
      status = connect(conn);
      if (!conn) lost = status.cause();
    }
    if (status) {
      const reply r = send(conn.get(), args);
      if (!r) {
        lost = describe(conn.get());
        status = {errc::store_unavailable, lost};
        conn.reset();
      } else if (r->type == REDIS_REPLY_ERROR) {
        const std::string text(r->str, r->len);
        status = {text.starts_with("OOM") ? errc::store_full : errc::store_unavailable, text};
      } else {
        status = read(*r);
      }
    }
    return status;
  }

  // One command, binary-safe: each argument with its length.
  static reply send(redisContext* conn, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    return reply(static_cast<redisReply*>(
        redisCommandArgv(conn, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  }

  store_status connect(context& conn) const {
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(opts_.timeout);
    const timeval tv{static_cast<time_t>(usec.count() / 1000000),
                     static_cast<suseconds_t>(usec.count() % 1000000)};
    conn.reset(opts_.unix_socket.empty()
                   ? redisConnectWithTimeout(opts_.host.c_str(), opts_.port, tv)
                   : redisConnectUnixWithTimeout(opts_.unix_socket.c_str(), tv));
    if (!conn || conn->err != 0 || redisSetTimeout(conn.get(), tv) != REDIS_OK) {
      store_status failed{errc::store_unavailable, "connect to " + where() + ": " +
                                                       describe(conn.get())};
      conn.reset();
      return failed;
    }
    const auto setup = [&](const std::vector<std::string>& args) -> store_status {
      const reply r = send(conn.get(), args);
      if (!r) return {errc::store_unavailable, args[0] + " on " + where() + ": " + describe(conn.get())};
      if (r->type == REDIS_REPLY_ERROR)
        return {errc::store_unavailable, args[0] + " on " + where() + ": " + std::string(r->str, r->len)};
      return {};
    };
    store_status s;
    if (!opts_.password.empty())
      s = opts_.username.empty() ? setup({"AUTH", opts_.password})
                                 : setup({"AUTH", opts_.username, opts_.password});
    if (s && opts_.database != 0) s = setup({"SELECT", std::to_string(opts_.database)});
    if (!s) conn.reset();
    return s;
  }

  std::string where() const {
    return opts_.unix_socket.empty() ? opts_.host + ":" + std::to_string(opts_.port)
                                     : opts_.unix_socket;
  }

  static std::string describe(const redisContext* c) {
    if (c == nullptr) return "cannot allocate a connection";
    if (c->err == REDIS_ERR_IO && c->errstr[0] == '\0') return "I/O error";
    return c->errstr[0] != '\0' ? std::string(c->errstr) : std::string("connection lost");
  }

  // A free slot of the pool, waiting at most one timeout; fails at once while backing off.
  store_status acquire(std::size_t& slot) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + opts_.timeout;
    for (;;) {
      if (down_) {
        const auto now = std::chrono::steady_clock::now();
        if (now < retry_at_ || probing_)
          return {errc::store_unavailable, "Redis at " + where() + " did not answer: " + last_failure_ +
                                               " (backing off)"};
      }
      if (!free_.empty()) break;
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && free_.empty())
        return {errc::store_unavailable, "no free Redis connection within the timeout"};
    }
    slot = free_.back();
    free_.pop_back();
    if (down_) probing_ = true;  // the one call that tries while backing off
    return {};
  }

  // Back to the pool; `failure` (the cause) when the connection was lost.
  void release(std::size_t slot, std::string failure) {
    {
      const std::lock_guard lock(mutex_);
      if (!failure.empty()) {
        down_ = true;
        retry_at_ = std::chrono::steady_clock::now() + opts_.backoff;
        last_failure_ = std::move(failure);
        // The idle connections met the same fate (a restarted Redis dropped them all):
        // drop them now rather than find out one call and one back-off at a time.
        for (const std::size_t idle : free_) pool_[idle].reset();
      } else {
        down_ = false;
      }
      probing_ = false;
      free_.push_back(slot);
    }
    freed_.notify_all();
  }

  options opts_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<context> pool_;      // one connection per slot; null until connected
  std::vector<std::size_t> free_;  // the slots no call is using
  bool down_ = false;               // the last attempt could not reach Redis
  bool probing_ = false;            // a call is trying again after the back-off
  std::chrono::steady_clock::time_point retry_at_{};
  std::string last_failure_;
};

static_assert(session_store<redis_store>);

}  // namespace crumb
