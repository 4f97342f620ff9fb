// What every request of an application shares: the cookie's name and attributes, the
// lifetimes, and what happens to a session too big for a cookie.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>

#include "crumb/cookie.hpp"

namespace crumb {

/// What save() does when a session's cookie would pass the browser's size limit.
enum class oversize_policy {
  spill,  ///< data to the store under a random id; the cookie carries a signed reference
  chunk,  ///< split over cookies name, name.1, ... name.N, one MAC over the whole token
  error,  ///< save() returns errc::cookie_too_large
};

/// Settings shared by every request: cookie name and attributes, lifetimes, size policy.
struct session_settings {
  std::string cookie_name = "sessionid";
  /// Path, Domain, Secure, HttpOnly, SameSite, Partitioned; max_age is set by save().
  cookie::attributes cookie;
  /// SESSION_COOKIE_AGE: the lifetime when the session sets none of its own.
  std::chrono::seconds cookie_age{1209600};
  /// SESSION_EXPIRE_AT_BROWSER_CLOSE: the default when the session sets no expiry.
  bool expire_at_browser_close = false;
  /// SESSION_SAVE_EVERY_REQUEST: re-sign on every request (sliding expiry).
  bool save_every_request = false;
  oversize_policy oversize = oversize_policy::spill;
  cookie::size_limits limits;
  /// chunk: the most the chunks may add to the request's Cookie header (nginx's default
  /// header buffer is 8 KiB).
  std::size_t max_chunked_bytes = 8192;
};

/// The most cookies (name, name.1, ...) `settings` can split a session over: every chunk
/// but the last is full, and all must fit in max_chunked_bytes (2 with the defaults).
constexpr std::size_t max_chunks(const session_settings& settings) noexcept {
  const std::size_t full = settings.limits.max_name_and_value + 3;  // "name=value; "
  const std::size_t budget = settings.max_chunked_bytes;
  return std::min<std::size_t>(budget < 2 ? 1 : 1 + (budget - 2) / full, 1000);
}

}  // namespace crumb
