// The session manager: one per application. It owns what every request shares (the keys,
// prepared once; the settings, with one lifetime for the cookie and the token; one clock;
// a reference to the store), opens each request's session, and commits it the way
// Django's SessionMiddleware does. Safe to share between threads: each session borrows a
// codec from the manager's pool while it needs one, so a request may move between threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "crumb/clock.hpp"
#include "crumb/codec.hpp"
#include "crumb/compress.hpp"
#include "crumb/cookie.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/profile/native.hpp"
#include "crumb/purpose.hpp"
#include "crumb/session.hpp"
#include "crumb/session_settings.hpp"
#include "crumb/store.hpp"
#include "crumb/value.hpp"

namespace crumb {

/// What to do with a response once its handler has run (see session_manager::commit()).
struct commit_outcome {
  /// Set-Cookie to add, each as its own header (insert, never replace).
  std::vector<cookie::set_cookie> cookies;
  /// The session was read: add `Vary: Cookie`, so that no cache serves it to another visitor.
  bool vary_cookie = false;
  /// Not 0 when the session could not be saved: answer with this status instead (503 when
  /// the store may answer a retry, 409 when a concurrent request deleted the session, 500
  /// when no retry can save it), and no Set-Cookie.
  int status = 0;
  std::error_code error;  ///< why, for logs
  std::string cause;      ///< the store's words, for logs
};

/// The status a failed save answers with, so that a session is never lost silently
/// behind a 200: 409 for session_interrupted (a concurrent logout won); 503 when the store
/// is down or full (store_unavailable, store_full: a retry may pass); 500 for the rest,
/// which no retry saves (a session too large for its cookie and store, a cookie name or
/// attribute that cannot be sent, ...).
constexpr int http_status_for(errc e) noexcept {
  if (e == errc::session_interrupted) return 409;
  if (e == errc::store_unavailable || e == errc::store_full) return 503;
  return 500;
}

/// The short text an adapter answers a failed save with, for its status.
constexpr std::string_view failure_text(int status) noexcept {
  if (status == 409) return "session ended by another request\n";
  if (status == 503) return "session not saved, try again\n";
  return "session not saved\n";
}

/// One per application; see the header comment. `Store` is referred to, not owned: it must
/// outlive the manager, and the manager every session it opened (the rule, enforced where
/// a compiler can: a temporary store or manager does not compile).
template <class Profile = profile::django, session_store Store = memory_store,
          clock_policy Clock = system_clock, mac_policy Mac = default_hmac_sha256,
          compression_policy Compression = zlib_compression>
class basic_session_manager {
  // The manager's one clock, seen by codecs and sessions alike.
  struct clock_ref {
    const Clock* clock;
    time_point now() const { return clock->now(); }
  };

 public:
  using codec_type = basic_codec<Profile, Compression, Mac, clock_ref>;
  using codec_options = typename codec_type::options;
  using store_type = Store;

  /// A codec borrowed from the manager's pool on first use and given back when the session
  /// ends: the session_codec a managed session runs on.
  class pooled_codec {
   public:
    using profile_type = Profile;

    explicit pooled_codec(const basic_session_manager& m) noexcept : manager_(&m) {}
    pooled_codec(const pooled_codec&) = delete;
    pooled_codec& operator=(const pooled_codec&) = delete;
    ~pooled_codec() {
      if (codec_) manager_->give_back(std::move(codec_));
    }
    [[nodiscard]] errc encode_into(const value& v, std::string& token, purpose p,
                                   const token_info* renewing) {
      return get().encode_into(v, token, p, renewing);
    }
    [[nodiscard]] errc decode_into(std::string_view token, value& out, token_info& info,
                                   purpose p) {
      return get().decode_into(token, out, info, p);
    }

   private:
    codec_type& get() {
      if (!codec_) codec_ = manager_->borrow();
      return *codec_;
    }
    const basic_session_manager* manager_;
    std::unique_ptr<codec_type> codec_;
  };

 private:
  // Base-from-member: the pooled codec is built before the basic_session that uses it.
  struct codec_holder {
    pooled_codec codec;
  };

 public:
  /// One request's session: everything basic_session offers (dict access, expiry, flush,
  /// cycle_key, save/commit). Neither copied nor moved: it refers to its manager and lends
  /// itself to the handler by reference.
  class session : private codec_holder, public basic_session<pooled_codec, Store, clock_ref> {
    using base = basic_session<pooled_codec, Store, clock_ref>;

   public:
    /// The session of a request whose Cookie header is `cookie_header`.
    session(const basic_session_manager& m, std::string_view cookie_header)
        : codec_holder{pooled_codec(m)},
          base(codec_holder::codec, m.store_, m.settings_, clock_ref{&m.clock_}) {
      this->load(cookie_header);
    }
    session(const session&) = delete;
    session& operator=(const session&) = delete;
  };

  /// A manager without a store: sessions too big for a cookie fail to save (or are
  /// chunked, as the settings say). `settings.cookie_age` is the one lifetime: the
  /// cookie's Max-Age and the age past which a token is refused (codec options' max_age
  /// is set from it). Throws std::invalid_argument on bad codec options (see basic_codec).
  explicit basic_session_manager(key_ring keys, session_settings settings = {},
                                 codec_options options = {}, Clock clock = {})
      : keys_(std::move(keys)),
        settings_(std::move(settings)),
        options_(std::move(options)),
        clock_(std::move(clock)) {
    options_.max_age = settings_.cookie_age;
    // A profile that binds its tokens to their cookie takes the settings' name.
    if constexpr (requires { options_.cookie_name; }) options_.cookie_name = settings_.cookie_name;
    give_back(borrow());  // a bad option fails here, at startup, not in a request
  }
  /// A manager whose oversized sessions spill to `store`.
  basic_session_manager(key_ring keys, Store& store, session_settings settings = {},
                        codec_options options = {}, Clock clock = {})
      : basic_session_manager(std::move(keys), std::move(settings), std::move(options),
                              std::move(clock)) {
    store_ = &store;
  }
  /// A temporary store would be gone before the first request.
  basic_session_manager(key_ring, Store&&, session_settings = {}, codec_options = {},
                        Clock = {}) = delete;
  basic_session_manager(const basic_session_manager&) = delete;
  basic_session_manager& operator=(const basic_session_manager&) = delete;

  /// The session of a request with this `Cookie:` header. Cheap: nothing is verified or
  /// decoded until the session is used.
  session open(std::string_view cookie_header) const& { return session(*this, cookie_header); }
  session open(std::string_view) const&& = delete;  // a temporary manager would dangle

  /// The same, for frameworks that parse `Cookie:` themselves: `lookup(name)` gives the
  /// value of cookie `name` (anything that converts to bool and dereferences to a string:
  /// std::optional<std::string_view>, const std::string*, ...), or nothing.
  template <class Lookup>
  session open_with(Lookup&& lookup) const& {
    std::string header;
    const auto take = [&](const std::string& name) {
      if (const auto v = lookup(name)) {
        if (!header.empty()) header += "; ";
        header.append(name).append("=").append(std::string_view(*v));
      }
    };
    take(settings_.cookie_name);
    const std::size_t chunks = crumb::max_chunks(settings_);
    for (std::size_t k = 1; k < chunks; ++k) take(settings_.cookie_name + "." + std::to_string(k));
    return session(*this, header);
  }
  template <class Lookup>
  session open_with(Lookup&&) const&& = delete;

  /// What Django's SessionMiddleware does once the handler has answered with `status`:
  /// - the session was read: `Vary: Cookie`;
  /// - `status` >= 500: nothing is saved (the handler failed half-way), but a session it
  ///   ended (flush(), or emptied) still ends: store entry deleted, cookies expired;
  /// - otherwise the session is saved when modified (or on every request with
  ///   save_every_request); an emptied one deletes its cookie; a visitor whose session
  ///   stayed empty gets no cookie;
  /// - a save that fails sets `status` (http_status_for()), sends no cookie, and says why.
  commit_outcome commit(session& s, int status) const {
    commit_outcome out;
    out.vary_cookie = s.loaded();
    auto cookies = status >= 500 ? s.commit_ending_only() : s.commit();
    if (!cookies) {
      out.error = cookies.error();
      out.cause = s.error_cause();
      out.status = out.error.category() == category()
                       ? http_status_for(static_cast<errc>(out.error.value()))
                       : 503;
      return out;
    }
    out.cookies = std::move(*cookies);
    return out;
  }

  const session_settings& settings() const noexcept { return settings_; }
  const codec_options& options() const noexcept { return options_; }
  const Clock& clock() const noexcept { return clock_; }
  Store* store() const noexcept { return store_; }
  /// Codecs made so far: at most the number of sessions ever open at once.
  std::size_t codecs() const {
    const std::lock_guard lock(pool_mutex_);
    return made_;
  }

 private:
  // A codec for one session at a time: from the pool, or new (keys derived once per codec;
  // the pool then holds as many as were ever in use together, and steady state allocates
  // nothing).
  std::unique_ptr<codec_type> borrow() const {
    {
      const std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
      ++made_;
    }
    return std::make_unique<codec_type>(keys_, options_, clock_ref{&clock_});
  }

  void give_back(std::unique_ptr<codec_type> c) const {
    const std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(c));
  }

  key_ring keys_;
  session_settings settings_;
  codec_options options_;
  Clock clock_;
  Store* store_ = nullptr;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<codec_type>> pool_;
  mutable std::size_t made_ = 0;
};

/// What every framework adapter shares: the manager it refers to (which must outlive it),
/// the commit with its failure log, and the Vary rule. An adapter adds how its framework
/// reads a request's cookies and writes a response.
template <class Manager>
class adapter_base {
 public:
  using session = typename Manager::session;

  /// Called with every failed commit (for logs: its error and the store's words).
  void on_failure(std::function<void(const commit_outcome&)> log) { on_failure_ = std::move(log); }

 protected:
  explicit adapter_base(const Manager& manager) : manager_(manager) {}

  /// The manager's commit for a response with `status`; a failure goes to the log.
  commit_outcome finish(session& s, int status) const {
    commit_outcome out = manager_.commit(s, status);
    if (out.status != 0 && on_failure_) on_failure_(out);
    return out;
  }

  /// The response's `Vary` with Cookie added, or nullopt when it already names Cookie
  /// (any case) or is `*`. `fields`: the value of every Vary field, in order; the answer
  /// is one list of all of them (RFC 9110 reads several fields as one list), so a value
  /// the handler set in a field of its own is kept.
  static std::optional<std::string> vary_with_cookie(const std::vector<std::string_view>& fields) {
    std::string vary;
    for (const std::string_view field : fields) {
      std::size_t at = 0;
      while (at <= field.size()) {
        const std::size_t comma = std::min(field.find(',', at), field.size());
        const std::string_view name = cookie::detail::trim(field.substr(at, comma - at));
        if (name == "*" || names_cookie(name)) return std::nullopt;
        if (!name.empty()) (vary.empty() ? vary : vary += ", ") += name;
        at = comma + 1;
      }
    }
    return vary.empty() ? std::string("Cookie") : vary + ", Cookie";
  }

  const Manager& manager_;

 private:
  static bool names_cookie(std::string_view name) noexcept {
    constexpr std::string_view lower = "cookie";
    if (name.size() != lower.size()) return false;
    for (std::size_t i = 0; i < lower.size(); ++i)
      if ((name[i] | 0x20) != lower[i]) return false;  // ASCII letters: | 0x20 is lower case
    return true;
  }

  std::function<void(const commit_outcome&)> on_failure_;
};

/// Django-compatible sessions: the common case, no template arguments. A session too large
/// for its cookie spills into the store given to the constructor (a memory_store here;
/// `django_sessions<file_store>` for a directory, `<redis_store>` for Redis); made without
/// one, such a session is not saved (cookie_too_large, answered 500).
template <session_store Store = memory_store>
using django_sessions = basic_session_manager<profile::django, Store>;

/// Sessions in crumb's own format (profile/native.hpp): key ids, tokens bound to their
/// cookie, absolute and idle timeouts; set the codec options' `encrypt` for secret content.
template <session_store Store = memory_store>
using native_sessions = basic_session_manager<profile::native, Store>;

}  // namespace crumb
