// Login state in the session, as django.contrib.auth keeps it: the user's id, the backend
// that authenticated them, and a hash tied to their password (so that changing the
// password logs out every session, with no store). A user logged in by Django is
// recognised here, and the reverse. Optional revocation: a per-user generation kept in a
// store and carried in the session ends every older session of the user at once.
#pragma once

#include <sodium.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "crumb/clock.hpp"
#include "crumb/csrf.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/session.hpp"
#include "crumb/store.hpp"
#include "crumb/value.hpp"

namespace crumb::auth {

/// The session keys of django.contrib.auth (SESSION_KEY, BACKEND_SESSION_KEY,
/// HASH_SESSION_KEY), and crumb's own for the revocation generation.
inline constexpr std::string_view user_id_key = "_auth_user_id";
inline constexpr std::string_view backend_key = "_auth_user_backend";
inline constexpr std::string_view hash_key = "_auth_user_hash";
inline constexpr std::string_view generation_key = "_crumb_auth_generation";
/// Django's default backend: what a session logged in by crumb names, so that Django's
/// get_user() accepts it.
inline constexpr std::string_view model_backend = "django.contrib.auth.backends.ModelBackend";
/// The key salt of AbstractBaseUser.get_session_auth_hash().
inline constexpr std::string_view session_hash_salt =
    "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// A user's revocation generation, as the store holds it.
struct generation {
  /// A random value, new at each revocation; empty for a user never revoked.
  std::string id;
  /// When the last revocation was, Unix seconds (0 for a user never revoked).
  std::int64_t revoked_at = 0;
};

/// Per-user revocation generations kept in a session store, shared by every process that
/// shares the store. A generation is a random value, not a count: a revocation writes a
/// fresh one without reading the old, so two at once can never collapse into one that
/// misses a session. Entries never expire (an expired one would bring older sessions
/// back), so the store keeps one entry per user ever revoked; give revocations a durable
/// store of their own, so that a store filled by anonymous sessions cannot refuse one.
template <session_store Store>
class generations {
 public:
  explicit generations(Store& store) noexcept : store_(&store) {}

  /// The user's generation (an empty one when never revoked); the store's error when it
  /// cannot say, errc::malformed for an entry that is not one (refuse: fail closed).
  result<generation> current(std::string_view user_id) const {
    std::string text;
    const store_status s = store_->get(entry_id(user_id), text);
    if (s.code() == errc::not_found) return generation{};
    if (!s) return s.code();
    // "<22 base64url characters> <Unix seconds>"
    generation g;
    const std::size_t space = text.find(' ');
    if (space != 22) return errc::malformed;
    g.id = text.substr(0, space);
    const char* first = text.data() + space + 1;
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, g.revoked_at);
    if (ec != std::errc() || end != last || first == last || g.revoked_at < 0)
      return errc::malformed;
    return g;
  }

  /// Revokes every session of the user begun before this call: on its next request each
  /// one is refused (errc::revoked) by every process that shares the store. Returns the
  /// new generation, or the store's error (nothing was revoked).
  result<generation> revoke(std::string_view user_id) const {
    const std::string id = entry_id(user_id);
    generation fresh{detail::random_base64url<16>(), to_unix_seconds(system_clock{}.now())};
    const std::string text = fresh.id + " " + std::to_string(fresh.revoked_at);
    // update() when the entry is there, create() when not; a concurrent first revocation
    // may create it between the two, so try once more.
    for (int attempt = 0; attempt < 2; ++attempt) {
      store_status s = store_->update(id, text, forever);
      if (s.code() == errc::not_found) s = store_->create(id, text, forever);
      if (s) return fresh;
      if (attempt == 1) return s.code();
    }
    return errc::store_unavailable;
  }

  /// The store entry that holds a user's generation (see store_id_for()).
  static std::string entry_id(std::string_view user_id) {
    return store_id_for("crumb-generation-", user_id);
  }

 private:
  static constexpr std::chrono::seconds forever = std::chrono::seconds::max();

  Store* store_;
};

/// What login() and current_user() accept beyond the secrets.
struct auth_options {
  /// The backends a session may name (Django's AUTHENTICATION_BACKENDS): a session naming
  /// another is anonymous, as in django.contrib.auth.get_user(). Empty: any backend.
  std::vector<std::string> backends{std::string(model_backend)};
  /// Also accept Django 3.1/3.2's SHA-1 login hash (_legacy_get_session_auth_hash, and
  /// what DEFAULT_HASHING_ALGORITHM = "sha1" writes), as Django 3.2 does; kept as it is.
  /// Needs a MAC policy with SHA-1 (OpenSSL's): std::invalid_argument otherwise.
  bool accept_legacy_sha1 = false;
};

/// Which secret made a session's login hash (see basic_authenticator::matching_secret()).
struct hash_match {
  bool found = false;
  std::size_t key = 0;       ///< 0: the current secret; 1, 2, ...: a fallback
  bool legacy_sha1 = false;  ///< Django 3.1/3.2's SHA-1 hash (auth_options::accept_legacy_sha1)
  explicit operator bool() const noexcept { return found; }
};

/// Logs users in and recognises them, Django's way. Built once per application from the
/// Django SECRET_KEY and its fallbacks (the same key_ring as the session codec's); the
/// keys are derived once. Thread-safe for concurrent use (it is read-only after
/// construction; `Store` must be thread-safe, as crumb's stores are).
/// `revocations`: optional; when given, each login records the user's generation and each
/// current_user() reads it from the store (one read per request of a logged-in user). It
/// must outlive the authenticator, and be durable (see generations).
template <session_store Store = memory_store, mac_policy Mac = default_hmac_sha256>
class basic_authenticator {
 public:
  /// The hexdigest of the session hash is 2 hex characters per byte of the MAC.
  static constexpr std::size_t hash_size = 2 * Mac::digest_size;

  explicit basic_authenticator(const key_ring& secrets, auth_options options = {},
                               Store* revocations = nullptr)
      : options_(std::move(options)) {
    keys_.reserve(secrets.secrets().size());
    for (const std::string& secret : secrets.secrets()) keys_.emplace_back(derive_key<Mac>(secret));
    if (options_.accept_legacy_sha1) {
      if constexpr (has_sha1<Mac>) {
        // SECRET_KEY only: Django's SHA-1 hashes predate SECRET_KEY_FALLBACKS.
        legacy_keys_.emplace_back(derive_key<typename Mac::sha1>(secrets.current()));
      } else {
        detail::raise<std::invalid_argument>(
            "crumb: accept_legacy_sha1 needs a MAC policy with SHA-1 (OpenSSL's libcrypto)");
      }
    }
    if (revocations != nullptr) generations_.emplace(*revocations);
  }

  /// The session hash of a user whose password field is `password_hash`, under the
  /// current secret: salted_hmac(session_hash_salt, password_hash).hexdigest(), SHA-256,
  /// as Django's AbstractBaseUser.get_session_auth_hash().
  std::string session_hash(std::string_view password_hash) const {
    return hash_with<Mac>(keys_.front(), password_hash);
  }

  /// Logs the user in, as django.contrib.auth.login(): a session that belonged to another
  /// user (or to this one under another password, or before a revocation) is flushed; any
  /// other keeps its data under a fresh identity (cycle_key, against fixation; Django
  /// keeps the key when the same user logs in again, crumb renews it anyway). Then Django's
  /// three keys are set, the CSRF token is dropped so that the next one is new (Django's
  /// rotate_token), and with revocations the user's current generation is recorded.
  /// Errors: the store's, when the generation cannot be read (the session is then
  /// untouched: answer 503).
  template <class C, class S, class K>
  [[nodiscard]] errc login(basic_session<C, S, K>& session, std::string_view user_id,
                           std::string_view password_hash,
                           std::string_view backend = model_backend) const {
    generation current;
    if (generations_) {
      auto g = generations_->current(user_id);
      if (!g) return static_cast<errc>(g.error().value());  // a store's: crumb's codes
      current = std::move(*g);
    }
    const std::string hash = session_hash(password_hash);
    if (session.contains(user_id_key)) {
      const std::optional<std::string> id = id_text(*session.data().find(user_id_key));
      const std::string stored_hash = session.template get<std::string>(hash_key, std::string());
      const std::string carried = session.template get<std::string>(generation_key, std::string());
      const bool same_login = id == user_id && same_text(stored_hash, hash) &&
                              (!generations_ || same_text(carried, current.id));
      if (same_login)
        session.cycle_key();
      else
        session.flush();
    } else {
      session.cycle_key();
    }
    session.set(user_id_key, user_id);
    session.set(backend_key, backend);
    session.set(hash_key, hash);
    session.erase(csrf::session_key);
    if (generations_)
      session.set(generation_key, current.id);
    else
      session.erase(generation_key);
    return errc::ok;
  }

  /// After `user_id` changed their password in this request, keeps this session logged
  /// in, as django.contrib.auth.update_session_auth_hash(): a fresh identity and the hash
  /// of the new password field. Every other session of the user fails its check from now
  /// on. errc::not_found, and nothing changed, when the session is not `user_id`'s (an
  /// administrator changing another user's password keeps their own session as it is).
  template <class C, class S, class K>
  [[nodiscard]] errc update_session_hash(basic_session<C, S, K>& session, std::string_view user_id,
                                         std::string_view new_password_hash) const {
    const value* stored = session.data().find(user_id_key);
    if (stored == nullptr || id_text(*stored) != user_id) return errc::not_found;
    session.cycle_key();
    session.set(hash_key, session_hash(new_password_hash));
    return errc::ok;
  }

  /// The logged-in user's id, as django.contrib.auth.get_user() decides it. `lookup(id)`
  /// gives the user's current password field: a std::optional<std::string> (nullopt: no
  /// such user), or a result<std::string> (errc::not_found: no such user; any other error
  /// is returned as it is, the session untouched). Errors:
  /// - not_found: nobody is logged in (no user id, a backend not in the options, a user
  ///   that no longer exists); the session is left as it is, as Django does;
  /// - auth_hash_mismatch: the session's hash is missing, malformed or made from another
  ///   password (changed since): the session is flushed, as Django does;
  /// - revoked: the user's sessions were revoked after this one logged in: flushed;
  /// - store_unavailable (and the session's own load errors), or malformed for a
  ///   revocation entry that is not one: the session or the revocation store could not be
  ///   read; nothing is flushed, answer 503.
  /// A hash made under a fallback secret is accepted and re-made under the current one
  /// with a fresh identity, as Django 4.1+. With revocations, a session that carries no
  /// generation (logged in by Django, or before revocations were on) is refused once the
  /// user has been revoked: let Django's login record the generation (a user_logged_in
  /// receiver that copies it from the store), or log in through crumb.
  template <class C, class S, class K, class Lookup>
  result<std::string> current_user(basic_session<C, S, K>& session, Lookup&& lookup) const {
    if (session.poisoned()) return session.load_error();
    auto user_id = logged_in_user(session.data());
    if (!user_id) return user_id;

    std::optional<std::string> password_hash;
    if (const std::error_code e = look_up(std::forward<Lookup>(lookup), *user_id, password_hash))
      return e;
    if (!password_hash) return errc::not_found;

    const hash_match matched = matching_secret(session.data(), *password_hash);
    if (!matched) {
      session.flush();
      return errc::auth_hash_mismatch;
    }
    if (generations_) {
      auto current = generations_->current(*user_id);
      if (!current) return current.error();
      // A session without a generation (logged in by Django, or before revocations were
      // on) passes only while the user was never revoked: its age cannot tell when it
      // logged in, as any re-issue (a fallback key, save_every_request, Django saving it)
      // signs it anew.
      const std::string carried = session.template get<std::string>(generation_key, std::string());
      if (!same_text(carried, current->id)) {
        session.flush();
        return errc::revoked;
      }
    }
    if (matched.key > 0 && !matched.legacy_sha1) {  // a fallback's hash: re-made, current
      session.cycle_key();
      session.set(hash_key, session_hash(*password_hash));
    }
    return user_id;
  }

  /// The user a session's data names as logged in: its id, or errc::not_found when there
  /// is none or it names a backend not in the options. Checks no hash: see
  /// matching_secret(). For tools that hold decoded data rather than a session.
  result<std::string> logged_in_user(const object& data) const {
    const value* id = data.find(user_id_key);
    const value* backend = data.find(backend_key);
    if (id == nullptr || backend == nullptr || !allowed_backend(*backend)) return errc::not_found;
    if (auto text = id_text(*id)) return std::move(*text);
    return errc::not_found;
  }

  /// Which secret made the login hash in `data` from `password_hash` (none: the hash is
  /// missing, malformed, or from another password). Every secret is tried, in constant
  /// time each, without stopping at a match; the SHA-1 hash too with accept_legacy_sha1.
  hash_match matching_secret(const object& data, std::string_view password_hash) const {
    hash_match match;
    const value* stored = data.find(hash_key);
    const std::string* text = stored != nullptr ? stored->if_string() : nullptr;
    if (text == nullptr) return match;
    if (text->size() == hash_size) {
      for (std::size_t i = keys_.size(); i-- > 0;)
        if (same_text(*text, hash_with<Mac>(keys_[i], password_hash))) match = {true, i, false};
    }
    if constexpr (has_sha1<Mac>) {
      if (text->size() == 2 * Mac::sha1::digest_size) {
        for (std::size_t i = legacy_keys_.size(); i-- > 0;)
          if (same_text(*text, hash_with<typename Mac::sha1>(legacy_keys_[i], password_hash)))
            match = {true, i, true};
      }
    }
    return match;
  }

  /// Revokes every session of `user_id` begun before now (see generations::revoke()).
  /// errc::not_found when this authenticator has no revocation store.
  result<generation> revoke_all(std::string_view user_id) const {
    if (!generations_) return errc::not_found;
    return generations_->revoke(user_id);
  }

  /// Whether revocations are on (a store was given).
  bool revocations() const noexcept { return generations_.has_value(); }

 private:
  // hash(key_salt + secret): salted_hmac's key, under the hash of M.
  template <class M>
  static typename M::key derive_key(std::string_view secret) {
    std::string material;
    material.reserve(session_hash_salt.size() + secret.size());
    material.append(session_hash_salt).append(secret);
    std::array<std::uint8_t, M::digest_size> derived{};
    M::hash(material, derived.data());
    sodium_memzero(material.data(), material.size());
    typename M::key k(
        std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()));
    sodium_memzero(derived.data(), derived.size());
    return k;
  }

  template <class M>
  static std::string hash_with(const typename M::key& k, std::string_view password_hash) {
    std::array<std::uint8_t, M::digest_size> mac{};
    k.sign(password_hash, mac.data());
    std::string hex(2 * M::digest_size + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    hex.pop_back();  // sodium_bin2hex's terminating NUL
    return hex;
  }

  // Constant-time equality of two texts; their lengths are not secret.
  static bool same_text(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
  }

  // Django keeps the user id as a string; an integer is read as its decimal text (data
  // written by hand or by an older tool).
  static std::optional<std::string> id_text(const value& id) {
    if (const std::string* s = id.if_string()) return *s;
    if (const std::int64_t* i = id.if_int()) return std::to_string(*i);
    return std::nullopt;
  }

  bool allowed_backend(const value& backend) const {
    const std::string* name = backend.if_string();
    if (name == nullptr) return false;
    if (options_.backends.empty()) return true;
    for (const std::string& b : options_.backends)
      if (b == *name) return true;
    return false;
  }

  template <class Lookup>
  static std::error_code look_up(Lookup&& lookup, const std::string& user_id,
                                 std::optional<std::string>& out) {
    using answer = std::decay_t<std::invoke_result_t<Lookup, const std::string&>>;
    if constexpr (std::is_same_v<answer, result<std::string>>) {
      result<std::string> r = std::forward<Lookup>(lookup)(user_id);
      if (r) {
        out = std::move(*r);
        return {};
      }
      if (r.error() == errc::not_found) return {};  // no such user
      return r.error();
    } else {
      static_assert(std::is_same_v<answer, std::optional<std::string>>,
                    "crumb: lookup(user_id) returns std::optional<std::string> or "
                    "result<std::string>, the user's password field");
      out = std::forward<Lookup>(lookup)(user_id);
      return {};
    }
  }

  // The key type of M's SHA-1, when it has one (the legacy hashes' keys).
  template <class M, bool = has_sha1<M>>
  struct legacy_key {
    using type = typename M::key;  // unused: no SHA-1
  };
  template <class M>
  struct legacy_key<M, true> {
    using type = typename M::sha1::key;
  };

  auth_options options_;
  std::vector<typename Mac::key> keys_;
  std::vector<typename legacy_key<Mac>::type> legacy_keys_;
  std::optional<generations<Store>> generations_;
};

/// The authenticator for most programs: HMAC-SHA256 as the codec's; revocations, when
/// wanted, in a memory_store (one process; a restart forgets them: use a file or Redis
/// store for anything else).
using authenticator = basic_authenticator<>;

/// Logs the user out, as django.contrib.auth.logout(): the session is flushed (emptied,
/// its store entry deleted, its cookie expired on save).
template <class C, class S, class K>
void logout(basic_session<C, S, K>& session) {
  session.flush();
}

}  // namespace crumb::auth
