// The example server's user accounts, kept in the store the servers share, so that a
// password changed on one server is seen by all of them at the next request (and ends the
// user's other sessions there: crumb::auth compares each session's login hash with the
// password field). One entry per user, named after the user (crumb::store_id_for), holding
// the password field: a libsodium Argon2id string (crypto_pwhash_str).
// A demo: the first login under a new name creates the account.
#pragma once

#include <sodium.h>

#include <chrono>
#include <crumb/crumb.hpp>
#include <semaphore>
#include <string>
#include <string_view>

namespace example {

// busy: too many passwords being hashed at once (answer 503 with Retry-After).
enum class login_check { ok, wrong_password, store_error, busy };

template <class Store>
class accounts {
 public:
  explicit accounts(Store& store) : store_(&store) {}

  /// The password field of `user`: errc::not_found for no such user, the store's errors.
  crumb::result<std::string> password_field(std::string_view user) const {
    std::string field;
    const crumb::store_status s = store_->get(entry(user), field);
    if (!s) return s.code();
    return field;
  }

  /// Checks `password`, creating the account when there is none yet. `field` receives the
  /// password field (what crumb::auth hashes into the session).
  login_check log_in(std::string_view user, std::string_view password, std::string& field) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto existing = password_field(user);
      if (existing) return verify(std::move(*existing), password, field);
      if (existing.error() != crumb::errc::not_found) return login_check::store_error;
      auto fresh = hash(password);
      if (!fresh)
        return fresh.error() == crumb::errc::store_full ? login_check::busy
                                                        : login_check::store_error;
      // Another server may create the same account meanwhile: then check against theirs.
      if (store_->create(entry(user), *fresh, forever)) {
        field = std::move(*fresh);
        return login_check::ok;
      }
    }
    return login_check::store_error;
  }

  /// Checks `password` against the account of `user`, never creating one: no account is a
  /// wrong password. `field` receives the password field.
  login_check check(std::string_view user, std::string_view password, std::string& field) const {
    auto existing = password_field(user);
    if (existing) return verify(std::move(*existing), password, field);
    return existing.error() == crumb::errc::not_found ? login_check::wrong_password
                                                      : login_check::store_error;
  }

  /// Replaces the password of an existing account; the new field, or the store's error.
  crumb::result<std::string> set_password(std::string_view user, std::string_view password) const {
    auto fresh = hash(password);
    if (!fresh) return fresh;
    if (const crumb::store_status s = store_->update(entry(user), *fresh, forever); !s)
      return s.code();
    return fresh;
  }

 private:
  static constexpr std::chrono::seconds forever = std::chrono::seconds::max();

  static std::string entry(std::string_view user) { return crumb::store_id_for("account-", user); }

  static login_check verify(std::string existing, std::string_view password, std::string& field) {
    const hashing_slot slot;
    if (!slot.acquired) return login_check::busy;
    if (crypto_pwhash_str_verify(existing.c_str(), password.data(), password.size()) != 0)
      return login_check::wrong_password;
    field = std::move(existing);
    return login_check::ok;
  }

  // Argon2id at libsodium's interactive cost (about 0.1 s and 64 MiB per login), two at
  // a time at most (the cores of a small machine), so that a burst of logins queues
  // instead of taking 64 MiB per server thread.
  static std::counting_semaphore<>& hashing_slots() {
    static std::counting_semaphore<> slots(2);
    return slots;
  }
  // Waits a second at most for a slot: a flood of logins gets 503s instead of holding
  // every server thread.
  struct hashing_slot {
    bool acquired = hashing_slots().try_acquire_for(std::chrono::seconds(1));
    hashing_slot() = default;
    ~hashing_slot() {
      if (acquired) hashing_slots().release();
    }
    hashing_slot(const hashing_slot&) = delete;
    hashing_slot& operator=(const hashing_slot&) = delete;
  };

  static crumb::result<std::string> hash(std::string_view password) {
    const hashing_slot slot;
    if (!slot.acquired) return crumb::errc::store_full;  // busy: see hashing_slot
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
      return crumb::errc::store_unavailable;  // out of memory
    return std::string(out);
  }

  Store* store_;
};

}  // namespace example
