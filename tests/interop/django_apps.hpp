// The Django site of tests/interop/django_apps_peer.py, shared by the live login, messages
// and CSRF tests: its SECRET_KEY, its ops, and requests through Django's own middleware.
#pragma once

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "interop/python_peer.hpp"

namespace crumb_test {

/// One Django site (one in-memory database) for as long as it lives.
class django_apps_site {
 public:
  django_apps_site()
      : peer_(CRUMB_DJANGO_APPS_PEER, "python3-django"),
        secret_(*peer_.banner().if_object()->find("secret")->if_string()) {}

  /// The site's SECRET_KEY.
  const std::string& secret() const noexcept { return secret_; }

  /// One of the peer's ops other than a request (create_user, set_password,
  /// password_hash), with its fields; the peer's answer.
  crumb::value ask(std::string_view op, crumb::object fields = {}) {
    fields.insert_or_assign("op", std::string(op));
    return send(std::move(fields));
  }

  /// A request with the Cookie header `cookie`, form fields `data` and request `headers`:
  /// {"status", "body", "set_cookies": {name: {"value", "max_age", "expires"}}}.
  crumb::value request(std::string_view method, std::string_view path, std::string_view cookie,
                       crumb::object data = {}, crumb::object headers = {}) {
    crumb::object req{{"op", "request"},
                      {"method", std::string(method)},
                      {"path", std::string(path)},
                      {"cookie", std::string(cookie)}};
    req.insert_or_assign("data", std::move(data));
    req.insert_or_assign("headers", std::move(headers));
    return send(std::move(req));
  }

 private:
  crumb::value send(crumb::object request) {
    return peer_.ask(crumb::json::to_string(crumb::value(std::move(request))).value());
  }

  live_python_peer peer_;
  std::string secret_;
};

/// The member `key` of a site's answer (an object), and its member `sub` when given;
/// null when absent.
inline const crumb::value* field(const crumb::value& answer, std::string_view key,
                                 std::string_view sub = {}) {
  const crumb::value* at = answer.if_object()->find(key);
  if (at != nullptr && !sub.empty()) at = at->if_object()->find(sub);
  return at;
}

/// A request's HTTP status.
inline std::int64_t status(const crumb::value& answer) {
  return *field(answer, "status")->if_int();
}

/// The session cookie a request's answer sets, as a Cookie header ("" when none).
inline std::string session_cookie(const crumb::value& answer) {
  const crumb::value* set = field(answer, "set_cookies", "sessionid");
  if (set == nullptr) return "";
  return "sessionid=" + *set->if_object()->find("value")->if_string();
}

}  // namespace crumb_test
