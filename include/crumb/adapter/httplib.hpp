// crumb sessions for cpp-httplib servers: wrap a handler and it gets the request's session
// as a third argument; afterwards the session is committed as Django's SessionMiddleware
// does (Vary: Cookie, no save after a 5xx but a logout ends, a failed save answered 503
// instead of lost).
// Needs cpp-httplib (Debian: libcpp-httplib-dev): link crumb::httplib (CMake) or
// crumb-httplib (meson), or add -lcpp-httplib.
#pragma once

#if defined(__has_include) && !__has_include(<httplib.h>)
#  error \
      "crumb/adapter/httplib.hpp needs cpp-httplib (Debian: libcpp-httplib-dev): link crumb::httplib (CMake), crumb-httplib (meson) or -lcpp-httplib"
#endif
#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crumb/cookie.hpp"
#include "crumb/manager.hpp"

namespace crumb {

/// Connects a session manager to cpp-httplib. Refers to the manager, which must outlive
/// it (a temporary manager does not compile).
template <class Manager>
class httplib_sessions : public adapter_base<Manager> {
 public:
  using session = typename Manager::session;

  explicit httplib_sessions(const Manager& manager) : adapter_base<Manager>(manager) {}
  explicit httplib_sessions(const Manager&&) = delete;

  /// A handler for cpp-httplib from `handler(request, response, session&)`: the request's
  /// session is opened before it runs and committed after. A handler that throws is
  /// committed as a 500 (nothing saved, but a logout ends the session, as Django's
  /// middleware sees the 500 its exception becomes), and the exception goes on to
  /// cpp-httplib. The handler refers to this adapter, which must outlive the server.
  template <class Handler>
  httplib::Server::Handler wrap(Handler handler) const& {
    return
        [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
          session s = open(req);
          try {
            handler(req, res, s);
          } catch (...) {
            res.status = 500;
            commit(s, res);
            throw;
          }
          commit(s, res);
        };
  }
  /// A temporary adapter would be gone before the first request.
  template <class Handler>
  httplib::Server::Handler wrap(Handler) const&& = delete;

  /// The request's session, from all its Cookie headers (for handlers that open and
  /// commit themselves, e.g. to describe the session after it was saved).
  session open(const httplib::Request& req) const {
    return this->manager_.open(cookie_header(req));
  }

  /// The request's Cookie headers as one (HTTP/2 and some clients send several), for
  /// anything else that reads cookies (flash messages).
  static std::string cookie_header(const httplib::Request& req) {
    std::string header;
    const std::size_t n = req.get_header_value_count("Cookie");
    for (std::size_t i = 0; i < n; ++i) {
      if (i != 0) header += "; ";
      header += req.get_header_value("Cookie", i);
    }
    return header;
  }

  /// Commits `s` into `res` (see basic_session_manager::commit()): `Vary: Cookie`, one
  /// Set-Cookie header per cookie, or, when the save failed, the status it calls for
  /// (503 with Retry-After, or 409) with a short text and no cookie.
  void commit(session& s, httplib::Response& res) const {
    const commit_outcome out = this->finish(s, res.status < 0 ? 200 : res.status);
    if (out.vary_cookie) {
      std::vector<std::string_view> fields;
      const auto [first, last] = res.headers.equal_range("Vary");
      for (auto it = first; it != last; ++it) fields.emplace_back(it->second);
      if (auto vary = this->vary_with_cookie(fields)) {
        res.headers.erase("Vary");
        res.set_header("Vary", *vary);
      }
    }
    if (out.status != 0) {
      res.status = out.status;
      if (out.status == 503) res.set_header("Retry-After", "1");
      res.set_content(std::string(failure_text(out.status)), "text/plain");
      return;
    }
    for (const cookie::set_cookie& c : out.cookies) res.set_header("Set-Cookie", c.render());
  }
};

}  // namespace crumb
