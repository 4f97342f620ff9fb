// Error values for everything that reads untrusted bytes: crumb::errc, plugged into
// std::error_code through crumb's own category, and result<T>, spelled like std::expected.
// Invalid cookies are normal traffic, so they are reported as values, never thrown.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace crumb {

/// Why an operation failed. Callers should treat every code other than `ok` as
/// "no session": the codes are for logs and metrics, not for replies to clients.
/// One scheme: `invalid_<part>` when a part of the input fails its check, `too_<what>`
/// when a bound is passed, and a plain state otherwise (`malformed`, `expired`, ...).
enum class errc {
  ok = 0,
  malformed,            ///< not shaped like a token: separators, base64, timestamp, header
  invalid_signature,    ///< the MAC (or the AEAD tag) matches no key in the ring
  unknown_key,          ///< the token names a key id that is not in the ring
  expired,              ///< past its age, its absolute expiry or its idle timeout
  not_yet_valid,        ///< issued further in the future than the allowed clock skew
  too_large,            ///< input or output over a configured bound (token, inflate, JSON)
  too_deep,             ///< nesting deeper than the configured limit
  invalid_json,         ///< not JSON, or not JSON that crumb accepts
  number_out_of_range,  ///< integer outside int64, or a float beyond double's range
  invalid_utf8,         ///< a string that is not valid UTF-8 (lone surrogates included)
  not_finite,           ///< NaN or infinity: JSON (and Python's json.dumps) cannot carry it
  invalid_compression,  ///< a compressed payload that is not a valid zlib stream
  type_mismatch,        ///< typed access asked for a type the value does not hold
  not_found,            ///< typed access to a key that is not there; a store entry gone
  cookie_too_large,     ///< the cookie would exceed the browser's size limits
  invalid_cookie,       ///< a cookie name, value or attribute that cannot be sent safely
  store_unavailable,    ///< the store cannot answer now (I/O error, permission, Redis down)
  store_full,           ///< the store is at its size or entry cap; nothing live was evicted
  session_interrupted,  ///< the session's store entry vanished mid-request (a concurrent logout)
  auth_hash_mismatch,   ///< the login's hash does not match the user's password (changed since)
  revoked,              ///< the user's sessions were revoked after this one began
  invalid_csrf_token,   ///< a CSRF token missing, malformed, or not this session's
};

namespace detail {
inline constexpr std::string_view errc_names[] = {
    "ok",
    "malformed",
    "invalid_signature",
    "unknown_key",
    "expired",
    "not_yet_valid",
    "too_large",
    "too_deep",
    "invalid_json",
    "number_out_of_range",
    "invalid_utf8",
    "not_finite",
    "invalid_compression",
    "type_mismatch",
    "not_found",
    "cookie_too_large",
    "invalid_cookie",
    "store_unavailable",
    "store_full",
    "session_interrupted",
    "auth_hash_mismatch",
    "revoked",
    "invalid_csrf_token",
};
inline constexpr std::string_view errc_messages[] = {
    "success",
    "malformed token",
    "signature does not match any key",
    "token signed with a key that is not in the ring",
    "token has expired",
    "token issued in the future",
    "input or output exceeds a configured limit",
    "JSON nested too deeply",
    "invalid JSON",
    "number out of range",
    "invalid UTF-8 in a string",
    "NaN or infinity cannot be serialized",
    "invalid compressed payload",
    "value has a different type",
    "key not found",
    "cookie exceeds the size limit",
    "cookie name, value or attribute cannot be sent safely",
    "session store unavailable",
    "session store full",
    "session deleted by a concurrent request",
    "login hash does not match the user's password",
    "session revoked",
    "CSRF token missing or incorrect",
};
static_assert(std::size(errc_names) == std::size(errc_messages));
static_assert(std::size(errc_names) == static_cast<std::size_t>(errc::invalid_csrf_token) + 1);
}  // namespace detail

/// The enumerator's name as written in the source ("invalid_signature"): stable, for logs
/// and tools.
constexpr std::string_view name(errc e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < std::size(detail::errc_names) ? detail::errc_names[i] : "unknown";
}

/// The std::error_category of crumb::errc; its name() is "crumb".
class error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "crumb"; }
  std::string message(int ev) const override {
    const auto i = static_cast<std::size_t>(ev);
    return i < std::size(detail::errc_messages) ? std::string(detail::errc_messages[i])
                                                : "unknown crumb error";
  }
};

/// The single instance of crumb's category.
inline const std::error_category& category() noexcept {
  static const error_category instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace crumb

template <>
struct std::is_error_code_enum<crumb::errc> : std::true_type {};

namespace crumb {

/// Thrown only by result<T>::value() on an error, and only when exceptions are enabled.
class bad_result_access : public std::system_error {
 public:
  explicit bad_result_access(std::error_code ec) : std::system_error(ec) {}
};

/// Either a T or the error that prevented it, spelled like std::expected so it can become
/// an alias once C++23 is the floor. Constructible from a T, an errc or a std::error_code.
template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  result(const T& v) : value_(v) {}  // NOLINT(google-explicit-constructor): like expected
  result(T&& v) : value_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  result(errc e) : error_(e) {}  // NOLINT(google-explicit-constructor)
  result(std::error_code ec) : error_(ec) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  /// The error; a default (empty) error_code when there is a value.
  std::error_code error() const noexcept { return error_; }

  /// The value; throws bad_result_access (or aborts without exceptions) when there is none.
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }

  T& operator*() & noexcept { return *value_; }
  const T& operator*() const& noexcept { return *value_; }
  T&& operator*() && noexcept { return std::move(*value_); }
  T* operator->() noexcept { return &*value_; }
  const T* operator->() const noexcept { return &*value_; }

  template <class U = T>
  T value_or(U&& fallback) const& {
    return has_value() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void check() const {
    if (value_) return;
#if defined(__cpp_exceptions)
    throw bad_result_access(error_);
#else
    std::abort();
#endif
  }

  std::optional<T> value_;
  std::error_code error_;
};

}  // namespace crumb
