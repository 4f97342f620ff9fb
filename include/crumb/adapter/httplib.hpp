// crumb sessions for cpp-httplib servers: wrap a handler and it gets the request's session
// as a third argument; afterwards the session is committed as Django's SessionMiddleware
// does (Vary: Cookie, no save after a 5xx, a failed save answered 503 instead of lost).
// Needs cpp-httplib (Debian: libcpp-httplib-dev): link crumb::httplib (CMake) or
// crumb-httplib (meson), or add -lcpp-httplib.
#pragma once

#if defined(__has_include) && !__has_include(<httplib.h>)
#  error "crumb/adapter/httplib.hpp needs cpp-httplib (Debian: libcpp-httplib-dev): link crumb::httplib (CMake), crumb-httplib (meson) or -lcpp-httplib"
#endif
#include <httplib.h>

#include <functional>
#include <string>
#include <utility>

#include "crumb/manager.hpp"

namespace crumb {

/// Connects a session manager to cpp-httplib. Refers to the manager, which must outlive
/// it (a temporary manager does not compile).
template <class Manager>
class httplib_sessions {
 public:
  using session = typename Manager::session;

  explicit httplib_sessions(const Manager& manager) : manager_(manager) {}
  explicit httplib_sessions(const Manager&&) = delete;

  /// A handler for cpp-httplib from `handler(request, response, session&)`: the request's
  /// session is opened before it runs and committed after.
  template <class Handler>
  httplib::Server::Handler wrap(Handler handler) const {
    return [this, handler = std::move(handler)](const httplib::Request& req,
                                                httplib::Response& res) {
      session s = open(req);
      handler(req, res, s);
      commit(s, res);
    };
  }

  /// The request's session, from all its Cookie headers (for handlers that open and
  /// commit themselves, e.g. to describe the session after it was saved).
  session open(const httplib::Request& req) const {
    std::string header;
    const std::size_t n = req.get_header_value_count("Cookie");
    for (std::size_t i = 0; i < n; ++i) {
      if (i != 0) header += "; ";
      header += req.get_header_value("Cookie", i);
    }
    return manager_.open(header);
  }

  /// Commits `s` into `res` (see basic_session_manager::commit()): `Vary: Cookie`, one
  /// Set-Cookie header per cookie, or, when the save failed, the status it calls for
  /// (503 with Retry-After, or 409) with a short text and no cookie.
  void commit(session& s, httplib::Response& res) const {
    const commit_outcome out = manager_.commit(s, res.status < 0 ? 200 : res.status);
    if (out.vary_cookie) vary_on_cookie(res);
    if (out.status != 0) {
      if (on_failure_) on_failure_(out);
      res.status = out.status;
      if (out.status == 503) res.set_header("Retry-After", "1");
      res.set_content(std::string(failure_text(out.status)), "text/plain");
      return;
    }
    for (const cookie::set_cookie& c : out.cookies) res.set_header("Set-Cookie", c.render());
  }

  /// Called with every failed commit (for logs: its error and the store's words).
  void on_failure(std::function<void(const commit_outcome&)> log) { on_failure_ = std::move(log); }

 private:
  static void vary_on_cookie(httplib::Response& res) {
    std::string vary = res.get_header_value("Vary");
    if (vary.find("Cookie") != std::string::npos) return;
    res.headers.erase("Vary");
    res.set_header("Vary", vary.empty() ? "Cookie" : vary + ", Cookie");
  }

  const Manager& manager_;
  std::function<void(const commit_outcome&)> on_failure_;
};

}  // namespace crumb
