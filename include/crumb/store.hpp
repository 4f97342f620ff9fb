// Server-side storage for sessions too big for a cookie: the session_store concept (create,
// update, get, erase, each answering with a store_status), random ids, the bounds every
// store keeps, and two stores: memory_store (one process) and file_store (a private
// directory shared by the processes of one machine). Stores keep opaque bytes; they know
// nothing of tokens or sessions.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
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

/// A store's answer: ok, or the errc to act on and, for logs, the cause in the backend's
/// words ("open /srv/sessions/x.session: Permission denied", "Connection refused").
class [[nodiscard]] store_status {
 public:
  store_status() = default;
  store_status(errc code, std::string cause = {})  // NOLINT(google-explicit-constructor)
      : code_(code), cause_(std::move(cause)) {}

  bool ok() const noexcept { return code_ == errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  errc code() const noexcept { return code_; }
  /// Empty on success, and when the code says it all.
  const std::string& cause() const noexcept { return cause_; }

 private:
  errc code_ = errc::ok;
  std::string cause_;
};

/// What a session store provides. Each call answers with a store_status:
/// - create(id, data, ttl): a new entry; fails if `id` is taken (store_unavailable).
/// - update(id, data, ttl): replaces an entry that is still there, and errc::not_found when
///   it is gone (erased by a logout, expired), atomically: a deleted entry is never
///   written back by a request that read it before the deletion.
/// - get(id, out): the entry's data into `out`; errc::not_found when absent or expired.
/// - erase(id): removes it; errc::not_found when it was not there.
/// Every call: errc::malformed for an id that valid_store_id() refuses, store_unavailable
/// when the backend cannot answer (with the cause); create/update also errc::too_large
/// (one entry over its bound) and errc::store_full (the store at its bound: a store never
/// evicts a live entry to make room).
template <class S>
concept session_store = requires(S& s, std::string_view id, std::string_view data,
                                 std::chrono::seconds ttl, std::string& out) {
  { s.create(id, data, ttl) } -> std::same_as<store_status>;
  { s.update(id, data, ttl) } -> std::same_as<store_status>;
  { s.get(id, out) } -> std::same_as<store_status>;
  { s.erase(id) } -> std::same_as<store_status>;
};

/// The bounds of a store, so that no visitor can fill it for the others.
struct store_limits {
  std::size_t max_entry_bytes = 64 * 1024;  ///< one entry's data (the codec's token bound)
  std::size_t max_bytes = 64u << 20;        ///< every entry's id + data together
  std::size_t max_entries = 65536;
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

namespace detail {
// When an entry put now with `ttl` expires, in Unix seconds (no overflow for any ttl).
inline std::int64_t expiry_of(time_point now, std::chrono::seconds ttl) noexcept {
  return saturating_add(to_unix_seconds(now), ttl.count() < 1 ? 1 : ttl.count());
}

inline store_status check_entry(std::string_view id, std::string_view data,
                                const store_limits& limits) {
  if (!valid_store_id(id)) return errc::malformed;
  if (data.size() > limits.max_entry_bytes)
    return {errc::too_large, "entry of " + std::to_string(data.size()) + " bytes, limit " +
                                 std::to_string(limits.max_entry_bytes)};
  return {};
}

inline store_status full(std::size_t entries, std::size_t bytes, const store_limits& limits) {
  return {errc::store_full, std::to_string(entries) + " entries, " + std::to_string(bytes) +
                                " bytes; limits " + std::to_string(limits.max_entries) + ", " +
                                std::to_string(limits.max_bytes)};
}

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
}  // namespace detail

/// An in-process store: thread-safe, entries expire after their TTL, and the store stays
/// within its limits by dropping expired entries, never live ones (past the limits, create
/// and update return errc::store_full). For one process; use file_store (or Redis) to
/// share sessions between processes.
template <clock_policy Clock = system_clock>
class basic_memory_store {
 public:
  explicit basic_memory_store(store_limits limits = {}, Clock clock = {})
      : limits_(limits), clock_(std::move(clock)) {}

  store_status create(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::lock_guard lock(mutex_);
    const std::int64_t now = to_unix_seconds(clock_.now());
    if (const auto it = entries_.find(id); it != entries_.end()) {
      if (it->second.expires > now) return {errc::store_unavailable, "id already in use"};
      remove_locked(it);
    }
    if (auto s = make_room_locked(now, 1, id.size() + data.size()); !s) return s;
    const auto it = entries_.emplace(std::string(id), entry{std::string(data), 0}).first;
    set_expiry_locked(it, detail::expiry_of(clock_.now(), ttl));
    bytes_ += id.size() + data.size();
    return {};
  }

  store_status update(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::lock_guard lock(mutex_);
    const std::int64_t now = to_unix_seconds(clock_.now());
    const auto it = live_locked(id, now);
    if (it == entries_.end()) return errc::not_found;
    const std::size_t old_size = it->second.data.size();
    if (data.size() > old_size) {
      if (auto s = make_room_locked(now, 0, data.size() - old_size); !s) return s;
    }
    bytes_ = bytes_ - old_size + data.size();
    it->second.data.assign(data);
    set_expiry_locked(it, detail::expiry_of(clock_.now(), ttl));
    return {};
  }

  store_status get(std::string_view id, std::string& out) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::lock_guard lock(mutex_);
    const auto it = live_locked(id, to_unix_seconds(clock_.now()));
    if (it == entries_.end()) return errc::not_found;
    out.assign(it->second.data);
    return {};
  }

  store_status erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::lock_guard lock(mutex_);
    const auto it = live_locked(id, to_unix_seconds(clock_.now()));
    if (it == entries_.end()) return errc::not_found;
    remove_locked(it);
    return {};
  }

  /// Drops expired entries now (create does it too when the store is at a limit);
  /// returns how many.
  std::size_t sweep() {
    const std::lock_guard lock(mutex_);
    return drop_expired_locked(to_unix_seconds(clock_.now()));
  }

  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
  }
  /// Bytes held (ids + data), never more than limits().max_bytes.
  std::size_t bytes() const {
    const std::lock_guard lock(mutex_);
    return bytes_;
  }
  const store_limits& limits() const noexcept { return limits_; }
  Clock& clock() noexcept { return clock_; }

 private:
  struct entry {
    std::string data;
    std::int64_t expires;  // Unix seconds
  };
  using map = std::unordered_map<std::string, entry, detail::string_hash, std::equal_to<>>;

  // The entry under `id` if it is live; an expired one is removed on the way.
  typename map::iterator live_locked(std::string_view id, std::int64_t now) {
    const auto it = entries_.find(id);
    if (it == entries_.end() || it->second.expires > now) return it;
    remove_locked(it);
    return entries_.end();
  }

  void set_expiry_locked(typename map::iterator it, std::int64_t expires) {
    by_expiry_.erase({it->second.expires, it->first});
    it->second.expires = expires;
    by_expiry_.emplace(expires, it->first);  // the map's keys do not move on rehash
  }

  void remove_locked(typename map::iterator it) {
    by_expiry_.erase({it->second.expires, it->first});
    bytes_ -= it->first.size() + it->second.data.size();
    entries_.erase(it);
  }

  std::size_t drop_expired_locked(std::int64_t now) {
    std::size_t dropped = 0;
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
      remove_locked(entries_.find(by_expiry_.begin()->second));
      ++dropped;
    }
    return dropped;
  }

  // Room for `entries` more entries and `bytes` more bytes, made only from expired ones.
  store_status make_room_locked(std::int64_t now, std::size_t entries, std::size_t bytes) {
    const auto fits = [&] {
      return entries_.size() + entries <= limits_.max_entries &&
             bytes_ + bytes <= limits_.max_bytes;
    };
    if (fits()) return {};
    drop_expired_locked(now);
    if (fits()) return {};
    return detail::full(entries_.size(), bytes_, limits_);
  }

  store_limits limits_;
  Clock clock_;
  mutable std::mutex mutex_;
  map entries_;
  std::set<std::pair<std::int64_t, std::string_view>> by_expiry_;  // oldest expiry first
  std::size_t bytes_ = 0;
};

using memory_store = basic_memory_store<>;

namespace detail {
// Closes a file descriptor on every path out of a scope.
struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

inline store_status os_failure(std::string_view what, const std::string& path, int err) {
  return {errc::store_unavailable,
          std::string(what) + " " + path + ": " + std::generic_category().message(err)};
}

// The Unix-seconds expiry on a store file's first line; false when it is not there.
inline bool parse_expiry_line(std::string_view text, std::int64_t& expires,
                              std::size_t& header) {
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos || nl == 0 || nl > 20) return false;
  std::int64_t n = 0;
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == nl) return false;
  for (; i < nl; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    const int digit = text[i] - '0';
    if (n > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
  }
  expires = text[0] == '-' ? -n : n;
  header = nl + 1;
  return true;
}
}  // namespace detail

/// A directory of files, one per session, shared by the processes of one machine.
/// - Private: the directory is created 0700 when missing, and refused when another user
///   owns it or others may write to it; entries are 0600.
/// - Atomic: an entry is written to a temporary file, then renamed into place
///   (RENAME_NOREPLACE to create, RENAME_EXCHANGE to update only an entry still there).
/// - Bounded: each process keeps a count of entries and bytes, taken from the directory at
///   most once a second while the store is near a limit (and every 30 s otherwise) and
///   kept up to date with its own writes; expired entries are dropped before a write is
///   refused with errc::store_full. With several processes the directory can pass its
///   limits by what the others wrote since the last count, a second's worth at most.
/// Each file starts with its expiry (Unix seconds), also set as the file's mtime so that
/// sweep() finds expired entries without opening the others.
template <clock_policy Clock = system_clock>
class basic_file_store {
 public:
  /// Opens `directory`, creating it (0700) if missing. Throws std::system_error when it
  /// cannot be created, is not a directory, belongs to another user, or is writable by
  /// group or others: anyone who can write there could plant or replace sessions.
  explicit basic_file_store(std::filesystem::path directory, store_limits limits = {},
                            Clock clock = {})
      : dir_(std::move(directory)), limits_(limits), clock_(std::move(clock)) {
    std::error_code ec;
    if (dir_.has_parent_path()) std::filesystem::create_directories(dir_.parent_path(), ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      detail::raise<std::system_error>(errno, std::generic_category(),
                                       "crumb: file_store cannot create " + dir_.string());
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0)
      detail::raise<std::system_error>(errno, std::generic_category(),
                                       "crumb: file_store cannot open " + dir_.string());
    const auto refuse = [&](const char* why) {
      detail::raise<std::system_error>(std::make_error_code(std::errc::permission_denied),
                                       "crumb: file_store refuses " + dir_.string() + ": " + why);
    };
    if (!S_ISDIR(st.st_mode)) refuse("not a directory");
    if (st.st_uid != ::geteuid()) refuse("owned by another user");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) refuse("writable by group or others");
  }

  /// A new entry. errc::malformed (bad id), too_large, store_full, or store_unavailable
  /// (the id is taken, or the file cannot be written: the cause says which).
  store_status create(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::int64_t expires = detail::expiry_of(clock_.now(), ttl);
    const std::string header = std::to_string(expires) + "\n";
    const std::size_t size = id.size() + header.size() + data.size();  // as sweep() counts
    if (auto s = reserve(1, size); !s) return s;
    const std::string target = path_of(id);
    auto tmp = write_temporary(expires, header, data);
    if (!tmp) return release(1, size, std::move(tmp.status));
    if (::renameat2(AT_FDCWD, tmp.path.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0)
      return {};
    int err = errno;
    if (err == EINVAL || err == ENOSYS) {  // no RENAME_NOREPLACE here: link() refuses too
      err = ::link(tmp.path.c_str(), target.c_str()) == 0 ? 0 : errno;
      ::unlink(tmp.path.c_str());
      if (err == 0) return {};
    } else {
      ::unlink(tmp.path.c_str());
    }
    return release(1, size,
                   err == EEXIST ? store_status(errc::store_unavailable, "id already in use")
                                 : detail::os_failure("rename to", target, err));
  }

  /// Replaces an entry that is still there: errc::not_found when it is gone. Otherwise as
  /// create(). Atomic where the file system has RENAME_EXCHANGE (ext4, xfs, btrfs, tmpfs);
  /// elsewhere a check then a rename, with a window between the two.
  store_status update(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::string target = path_of(id);
    struct stat before {};
    if (::stat(target.c_str(), &before) != 0)
      return errno == ENOENT ? store_status(errc::not_found)
                             : detail::os_failure("stat", target, errno);
    const auto old_size = static_cast<std::size_t>(before.st_size);
    const std::int64_t expires = detail::expiry_of(clock_.now(), ttl);
    const std::string header = std::to_string(expires) + "\n";
    const std::size_t new_size = header.size() + data.size();
    const std::size_t grows = new_size > old_size ? new_size - old_size : 0;
    if (auto s = reserve(0, grows); !s) return s;
    auto tmp = write_temporary(expires, header, data);
    if (!tmp) return release(0, grows, std::move(tmp.status));
    if (::renameat2(AT_FDCWD, tmp.path.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      ::unlink(tmp.path.c_str());  // now the old entry
      settle(old_size + grows, new_size);
      return {};
    }
    int err = errno;
    if ((err == EINVAL || err == ENOSYS) && ::access(target.c_str(), F_OK) == 0)
      err = ::rename(tmp.path.c_str(), target.c_str()) == 0 ? 0 : errno;
    else if (err == EINVAL || err == ENOSYS)
      err = ENOENT;
    if (err == 0) {
      settle(old_size + grows, new_size);
      return {};
    }
    ::unlink(tmp.path.c_str());
    return release(0, grows,
                   err == ENOENT ? store_status(errc::not_found)
                                 : detail::os_failure("rename to", target, err));
  }

  /// The data under `id` into `out`. errc::not_found when absent or expired,
  /// errc::malformed for a bad id or a damaged file, errc::store_unavailable with the
  /// cause when the file is there but cannot be read (permissions, I/O).
  store_status get(std::string_view id, std::string& out) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string path = path_of(id);
    const detail::fd_closer file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0)
      return errno == ENOENT ? store_status(errc::not_found)
                             : detail::os_failure("open", path, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) return detail::os_failure("stat", path, errno);
    if (!S_ISREG(st.st_mode)) return {errc::store_unavailable, path + ": not a regular file"};
    if (static_cast<std::size_t>(st.st_size) > limits_.max_entry_bytes + 32)
      return {errc::malformed, path + ": larger than any entry"};
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(file.fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return detail::os_failure("read", path, errno);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    std::int64_t expires = 0;
    std::size_t header = 0;
    if (!detail::parse_expiry_line(text, expires, header))
      return {errc::malformed, path + ": no expiry line"};
    if (expires <= to_unix_seconds(clock_.now())) return errc::not_found;
    out.assign(text, header);
    return {};
  }

  /// Removes `id`: errc::not_found when it was not there.
  store_status erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string path = path_of(id);
    struct stat st {};
    const bool sized = ::stat(path.c_str(), &st) == 0;
    if (::unlink(path.c_str()) != 0)
      return errno == ENOENT ? store_status(errc::not_found)
                             : detail::os_failure("unlink", path, errno);
    settle(sized ? id.size() + static_cast<std::size_t>(st.st_size) : 0, 0, 1);
    return {};
  }

  /// Removes expired entries (and temporary files a crash left, once an hour old), and
  /// recounts the directory; returns how many files it removed. Run it on a schedule.
  std::size_t sweep() {
    const std::lock_guard lock(usage_mutex_);
    return rescan_locked();
  }

  /// Entries and bytes as this process last counted them.
  std::size_t size() const {
    const std::lock_guard lock(usage_mutex_);
    return entries_;
  }
  std::size_t bytes() const {
    const std::lock_guard lock(usage_mutex_);
    return bytes_;
  }
  const std::filesystem::path& directory() const noexcept { return dir_; }
  const store_limits& limits() const noexcept { return limits_; }
  Clock& clock() noexcept { return clock_; }

 private:
  struct temporary {
    std::string path;
    store_status status;
    explicit operator bool() const noexcept { return status.ok(); }
  };

  std::string path_of(std::string_view id) const {
    return (dir_ / (std::string(id) + ".session")).string();
  }

  // A new 0600 file holding the expiry line and `data`, its mtime set to the expiry.
  temporary write_temporary(std::int64_t expires, std::string_view header, std::string_view data) {
    temporary tmp{(dir_ / (".tmp-" + new_store_id())).string(), {}};
    const detail::fd_closer file{
        ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (file.fd < 0) {
      tmp.status = detail::os_failure("create", tmp.path, errno);
      return tmp;
    }
    for (std::string_view part : {std::string_view(header), data}) {
      while (!part.empty()) {
        const ssize_t n = ::write(file.fd, part.data(), part.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          tmp.status = detail::os_failure("write", tmp.path, errno);
          ::unlink(tmp.path.c_str());
          return tmp;
        }
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    const timespec times[2] = {{expires, 0}, {expires, 0}};
    ::futimens(file.fd, times);  // a hint for sweep(); the first line is what counts
    return tmp;
  }

  // Counts `entries` and `bytes` as used, if the limits allow: errc::store_full otherwise.
  store_status reserve(std::size_t entries, std::size_t bytes) {
    const std::lock_guard lock(usage_mutex_);
    const auto now = std::chrono::steady_clock::now();
    const auto fits = [&] {
      return entries_ + entries <= limits_.max_entries && bytes_ + bytes <= limits_.max_bytes;
    };
    const bool near = entries_ + entries > limits_.max_entries / 2 ||
                      bytes_ + bytes > limits_.max_bytes / 2;
    // At most one count a second (a flood must not turn every write into a scan); a
    // count is never older than 30 s.
    const bool a_second_on = now - counted_ >= std::chrono::seconds(1) ||
                             to_unix_seconds(clock_.now()) != counted_unix_;
    if (now - counted_ >= std::chrono::seconds(30) || (near && a_second_on)) rescan_locked();
    if (!fits()) return detail::full(entries_, bytes_, limits_);
    entries_ += entries;
    bytes_ += bytes;
    return {};
  }

  store_status release(std::size_t entries, std::size_t bytes, store_status why) {
    settle(bytes, 0, entries);
    return why;
  }

  // Replaces `counted` bytes by `actual`, and forgets `gone` entries.
  void settle(std::size_t counted, std::size_t actual, std::size_t gone = 0) {
    const std::lock_guard lock(usage_mutex_);
    bytes_ = bytes_ >= counted ? bytes_ - counted : 0;
    bytes_ += actual;
    entries_ = entries_ >= gone ? entries_ - gone : 0;
  }

  std::size_t rescan_locked() {
    std::size_t removed = 0, entries = 0, bytes = 0;
    const std::int64_t now = to_unix_seconds(clock_.now());
    const auto an_hour_ago = std::chrono::system_clock::now() - std::chrono::hours(1);
    DIR* dir = ::opendir(dir_.c_str());
    if (dir == nullptr) return 0;
    const int dir_fd = ::dirfd(dir);
    while (const dirent* e = ::readdir(dir)) {
      const std::string_view name = e->d_name;
      struct stat st {};
      if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        continue;
      if (name.starts_with(".tmp-")) {
        if (std::chrono::system_clock::from_time_t(st.st_ctime) < an_hour_ago &&
            ::unlinkat(dir_fd, e->d_name, 0) == 0)
          ++removed;
      } else if (name.ends_with(".session")) {
        if (st.st_mtime <= now && expired_on_disk(dir_fd, e->d_name, now) &&
            ::unlinkat(dir_fd, e->d_name, 0) == 0) {
          ++removed;
          continue;
        }
        ++entries;
        bytes += name.size() - 8 + static_cast<std::size_t>(st.st_size);
      }
    }
    ::closedir(dir);
    entries_ = entries;
    bytes_ = bytes;
    counted_ = std::chrono::steady_clock::now();
    counted_unix_ = now;
    return removed;
  }

  // The mtime says expired: the first line has the last word.
  static bool expired_on_disk(int dir_fd, const char* name, std::int64_t now) {
    const detail::fd_closer file{::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0) return false;
    char buf[32];
    const ssize_t n = ::read(file.fd, buf, sizeof buf);
    std::int64_t expires = 0;
    std::size_t header = 0;
    if (n <= 0) return false;
    if (!detail::parse_expiry_line(std::string_view(buf, static_cast<std::size_t>(n)), expires,
                                   header))
      return true;  // damaged: nothing can read it
    return expires <= now;
  }

  std::filesystem::path dir_;
  store_limits limits_;
  Clock clock_;
  mutable std::mutex usage_mutex_;
  std::size_t entries_ = 0;
  std::size_t bytes_ = 0;
  std::chrono::steady_clock::time_point counted_{};  // never: the first write counts
  std::int64_t counted_unix_ = 0;                    // clock_'s time at that count
};

using file_store = basic_file_store<>;

static_assert(session_store<memory_store>);
static_assert(session_store<file_store>);

}  // namespace crumb
