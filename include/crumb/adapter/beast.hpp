// crumb sessions for Boost.Beast: open a request's session from an http::request, commit
// it into an http::response as Django's SessionMiddleware does (Vary: Cookie, no save
// after a 5xx but a logout ends, a failed save answered 503 instead of lost). Each
// Set-Cookie is inserted, never set over another. Works with asio's threads and strands:
// a session may be committed on another thread than it was opened on. Needs Boost.Beast
// (Debian: libboost-dev, 1.74 or later): link crumb::beast (CMake) or crumb-beast (meson).
#pragma once

#if defined(__has_include) && !__has_include(<boost/beast/http.hpp>)
#  error "crumb/adapter/beast.hpp needs Boost.Beast (Debian: libboost-dev): link crumb::beast (CMake) or crumb-beast (meson)"
#endif
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "crumb/cookie.hpp"
#include "crumb/manager.hpp"

namespace crumb {

/// Connects a session manager to Boost.Beast messages. Refers to the manager, which must
/// outlive it (a temporary manager does not compile).
template <class Manager>
class beast_sessions : public adapter_base<Manager> {
 public:
  using session = typename Manager::session;

  explicit beast_sessions(const Manager& manager) : adapter_base<Manager>(manager) {}
  explicit beast_sessions(const Manager&&) = delete;

  /// The request's session, from all its Cookie fields.
  template <class Body, class Fields>
  session open(const boost::beast::http::request<Body, Fields>& req) const {
    std::string header;
    const auto [first, last] = req.equal_range(boost::beast::http::field::cookie);
    for (auto it = first; it != last; ++it) {
      if (!header.empty()) header += "; ";
      header.append(it->value().data(), it->value().size());
    }
    return this->manager_.open(header);
  }

  /// Commits `s` into `res` (see basic_session_manager::commit()): `Vary: Cookie`, one
  /// inserted Set-Cookie field per cookie; or, when the save failed, the status it calls
  /// for (503 with Retry-After, or 409) and no cookie; a string body is then replaced by
  /// a short text. Call it when the response is otherwise complete, before writing it.
  template <class Body, class Fields>
  void commit(session& s, boost::beast::http::response<Body, Fields>& res) const {
    namespace http = boost::beast::http;
    const commit_outcome out = this->finish(s, static_cast<int>(res.result_int()));
    if (out.vary_cookie) {
      std::vector<std::string_view> fields;
      const auto [first, last] = res.equal_range(http::field::vary);
      for (auto it = first; it != last; ++it)
        fields.emplace_back(it->value().data(), it->value().size());
      if (auto vary = this->vary_with_cookie(fields)) res.set(http::field::vary, *vary);
    }
    if (out.status != 0) {
      res.result(static_cast<unsigned>(out.status));
      if (out.status == 503) res.set(http::field::retry_after, "1");
      if constexpr (std::is_same_v<Body, http::string_body>) {
        res.set(http::field::content_type, "text/plain");
        res.body() = failure_text(out.status);
        res.prepare_payload();
      }
      return;
    }
    for (const cookie::set_cookie& c : out.cookies) res.insert(http::field::set_cookie, c.render());
  }
};

}  // namespace crumb
