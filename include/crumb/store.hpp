// Server-side storage for sessions too big for a cookie: the session_store concept (create,
// update, get, erase, each answering with a store_status), random ids, the bounds every
// store keeps, and two stores: memory_store (one process) and file_store (a private
// directory shared by the processes of one machine). Stores keep opaque bytes; they know
// nothing of tokens or sessions.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <set>
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

namespace detail {
// `Bytes` random bytes from libsodium, as unpadded base64url.
template <std::size_t Bytes>
std::string random_base64url() {
  ensure_sodium();
  std::uint8_t bytes[Bytes];
  randombytes_buf(bytes, sizeof bytes);
  std::string text((Bytes * 4 + 2) / 3, '\0');
  base64url_encode(bytes, sizeof bytes, text.data());
  return text;
}
}  // namespace detail

/// A new store id: 256 random bits from libsodium, as 43 base64url characters.
inline std::string new_store_id() { return detail::random_base64url<32>(); }

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

/// A store id named after `key` (any bytes, any length): `prefix` (a few characters of
/// [A-Za-z0-9_-]) and the BLAKE2b-256 of `key` in base64url. The same key always names the
/// same entry, and no key can reach another's: for entries an application finds by name
/// (a user's revocation generation, an account), beside the random ids of sessions.
inline std::string store_id_for(std::string_view prefix, std::string_view key) {
  detail::ensure_sodium();
  std::uint8_t digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(key.data()),
                     key.size(), nullptr, 0);
  std::string id(prefix);
  id.resize(prefix.size() + 43);
  detail::base64url_encode(digest, sizeof digest, id.data() + prefix.size());
  return id;
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
///   owns it or others may write to it; entries are 0600. The directory is opened once and
///   every file is reached through that handle, so renaming or relinking its path later
///   changes nothing.
/// - Atomic: an entry is written to a temporary file, then renamed into place
///   (RENAME_NOREPLACE to create, RENAME_EXCHANGE to update only an entry still there).
/// - Bounded, across processes: the count of entries and bytes lives in the directory
///   (`.usage`), read and written under a lock (flock) by every write. When a write would
///   pass a limit, expired entries are dropped first (a recount of the directory, at
///   most once a second) before it is refused with errc::store_full. Files changed behind
///   the store's back are counted again by sweep().
/// Each file starts with its expiry (Unix seconds), also set as the file's mtime so that
/// a count finds expired entries without opening the others. Linux only.
template <clock_policy Clock = system_clock>
class basic_file_store {
 public:
  /// Opens `directory`, creating it (0700) if missing. Throws std::system_error when it
  /// cannot be created or opened, is not a directory, belongs to another user, or is
  /// writable by group or others: anyone who can write there could plant or replace
  /// sessions.
  explicit basic_file_store(std::filesystem::path directory, store_limits limits = {},
                            Clock clock = {})
      : dir_(std::move(directory)), limits_(limits), clock_(std::move(clock)) {
    std::error_code ec;
    if (dir_.has_parent_path()) std::filesystem::create_directories(dir_.parent_path(), ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      detail::raise<std::system_error>(errno, std::generic_category(),
                                       "crumb: file_store cannot create " + dir_.string());
    fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      const int err = errno;
      detail::raise<std::system_error>(err, std::generic_category(),
                                       "crumb: file_store cannot open " + dir_.string());
    }
    struct stat st {};
    const auto refuse = [&](const char* why) {
      ::close(fd_);
      detail::raise<std::system_error>(std::make_error_code(std::errc::permission_denied),
                                       "crumb: file_store refuses " + dir_.string() + ": " + why);
    };
    if (::fstat(fd_, &st) != 0) refuse("cannot stat it");
    if (st.st_uid != ::geteuid()) refuse("owned by another user");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) refuse("writable by group or others");
    usage_fd_ = ::openat(fd_, ".usage", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (usage_fd_ < 0) refuse("cannot open its .usage file");
  }
  basic_file_store(const basic_file_store&) = delete;
  basic_file_store& operator=(const basic_file_store&) = delete;
  ~basic_file_store() {
    ::close(usage_fd_);
    ::close(fd_);
  }

  /// A new entry. errc::malformed (bad id), too_large, store_full, or store_unavailable
  /// (the id is taken, or the file cannot be written: the cause says which).
  store_status create(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::int64_t expires = detail::expiry_of(clock_.now(), ttl);
    const std::string header = std::to_string(expires) + "\n";
    const std::size_t size = id.size() + header.size() + data.size();  // as a count sees it
    // The count's lock is held until the entry is in place: a recount by another process
    // (which counts the files there) would otherwise miss this one in flight, and let one
    // entry more than the limit in.
    const usage_lock lock(*this);
    if (auto s = reserve_locked(1, size); !s) return s;
    const std::string target = name_of(id);
    auto tmp = write_temporary(expires, header, data);
    if (!tmp) return release_locked(1, size, std::move(tmp.status));
    int err = place_new(tmp.name, target);
    // An entry expired but not swept yet is gone for get() and update(): for create() too,
    // as memory_store and Redis replace theirs.
    if (err == EEXIST && remove_expired_locked(id, target)) err = place_new(tmp.name, target);
    ::unlinkat(fd_, tmp.name.c_str(), 0);  // renamed away already, or refused
    if (err == 0) return {};
    return release_locked(1, size,
                          err == EEXIST ? store_status(errc::store_unavailable, "id already in use")
                                        : failure("rename to", target, err));
  }

  /// Replaces an entry that is still there and not expired: errc::not_found otherwise.
  /// Otherwise as create(). Atomic where the file system has RENAME_EXCHANGE (ext4, xfs,
  /// btrfs, tmpfs); elsewhere a check then a rename, with a window between the two.
  store_status update(std::string_view id, std::string_view data, std::chrono::seconds ttl) {
    if (auto s = detail::check_entry(id, data, limits_); !s) return s;
    const std::string target = name_of(id);
    std::int64_t old_expiry = 0;
    std::size_t old_size = 0;
    if (auto s = read_header(target, old_expiry, old_size); !s) return s;
    if (old_expiry <= to_unix_seconds(clock_.now())) return errc::not_found;  // expired
    const std::int64_t expires = detail::expiry_of(clock_.now(), ttl);
    const std::string header = std::to_string(expires) + "\n";
    const std::size_t new_size = header.size() + data.size();
    const std::size_t grows = new_size > old_size ? new_size - old_size : 0;
    if (auto s = reserve(0, grows); !s) return s;
    auto tmp = write_temporary(expires, header, data);
    if (!tmp) return release(0, grows, std::move(tmp.status));
    if (::renameat2(fd_, tmp.name.c_str(), fd_, target.c_str(), RENAME_EXCHANGE) == 0) {
      ::unlinkat(fd_, tmp.name.c_str(), 0);  // now the old entry
      settle(old_size + grows, new_size);
      return {};
    }
    int err = errno;
    if ((err == EINVAL || err == ENOSYS) && ::faccessat(fd_, target.c_str(), F_OK, 0) == 0)
      err = ::renameat(fd_, tmp.name.c_str(), fd_, target.c_str()) == 0 ? 0 : errno;
    else if (err == EINVAL || err == ENOSYS)
      err = ENOENT;
    if (err == 0) {
      settle(old_size + grows, new_size);
      return {};
    }
    ::unlinkat(fd_, tmp.name.c_str(), 0);
    return release(0, grows,
                   err == ENOENT ? store_status(errc::not_found)
                                 : failure("rename to", target, err));
  }

  /// The data under `id` into `out`. errc::not_found when absent or expired,
  /// errc::malformed for a bad id or a damaged file, errc::store_unavailable with the
  /// cause when the file is there but cannot be read (permissions, I/O).
  store_status get(std::string_view id, std::string& out) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string name = name_of(id);
    const detail::fd_closer file{::openat(fd_, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0)
      return errno == ENOENT ? store_status(errc::not_found) : failure("open", name, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) return failure("stat", name, errno);
    if (!S_ISREG(st.st_mode)) return {errc::store_unavailable, where(name) + ": not a regular file"};
    // The expiry line is at most 21 bytes; written so that a max_entry_bytes near SIZE_MAX
    // ("no limit") cannot wrap.
    if (static_cast<std::size_t>(st.st_size) > 32 &&
        static_cast<std::size_t>(st.st_size) - 32 > limits_.max_entry_bytes)
      return {errc::malformed, where(name) + ": larger than any entry"};
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(file.fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failure("read", name, errno);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    std::int64_t expires = 0;
    std::size_t header = 0;
    if (!detail::parse_expiry_line(text, expires, header))
      return {errc::malformed, where(name) + ": no expiry line"};
    if (expires <= to_unix_seconds(clock_.now())) return errc::not_found;
    out.assign(text, header);
    return {};
  }

  /// Removes `id`: errc::not_found when it was not there.
  store_status erase(std::string_view id) {
    if (!valid_store_id(id)) return errc::malformed;
    const std::string name = name_of(id);
    struct stat st {};
    const bool sized = ::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (::unlinkat(fd_, name.c_str(), 0) != 0)
      return errno == ENOENT ? store_status(errc::not_found) : failure("unlink", name, errno);
    settle(sized ? id.size() + static_cast<std::size_t>(st.st_size) : 0, 0, 1);
    return {};
  }

  /// Removes expired entries (and temporary files a crash left, once an hour old), and
  /// recounts the directory; returns how many files it removed. Run it on a schedule.
  std::size_t sweep() {
    const usage_lock lock(*this);
    usage counted;
    return rescan_locked(counted);
  }

  /// Entries and bytes, as the shared count has them.
  std::size_t size() const { return current_usage().entries; }
  std::size_t bytes() const { return current_usage().bytes; }
  const std::filesystem::path& directory() const noexcept { return dir_; }
  const store_limits& limits() const noexcept { return limits_; }
  Clock& clock() noexcept { return clock_; }

 private:
  struct temporary {
    std::string name;
    store_status status;
    explicit operator bool() const noexcept { return status.ok(); }
  };

  static std::string name_of(std::string_view id) { return std::string(id) + ".session"; }
  std::string where(const std::string& name) const { return (dir_ / name).string(); }
  store_status failure(std::string_view what, const std::string& name, int err) const {
    return detail::os_failure(what, where(name), err);
  }

  // The expiry and size of an entry file: not_found when it is not there.
  store_status read_header(const std::string& name, std::int64_t& expires,
                           std::size_t& size) const {
    const detail::fd_closer file{::openat(fd_, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0)
      return errno == ENOENT ? store_status(errc::not_found) : failure("open", name, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) return failure("stat", name, errno);
    char buf[32];
    const ssize_t n = ::read(file.fd, buf, sizeof buf);
    if (n < 0) return failure("read", name, errno);
    std::size_t header = 0;
    if (!detail::parse_expiry_line(std::string_view(buf, static_cast<std::size_t>(n)), expires,
                                   header))
      return {errc::malformed, where(name) + ": no expiry line"};
    size = static_cast<std::size_t>(st.st_size);
    return {};
  }

  // A new 0600 file holding the expiry line and `data`, its mtime set to the expiry.
  temporary write_temporary(std::int64_t expires, std::string_view header, std::string_view data) {
    temporary tmp{".tmp-" + new_store_id(), {}};
    const detail::fd_closer file{::openat(
        fd_, tmp.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (file.fd < 0) {
      tmp.status = failure("create", tmp.name, errno);
      return tmp;
    }
    for (std::string_view part : {header, data}) {
      while (!part.empty()) {
        const ssize_t n = ::write(file.fd, part.data(), part.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          tmp.status = failure("write", tmp.name, errno);
          ::unlinkat(fd_, tmp.name.c_str(), 0);
          return tmp;
        }
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    const timespec times[2] = {{expires, 0}, {expires, 0}};
    ::futimens(file.fd, times);  // a hint for counting; the first line is what counts
    return tmp;
  }

  // The count shared by every process: "entries bytes counted_at\n" in .usage.
  struct usage {
    std::size_t entries = 0;
    std::size_t bytes = 0;
    std::int64_t counted_at = 0;  // clock_'s Unix time of the last recount
  };

  // This process's threads (a mutex), then the other processes (flock on .usage).
  class usage_lock {
   public:
    explicit usage_lock(const basic_file_store& s) : store_(s), threads_(s.usage_mutex_) {
      while (::flock(store_.usage_fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
    ~usage_lock() { ::flock(store_.usage_fd_, LOCK_UN); }
    usage_lock(const usage_lock&) = delete;
    usage_lock& operator=(const usage_lock&) = delete;

   private:
    const basic_file_store& store_;
    std::lock_guard<std::mutex> threads_;
  };

  bool read_usage(usage& u) const {
    char buf[80];
    const ssize_t n = ::pread(usage_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return false;
    buf[n] = '\0';
    unsigned long long entries = 0, bytes = 0;
    long long at = 0;
    if (std::sscanf(buf, "%llu %llu %lld", &entries, &bytes, &at) != 3) return false;
    u = {static_cast<std::size_t>(entries), static_cast<std::size_t>(bytes), at};
    return true;
  }

  void write_usage(const usage& u) const {
    char buf[80];
    const int n = std::snprintf(buf, sizeof buf, "%llu %llu %lld\n",
                                static_cast<unsigned long long>(u.entries),
                                static_cast<unsigned long long>(u.bytes),
                                static_cast<long long>(u.counted_at));
    if (::pwrite(usage_fd_, buf, static_cast<std::size_t>(n), 0) == n)
      (void)::ftruncate(usage_fd_, n);
  }

  usage current_usage() const {
    const usage_lock lock(*this);
    usage u;
    if (!read_usage(u)) rescan_locked(u);
    return u;
  }

  // Counts `entries` and `bytes` as used, if the limits allow: errc::store_full otherwise.
  store_status reserve(std::size_t entries, std::size_t bytes) {
    const usage_lock lock(*this);
    return reserve_locked(entries, bytes);
  }
  store_status reserve_locked(std::size_t entries, std::size_t bytes) {
    usage u;
    if (!read_usage(u)) rescan_locked(u);
    const auto fits = [&] {
      return u.entries + entries <= limits_.max_entries && u.bytes + bytes <= limits_.max_bytes;
    };
    // Over a limit: expired entries go first. A recount at most once a second, so that a
    // flood does not turn every refused write into a scan of the directory.
    if (!fits() && u.counted_at != to_unix_seconds(clock_.now())) rescan_locked(u);
    if (!fits()) return detail::full(u.entries, u.bytes, limits_);
    u.entries += entries;
    u.bytes += bytes;
    write_usage(u);
    return {};
  }

  store_status release(std::size_t entries, std::size_t bytes, store_status why) {
    const usage_lock lock(*this);
    return release_locked(entries, bytes, std::move(why));
  }
  store_status release_locked(std::size_t entries, std::size_t bytes, store_status why) {
    settle_locked(bytes, 0, entries);
    return why;
  }

  // Replaces `counted` bytes by `actual`, and forgets `gone` entries.
  void settle(std::size_t counted, std::size_t actual, std::size_t gone = 0) {
    const usage_lock lock(*this);
    settle_locked(counted, actual, gone);
  }
  void settle_locked(std::size_t counted, std::size_t actual, std::size_t gone) {
    usage u;
    if (!read_usage(u)) {
      rescan_locked(u);  // counts the directory as it is now: nothing to adjust
      return;
    }
    u.bytes = (u.bytes >= counted ? u.bytes - counted : 0) + actual;
    u.entries = u.entries >= gone ? u.entries - gone : 0;
    write_usage(u);
  }

  // Counts the directory into `counted` and .usage, removing expired entries on the way.
  std::size_t rescan_locked(usage& counted) const {
    std::size_t removed = 0, entries = 0, bytes = 0;
    const std::int64_t now = to_unix_seconds(clock_.now());
    const auto an_hour_ago = std::chrono::system_clock::now() - std::chrono::hours(1);
    const int listing = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = listing < 0 ? nullptr : ::fdopendir(listing);
    if (dir == nullptr) {
      if (listing >= 0) ::close(listing);
      return 0;
    }
    while (const dirent* e = ::readdir(dir)) {
      const std::string_view name = e->d_name;
      struct stat st {};
      if (::fstatat(fd_, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        continue;
      if (name.starts_with(".tmp-")) {
        if (std::chrono::system_clock::from_time_t(st.st_ctime) < an_hour_ago &&
            ::unlinkat(fd_, e->d_name, 0) == 0)
          ++removed;
      } else if (name.ends_with(".session")) {
        if (st.st_mtime <= now && remove_if_expired(e->d_name, now)) {
          ++removed;
          continue;
        }
        ++entries;
        bytes += name.size() - 8 + static_cast<std::size_t>(st.st_size);
      }
    }
    ::closedir(dir);
    counted = {entries, bytes, now};
    write_usage(counted);
    return removed;
  }

  // `tmp` under the name `target` unless that is taken: 0, or the errno (EEXIST when taken).
  // `tmp` stays where it was on failure, and after a link() where rename cannot refuse.
  int place_new(const std::string& tmp, const std::string& target) const {
    if (::renameat2(fd_, tmp.c_str(), fd_, target.c_str(), RENAME_NOREPLACE) == 0) return 0;
    const int err = errno;
    if (err != EINVAL && err != ENOSYS) return err;
    return ::linkat(fd_, tmp.c_str(), fd_, target.c_str(), 0) == 0 ? 0 : errno;
  }

  // Removes the entry `target` (of `id`) if it has expired, and forgets it in the count
  // (whose lock the caller holds). Whether it did.
  bool remove_expired_locked(std::string_view id, const std::string& target) {
    struct stat st {};
    if (::fstatat(fd_, target.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    if (!remove_if_expired(target.c_str(), to_unix_seconds(clock_.now()))) return false;
    settle_locked(id.size() + static_cast<std::size_t>(st.st_size), 0, 1);
    return true;
  }

  // The mtime says expired; the first line has the last word. The file is first moved
  // aside, then checked: an update that slipped in between is put back, never deleted.
  bool remove_if_expired(const char* name, std::int64_t now) const {
    std::int64_t expires = 0;
    std::size_t size = 0;
    const store_status head = read_header(name, expires, size);
    if (head.code() != errc::malformed && (!head || expires > now)) return false;
    const std::string aside = ".tmp-" + new_store_id();
    if (::renameat(fd_, name, fd_, aside.c_str()) != 0) return false;
    const store_status again = read_header(aside, expires, size);
    if (again.code() != errc::malformed && (!again || expires > now)) {
      // Put back unless a new entry took the name meanwhile (then the aside one is older).
      if (::renameat2(fd_, aside.c_str(), fd_, name, RENAME_NOREPLACE) != 0)
        ::unlinkat(fd_, aside.c_str(), 0);
      return false;
    }
    return ::unlinkat(fd_, aside.c_str(), 0) == 0;
  }

  std::filesystem::path dir_;
  int fd_ = -1;  // the directory, opened once
  store_limits limits_;
  Clock clock_;
  int usage_fd_ = -1;  // .usage: the count shared by every process
  mutable std::mutex usage_mutex_;
};

using file_store = basic_file_store<>;

static_assert(session_store<memory_store>);
static_assert(session_store<file_store>);

}  // namespace crumb
