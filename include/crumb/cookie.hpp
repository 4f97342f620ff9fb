// Cookies on the wire: find a cookie in a request's `Cookie:` header (RFC 6265, tolerant
// of what browsers and proxies really send) and render `Set-Cookie:` values, refusing
// anything that could split or inject a header, and anything a browser would drop for size.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "crumb/clock.hpp"
#include "crumb/error.hpp"

namespace crumb::cookie {

/// The SameSite attribute; `unset` leaves it out (browsers then default to Lax).
enum class same_site { unset, lax, strict, none };

/// Size rules browsers apply (RFC 6265bis, Chromium, Firefox): name + value at most 4096
/// bytes, each attribute value at most 1024. Past them a browser drops the cookie silently,
/// so crumb refuses to render it instead.
struct size_limits {
  std::size_t max_name_and_value = 4096;
  std::size_t max_attribute_value = 1024;
};

/// The longest lifetime browsers keep (RFC 6265bis: Max-Age and Expires are capped at 400
/// days); render() writes a longer max_age as this.
inline constexpr std::chrono::seconds max_lifetime{400 * 24 * 3600};

/// Attributes of a Set-Cookie. The defaults are the safe ones: HttpOnly, SameSite=Lax, Path=/.
struct attributes {
  std::string path = "/";
  std::string domain;  ///< empty: host-only
  bool secure = false;
  bool http_only = true;
  cookie::same_site same_site = same_site::lax;
  bool partitioned = false;  ///< CHIPS; browsers require Secure with it
  /// Lifetime: rendered as both Max-Age and Expires. nullopt: a browser-session cookie.
  std::optional<std::chrono::seconds> max_age;
};

namespace detail {
constexpr bool is_ctl(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

// RFC 7230 token characters: what a cookie name may be made of.
constexpr bool is_token_char(unsigned char c) noexcept {
  if (c <= 0x20 || c >= 0x7f) return false;
  constexpr std::string_view separators = "()<>@,;:\\\"/[]?={} \t";
  return separators.find(static_cast<char>(c)) == std::string_view::npos;
}

// RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash.
constexpr bool is_cookie_octet(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline void append_http_date(std::string& out, std::chrono::sys_seconds t) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day_point = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day_point};
  const std::chrono::hh_mm_ss hms{t - day_point};
  const std::chrono::weekday wd{day_point};
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                              days[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                              months[static_cast<unsigned>(ymd.month()) - 1],
                              static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                              static_cast<int>(hms.minutes().count()),
                              static_cast<int>(hms.seconds().count()));
  out.append(buf, static_cast<std::size_t>(n));
}

// Whether `name` starts with `prefix`, ignoring ASCII case (as browsers match prefixes).
constexpr bool has_prefix(std::string_view name, std::string_view prefix) noexcept {
  if (name.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char p = prefix[i];
    if (p >= 'A' && p <= 'Z') p = static_cast<char>(p - 'A' + 'a');
    if (c != p) return false;
  }
  return true;
}

// The conditions browsers set on prefixed names (RFC 6265bis 4.1.3): they drop a
// `__Secure-` cookie without Secure, and a `__Host-` one without Secure, with a Domain or
// with a Path other than "/".
constexpr bool prefix_rules_hold(std::string_view name, const attributes& attrs) noexcept {
  if (has_prefix(name, "__Secure-")) return attrs.secure;
  if (has_prefix(name, "__Host-"))
    return attrs.secure && attrs.domain.empty() && attrs.path == "/";
  return true;
}
}  // namespace detail

/// Whether `name` may be sent as a cookie name (an RFC 7230 token).
constexpr bool valid_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const char c : name)
    if (!detail::is_token_char(static_cast<unsigned char>(c))) return false;
  return true;
}

/// Whether `value` may be sent as a cookie value (RFC 6265 cookie-octets, unquoted).
constexpr bool valid_value(std::string_view value) noexcept {
  for (const char c : value)
    if (!detail::is_cookie_octet(static_cast<unsigned char>(c))) return false;
  return true;
}

/// Calls `visit(name, value)` for each cookie in a `Cookie:` header, in order. Tolerant:
/// spaces and tabs around names and values are ignored, a value in double quotes is
/// unquoted, and pieces with no '=' or an empty name are skipped. Does not allocate.
template <class Visit>
void for_each(std::string_view header, Visit&& visit) {
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    std::string_view piece = header.substr(0, end);
    header.remove_prefix(end == std::string_view::npos ? header.size() : end + 1);
    const std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = detail::trim(piece.substr(0, eq));
    std::string_view value = detail::trim(piece.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!name.empty()) visit(name, value);
  }
}

/// The value of cookie `name` in a `Cookie:` header. When the name appears more than once
/// the first one wins: browsers send the cookie with the most specific Path first
/// (RFC 6265 section 5.4), which is the one the application set for itself.
inline std::optional<std::string_view> find(std::string_view header, std::string_view name) {
  std::optional<std::string_view> found;
  for_each(header, [&](std::string_view n, std::string_view v) {
    if (!found && n == name) found = v;
  });
  return found;
}

/// Whether a cookie may be sent as given. Errors: errc::invalid_cookie when the name is
/// not a token, the value holds anything but cookie-octets, Path or Domain hold a control
/// character or ';', SameSite=None or Partitioned come without Secure (browsers reject
/// those), a `__Secure-` name comes without Secure, or a `__Host-` name without Secure,
/// with a Domain or with a Path other than "/" (browsers drop those);
/// errc::cookie_too_large when name + value or an attribute value passes `limits`.
[[nodiscard]] inline errc check(std::string_view name, std::string_view value,
                                const attributes& attrs, const size_limits& limits = {}) {
  const auto safe_attribute = [](std::string_view v) {
    for (const char c : v)
      if (detail::is_ctl(static_cast<unsigned char>(c)) || c == ';') return false;
    return true;
  };
  if (!valid_name(name) || !valid_value(value) || !safe_attribute(attrs.path) ||
      !safe_attribute(attrs.domain))
    return errc::invalid_cookie;
  if ((attrs.same_site == same_site::none || attrs.partitioned) && !attrs.secure)
    return errc::invalid_cookie;
  if (!detail::prefix_rules_hold(name, attrs)) return errc::invalid_cookie;
  if (name.size() + value.size() > limits.max_name_and_value ||
      attrs.path.size() > limits.max_attribute_value ||
      attrs.domain.size() > limits.max_attribute_value)
    return errc::cookie_too_large;
  return errc::ok;
}

namespace detail {
// The header value of a cookie that check() accepted.
inline void append_set_cookie(std::string& out, std::string_view name, std::string_view value,
                              const attributes& attrs, std::chrono::system_clock::time_point now) {
  out.append(name).append("=").append(value);
  if (attrs.max_age) {
    const auto age = std::clamp(*attrs.max_age, std::chrono::seconds(0), max_lifetime);
    out.append("; Max-Age=").append(std::to_string(age.count())).append("; Expires=");
    // A deletion (age 0) gets the epoch: no clock skew can make it live a moment longer.
    // Whole seconds: no `now` a clock can give overflows when the age is added.
    const auto expires = std::chrono::sys_seconds(std::chrono::seconds(
        crumb::detail::saturating_add(to_unix_seconds(now), age.count())));
    append_http_date(out, age.count() == 0 ? std::chrono::sys_seconds{} : expires);
  }
  if (!attrs.domain.empty()) out.append("; Domain=").append(attrs.domain);
  if (!attrs.path.empty()) out.append("; Path=").append(attrs.path);
  if (attrs.secure) out.append("; Secure");
  if (attrs.http_only) out.append("; HttpOnly");
  switch (attrs.same_site) {
    case same_site::lax: out.append("; SameSite=Lax"); break;
    case same_site::strict: out.append("; SameSite=Strict"); break;
    case same_site::none: out.append("; SameSite=None"); break;
    case same_site::unset: break;
  }
  if (attrs.partitioned) out.append("; Partitioned");
}
}  // namespace detail

/// Appends a `Set-Cookie:` header value (without the header name) to `out`, after check()
/// (its errors; `out` is unchanged on error). A max_age over max_lifetime is written as
/// max_lifetime; Expires is `now` + max_age.
[[nodiscard]] inline errc render(std::string& out, std::string_view name, std::string_view value,
                                 const attributes& attrs,
                                 std::chrono::system_clock::time_point now =
                                     std::chrono::system_clock::now(),
                                 const size_limits& limits = {}) {
  if (const errc e = check(name, value, attrs, limits); e != errc::ok) return e;
  detail::append_set_cookie(out, name, value, attrs, now);
  return errc::ok;
}

/// A cookie to set, as a structure: for frameworks that keep cookies as objects
/// (name, value, attributes) rather than header lines. Made by a session's commit, which
/// has already check()ed it; `now` is when its max_age counts from.
struct set_cookie {
  std::string name;
  std::string value;
  attributes attrs;
  std::chrono::system_clock::time_point now;
  /// The `Set-Cookie:` header value.
  std::string render() const {
    std::string out;
    detail::append_set_cookie(out, name, value, attrs, now);
    return out;
  }
  /// Whether this cookie deletes one (Max-Age=0).
  bool deletes() const noexcept { return attrs.max_age && attrs.max_age->count() == 0; }
};

/// A `Set-Cookie:` value as a new string (see render(std::string&, ...)).
inline result<std::string> render(std::string_view name, std::string_view value,
                                  const attributes& attrs,
                                  std::chrono::system_clock::time_point now =
                                      std::chrono::system_clock::now(),
                                  const size_limits& limits = {}) {
  std::string out;
  if (const errc e = render(out, name, value, attrs, now, limits); e != errc::ok) return e;
  return out;
}

/// A `Set-Cookie:` value that deletes cookie `name`: empty, Max-Age=0, Expires in 1970,
/// with the same Path/Domain/flags it was set with (browsers match on them).
inline result<std::string> render_deletion(std::string_view name, attributes attrs) {
  attrs.max_age = std::chrono::seconds(0);
  return render(name, "", attrs);
}

}  // namespace crumb::cookie
