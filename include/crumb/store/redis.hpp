// redis_store: the fallback store for many machines, on hiredis. Entries are Redis keys
// with a TTL (SET ... EX), so Redis itself expires them. One connection, guarded by a
// mutex and re-established after a failure; every failure is errc::store_unavailable.
// Optional: needs hiredis (Debian: libhiredis-dev) and linking with -lhiredis.
#pragma once

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "crumb/error.hpp"
#include "crumb/store.hpp"

namespace crumb {

class redis_store {
 public:
  struct options {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::chrono::milliseconds timeout{500};  ///< connect and command timeout
    std::string prefix = "crumb:session:";   ///< namespaces the keys
  };

  /// Connects lazily: construction never fails, the first call that cannot reach Redis
  /// returns errc::store_unavailable, and later calls try to reconnect.
  explicit redis_store(options opts) : opts_(std::move(opts)) {}
  redis_store() : redis_store(options{}) {}

  /// SET prefix+id data EX ttl. errc::malformed for a bad id, store_unavailable otherwise.
  [[nodiscard]] errc put(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string key = opts_.prefix + std::string(id);
    const long long seconds = std::max<long long>(ttl.count(), 1);
    const std::lock_guard lock(mutex_);
    const reply r = command("SET %b %b EX %lld", key.data(), key.size(), data.data(), data.size(),
                            seconds);
    return r && r->type == REDIS_REPLY_STATUS ? errc::ok : errc::store_unavailable;
  }

  /// GET prefix+id: the data, errc::not_found (absent or expired), or store_unavailable.
  result<std::string> get(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string key = opts_.prefix + std::string(id);
    const std::lock_guard lock(mutex_);
    const reply r = command("GET %b", key.data(), key.size());
    if (!r) return errc::store_unavailable;
    if (r->type == REDIS_REPLY_NIL) return errc::not_found;
    if (r->type != REDIS_REPLY_STRING) return errc::store_unavailable;
    return std::string(r->str, r->len);
  }

  /// DEL prefix+id; removing an absent id is not an error.
  [[nodiscard]] errc erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string key = opts_.prefix + std::string(id);
    const std::lock_guard lock(mutex_);
    const reply r = command("DEL %b", key.data(), key.size());
    return r && r->type == REDIS_REPLY_INTEGER ? errc::ok : errc::store_unavailable;
  }

 private:
  struct reply_deleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
  };
  struct context_deleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
  };
  using reply = std::unique_ptr<redisReply, reply_deleter>;

  // Runs one command, connecting first if needed; a failed connection is dropped so the
  // next call starts afresh.
  template <class... Args>
  reply command(const char* format, Args... args) {
    if (!context_ || context_->err != 0) {
      const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(opts_.timeout);
      const timeval tv{static_cast<time_t>(usec.count() / 1000000),
                       static_cast<suseconds_t>(usec.count() % 1000000)};
      context_.reset(redisConnectWithTimeout(opts_.host.c_str(), opts_.port, tv));
      if (!context_ || context_->err != 0 || redisSetTimeout(context_.get(), tv) != REDIS_OK) {
        context_.reset();
        return nullptr;
      }
    }
    reply r(static_cast<redisReply*>(redisCommand(context_.get(), format, args...)));
    if (!r || r->type == REDIS_REPLY_ERROR) {
      if (!r) context_.reset();
      return nullptr;
    }
    return r;
  }

  options opts_;
  std::mutex mutex_;
  std::unique_ptr<redisContext, context_deleter> context_;
};

static_assert(session_store<redis_store>);

}  // namespace crumb
