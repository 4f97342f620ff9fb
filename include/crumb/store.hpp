// The server-side fallback for sessions too big for a cookie: a small store interface
// (a concept: put with TTL, get, erase), random ids, and two stores: memory_store (one
// process) and file_store (a directory shared by the processes of one machine).
// Stores keep opaque bytes; they know nothing of tokens or sessions.
#pragma once

#include <sodium.h>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "crumb/clock.hpp"
#include "crumb/detail/base64_impl.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/detail/sodium.hpp"
#include "crumb/error.hpp"

namespace crumb {

/// What a fallback store provides. Every call reports failure as a value:
/// put/erase return errc (store_unavailable when the backend fails), get returns the
/// bytes or errc::not_found (absent or expired) / store_unavailable.
template <class S>
concept session_store = requires(S& s, std::string_view id, std::string_view data,
                                 std::chrono::seconds ttl) {
  { s.put(id, data, ttl) } -> std::same_as<errc>;
  { s.get(id) } -> std::same_as<result<std::string>>;
  { s.erase(id) } -> std::same_as<errc>;
};

/// A new store id: 256 random bits from libsodium, as 43 base64url characters.
inline std::string new_store_id() {
  detail::ensure_sodium();
  std::uint8_t bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  std::string id(43, '\0');
  detail::base64url_encode(bytes, sizeof bytes, id.data());
  return id;
}

/// Whether `id` is shaped like a store id: 16 to 128 characters of [A-Za-z0-9_-]. Stores
/// refuse anything else (errc::malformed), so an id can never name a path like "../x".
constexpr bool valid_store_id(std::string_view id) noexcept {
  if (id.size() < 16 || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// An in-process store: thread-safe, entries expire after their TTL, and the total size
/// (ids + data) stays under a bound by evicting expired entries, then the least recently
/// used. For one process; use file_store (or Redis) to share sessions between processes.
template <clock_policy Clock = system_clock>
class basic_memory_store {
 public:
  explicit basic_memory_store(std::size_t max_bytes = 64u << 20, Clock clock = {})
      : max_bytes_(max_bytes), clock_(std::move(clock)) {}

  /// Stores `data` under `id` for `ttl`. errc::malformed for a bad id, errc::too_large
  /// when the entry alone is over the bound. May evict other entries.
  [[nodiscard]] errc put(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::size_t size = id.size() + data.size();
    if (size > max_bytes_) return errc::too_large;
    const std::lock_guard lock(mutex_);
    remove_locked(id);
    lru_.emplace_front(std::string(id), entry{std::string(data), clock_.now() + ttl});
    index_.emplace(lru_.front().first, lru_.begin());
    bytes_ += size;
    evict_locked();
    return errc::ok;
  }

  /// The data under `id`; errc::not_found when absent or expired, errc::malformed for a bad id.
  result<std::string> get(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::lock_guard lock(mutex_);
    const auto it = index_.find(std::string(id));
    if (it == index_.end()) return errc::not_found;
    if (it->second->second.expires <= clock_.now()) {
      remove_locked(id);
      return errc::not_found;
    }
    lru_.splice(lru_.begin(), lru_, it->second);  // most recently used
    return it->second->second.data;
  }

  /// Removes `id`; removing an absent id is not an error.
  [[nodiscard]] errc erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::lock_guard lock(mutex_);
    remove_locked(id);
    return errc::ok;
  }

  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return index_.size();
  }
  /// Bytes held (ids + data), never more than the bound.
  std::size_t bytes() const {
    const std::lock_guard lock(mutex_);
    return bytes_;
  }
  Clock& clock() noexcept { return clock_; }

 private:
  struct entry {
    std::string data;
    time_point expires;
  };
  using list = std::list<std::pair<std::string, entry>>;

  void remove_locked(std::string_view id) {
    const auto it = index_.find(std::string(id));
    if (it == index_.end()) return;
    bytes_ -= it->second->first.size() + it->second->second.data.size();
    lru_.erase(it->second);
    index_.erase(it);
  }

  void evict_locked() {
    if (bytes_ <= max_bytes_) return;
    const time_point now = clock_.now();
    for (auto it = lru_.begin(); it != lru_.end() && bytes_ > max_bytes_;) {
      const auto next = std::next(it);
      if (it->second.expires <= now) remove_locked(it->first);
      it = next;
    }
    while (bytes_ > max_bytes_) remove_locked(lru_.back().first);
  }

  std::size_t max_bytes_;
  Clock clock_;
  mutable std::mutex mutex_;
  list lru_;  // most recently used first
  std::unordered_map<std::string, typename list::iterator> index_;
  std::size_t bytes_ = 0;
};

using memory_store = basic_memory_store<>;

/// A directory of files, one per session, shared by every process on the machine.
/// Writes are atomic (a temporary file renamed over the old one), so a reader sees the
/// old data or the new, never half. Each file starts with its expiry time; expired files
/// are removed when read, or by sweep().
template <clock_policy Clock = system_clock>
class basic_file_store {
 public:
  /// Creates `directory` if needed; throws std::filesystem::filesystem_error when it cannot.
  explicit basic_file_store(std::filesystem::path directory, Clock clock = {})
      : dir_(std::move(directory)), clock_(std::move(clock)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec)
      detail::raise<std::filesystem::filesystem_error>("crumb: file_store directory", dir_, ec);
  }

  /// Stores `data` under `id` for `ttl`. errc::malformed for a bad id,
  /// errc::store_unavailable when the file cannot be written.
  [[nodiscard]] errc put(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::filesystem::path tmp = dir_ / (".tmp-" + new_store_id());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      const auto expires = std::chrono::duration_cast<std::chrono::seconds>(
          (clock_.now() + ttl).time_since_epoch());
      out << expires.count() << '\n';
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      out.flush();
      if (!out) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        return errc::store_unavailable;
      }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path_of(id), ec);
    if (ec) {
      std::filesystem::remove(tmp, ec);
      return errc::store_unavailable;
    }
    return errc::ok;
  }

  /// The data under `id`; errc::not_found when absent or expired, errc::malformed for a
  /// bad id or a damaged file, errc::store_unavailable when it cannot be read.
  result<std::string> get(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    std::ifstream in(path_of(id), std::ios::binary);
    if (!in) {
      std::error_code ec;
      return std::filesystem::exists(path_of(id), ec) ? errc::store_unavailable : errc::not_found;
    }
    std::int64_t expires = 0;
    if (!(in >> expires) || in.get() != '\n') return errc::malformed;
    if (expires <= std::chrono::duration_cast<std::chrono::seconds>(
                       clock_.now().time_since_epoch()).count()) {
      std::error_code ignored;
      std::filesystem::remove(path_of(id), ignored);
      return errc::not_found;
    }
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return errc::store_unavailable;
    return data;
  }

  /// Removes `id`; removing an absent id is not an error.
  [[nodiscard]] errc erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    std::error_code ec;
    std::filesystem::remove(path_of(id), ec);
    return ec ? errc::store_unavailable : errc::ok;
  }

  /// Removes expired entries (and temporary files left by a crash mid-write, once they
  /// are an hour old); returns how many files it removed.
  std::size_t sweep() {
    std::size_t removed = 0;
    std::error_code ec;
    const auto an_hour_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& file : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = file.path().filename().string();
      if (name.starts_with(".tmp-")) {
        if (file.last_write_time(ec) < an_hour_ago && std::filesystem::remove(file.path(), ec))
          ++removed;
      } else if (name.ends_with(".session")) {
        // get() removes an expired entry and then reports it as not found.
        const auto entry = get(std::string_view(name).substr(0, name.size() - 8));
        if (!entry && entry.error() == errc::not_found) ++removed;
      }
    }
    return removed;
  }

  const std::filesystem::path& directory() const noexcept { return dir_; }
  Clock& clock() noexcept { return clock_; }

 private:
  std::filesystem::path path_of(std::string_view id) const {
    return dir_ / (std::string(id) + ".session");
  }

  std::filesystem::path dir_;
  Clock clock_;
};

using file_store = basic_file_store<>;

static_assert(session_store<memory_store>);
static_assert(session_store<file_store>);

}  // namespace crumb
