// The native wire profile: crumb's own token (docs/format.md). One base64url run of
// version | flags | key id | issued-at | lifetime | idle | body, where the body is the
// payload and a 16-byte HMAC-SHA256 tag (signed mode) or a random 24-byte nonce and the
// XChaCha20-Poly1305 ciphertext (encrypted mode). Keys are bound to the purpose and the
// cookie name; the key id picks the one key to try.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crumb/base64.hpp"
#include "crumb/clock.hpp"
#include "crumb/detail/base64_impl.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/detail/sodium.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/purpose.hpp"

namespace crumb::detail {

// Unsigned LEB128, the shortest form only (one text per value), at most 9 bytes (63 bits).
inline void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Reads a varint at `at`, advancing it; false when truncated, longer than needed or past
// INT64_MAX.
inline bool read_varint(std::string_view in, std::size_t& at, std::int64_t& out) noexcept {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 63; shift += 7) {
    if (at >= in.size()) return false;
    const auto byte = static_cast<std::uint8_t>(in[at++]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift != 0) return false;  // a trailing zero group: not the shortest
      out = static_cast<std::int64_t>(v);
      return true;
    }
  }
  return false;
}

}  // namespace crumb::detail

namespace crumb::profile {

struct native {
  static constexpr std::string_view name = "native";
  static constexpr std::uint8_t version = 1;
  /// The token carries a compression flag, so compressing pays from one byte saved.
  static constexpr std::size_t compression_must_save = 1;
  static constexpr std::size_t key_id_bytes = 4;
  static constexpr std::size_t tag_bytes = 16;
  static constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  static constexpr std::uint8_t flag_encrypted = 0x01;
  static constexpr std::uint8_t flag_compressed = 0x02;

  struct options {
    /// What the tokens are for, as Django's salt: bound into every key, so a token made
    /// for another purpose is refused.
    std::string purpose = "crumb.session";
    /// The cookie the tokens travel in, bound likewise: a token moved to another cookie is
    /// refused. A session manager sets it from its settings.
    std::string cookie_name = "sessionid";
    /// Encrypted mode: the session's content is secret, not only authentic.
    bool encrypt = false;
    /// The session's absolute lifetime from its first token; re-issued tokens keep its
    /// end. Reading also ends a token at issued-at + max_age, so shortening it applies to
    /// tokens already out. nullopt: none.
    std::optional<std::chrono::seconds> max_age = std::chrono::seconds(1209600);
    /// Inactivity after which a token is refused; the session layer re-issues a token
    /// read after half of it. nullopt: none.
    std::optional<std::chrono::seconds> idle_timeout;
    /// How far ahead another server's clock may run: tokens issued up to this far in the
    /// future are accepted, later ones are errc::not_yet_valid. Expiries are never applied
    /// late: a token is refused from its absolute end on, so a re-issue cannot extend it.
    std::chrono::seconds clock_skew{5};
  };

  /// A session's own expiry in its data, as Django keeps it ("_session_expiry").
  using session_expiry = django::session_expiry;

  /// The id of a secret's key: 4 bytes of a keyed hash of its master key, public.
  static std::array<std::uint8_t, key_id_bytes> key_id(std::string_view secret) {
    const master_key m(secret);
    return m.id();
  }

  template <mac_policy Mac>
  class sealer;

 private:
  // The secret to a 32-byte master key (any secret string works: a `crumb keygen` key or
  // a Django SECRET_KEY), and from it the key id and the subkeys (libsodium's KDF).
  class master_key {
   public:
    explicit master_key(std::string_view secret) {
      detail::ensure_sodium();
      static constexpr std::string_view domain = "crumb native master key v1";
      crypto_generichash(key_, sizeof key_, reinterpret_cast<const unsigned char*>(secret.data()),
                         secret.size(), reinterpret_cast<const unsigned char*>(domain.data()),
                         domain.size());
    }
    master_key(const master_key&) = delete;
    master_key& operator=(const master_key&) = delete;
    ~master_key() { sodium_memzero(key_, sizeof key_); }

    std::array<std::uint8_t, key_id_bytes> id() const {
      std::uint8_t h[crypto_generichash_BYTES_MIN];
      static constexpr std::string_view label = "crumb key id";
      crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(label.data()),
                         label.size(), key_, sizeof key_);
      std::array<std::uint8_t, key_id_bytes> out{};
      std::copy_n(h, key_id_bytes, out.begin());
      return out;
    }

    // The 32-byte key for one use (1 cookie MAC, 2 cookie AEAD, 3 entry MAC, 4 entry
    // AEAD), bound to the purpose and cookie name by a keyed hash of both.
    void subkey(std::uint64_t use, std::string_view bound, std::uint8_t out[32]) const {
      std::uint8_t k[32];
      crypto_kdf_derive_from_key(k, sizeof k, use, "crumb_v1", key_);
      crypto_generichash(out, 32, reinterpret_cast<const unsigned char*>(bound.data()),
                         bound.size(), k, sizeof k);
      sodium_memzero(k, sizeof k);
    }

   private:
    std::uint8_t key_[crypto_kdf_KEYBYTES];
  };
};

/// The native profile's keys: per secret, its id and its four subkeys. A token names its
/// key, so exactly one MAC or decryption is computed; an unknown id is refused at once.
template <mac_policy Mac>
class native::sealer {
  static_assert(Mac::digest_size >= tag_bytes);

 public:
  /// A secret listed twice in the ring counts once. Throws std::invalid_argument when two
  /// different secrets have the same key id (a 2^-32 accident: replace one).
  sealer(const key_ring& ring, const options& opts)
      : max_age_(opts.max_age),
        idle_(opts.idle_timeout),
        skew_(opts.clock_skew.count() < 0 ? 0 : opts.clock_skew.count()),
        encrypt_(opts.encrypt) {
    // Length-prefixed, so ("ab", "c") and ("a", "bc") bind differently.
    std::string bound;
    detail::append_varint(bound, opts.purpose.size());
    bound += opts.purpose;
    detail::append_varint(bound, opts.cookie_name.size());
    bound += opts.cookie_name;
    const auto& secrets = ring.secrets();
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      if (std::find(secrets.begin(), secrets.begin() + static_cast<std::ptrdiff_t>(i),
                    secrets[i]) != secrets.begin() + static_cast<std::ptrdiff_t>(i))
        continue;  // the same secret again (a rotation that listed it twice)
      const master_key m(secrets[i]);
      entry e{m.id(), {}, {}, {}, {}};
      for (const auto& other : keys_)
        if (other.id == e.id)
          detail::raise<std::invalid_argument>(
              "crumb: two secrets of the key ring have the same native key id");
      std::uint8_t raw[32];
      m.subkey(1, bound, raw);
      e.cookie_mac.emplace_back(as_view(raw));
      m.subkey(2, bound, e.cookie_aead.data());
      m.subkey(3, bound, raw);
      e.entry_mac.emplace_back(as_view(raw));
      m.subkey(4, bound, e.entry_aead.data());
      sodium_memzero(raw, sizeof raw);
      keys_.push_back(std::move(e));
    }
  }
  sealer(const sealer&) = default;
  sealer& operator=(const sealer&) = default;
  ~sealer() {
    for (auto& e : keys_) {
      sodium_memzero(e.cookie_aead.data(), e.cookie_aead.size());
      sodium_memzero(e.entry_aead.data(), e.entry_aead.size());
    }
  }

  /// Errors: errc::expired when `renewing` ends at or before `now` (the session is over:
  /// re-issuing must not extend it).
  [[nodiscard]] errc seal(std::string_view payload, bool compressed, time_point now,
                          const token_info* renewing, purpose for_what, std::string& token) {
    const entry& key = keys_.front();
    const std::int64_t issued = std::max<std::int64_t>(0, to_unix_seconds(now));
    std::int64_t lifetime = 0;  // 0: no absolute end
    if (renewing != nullptr && renewing->expires_at != 0) {
      if (renewing->expires_at <= issued) return errc::expired;
      lifetime = renewing->expires_at - issued;
    } else if (max_age_)
      lifetime = std::max<std::int64_t>(1, max_age_->count());
    raw_.clear();
    raw_ += static_cast<char>(version);
    raw_ += static_cast<char>((encrypt_ ? flag_encrypted : 0) | (compressed ? flag_compressed : 0));
    raw_.append(reinterpret_cast<const char*>(key.id.data()), key.id.size());
    detail::append_varint(raw_, static_cast<std::uint64_t>(issued));
    detail::append_varint(raw_, static_cast<std::uint64_t>(lifetime));
    detail::append_varint(raw_, idle_ ? static_cast<std::uint64_t>(std::max<std::int64_t>(
                                            1, idle_->count()))
                                      : 0);
    const std::size_t header = raw_.size();
    if (encrypt_) {
      std::uint8_t nonce[nonce_bytes];
      randombytes_buf(nonce, sizeof nonce);
      raw_.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
      const std::size_t at = raw_.size();
      raw_.resize(at + payload.size() + tag_bytes);
      unsigned long long written = 0;
      crypto_aead_xchacha20poly1305_ietf_encrypt(
          bytes(raw_) + at, &written, bytes(payload), payload.size(), bytes(raw_), header,
          nullptr, nonce, aead_key(key, for_what).data());
    } else {
      raw_.append(payload);
      std::uint8_t mac[Mac::digest_size];
      mac_key(key, for_what).sign(raw_, mac);
      raw_.append(reinterpret_cast<const char*>(mac), tag_bytes);
      detail::wipe(mac, sizeof mac);
    }
    token.clear();
    base64url::encode(raw_, token);
    return errc::ok;
  }

  /// Both modes are read, whichever this sealer writes: a token of the other mode asks to
  /// be re-issued (needs_resign), so switching `encrypt` on or off ends no session.
  /// Errors, in the order checked: malformed (not base64url, too short, unknown version or
  /// flags), unknown_key, malformed (header fields), invalid_signature (tag),
  /// not_yet_valid, expired (absolute end or idle timeout).
  [[nodiscard]] errc open(std::string_view token, time_point now, purpose for_what,
                          std::string& scratch, std::size_t padding, opened_token& out) {
    // The token is decoded into the scratch buffer; signed mode reads its payload there,
    // encrypted mode decrypts it into raw_. Neither buffer is ever shrunk.
    const std::size_t n = base64url::decoded_size(token.size());
    if (scratch.size() < n + padding) scratch.resize(n + padding);
    if (!detail::base64url_decode(token.data(), token.size(), bytes(scratch)))
      return errc::malformed;
    const std::string_view raw(scratch.data(), n);
    constexpr std::size_t fixed = 2 + key_id_bytes;
    if (raw.size() < fixed + 3 + tag_bytes) return errc::malformed;
    const auto flags = static_cast<std::uint8_t>(raw[1]);
    if (static_cast<std::uint8_t>(raw[0]) != version ||
        (flags & ~(flag_encrypted | flag_compressed)) != 0)
      return errc::malformed;
    const bool encrypted = (flags & flag_encrypted) != 0;
    const entry* key = find(raw.substr(2, key_id_bytes));
    if (key == nullptr) return errc::unknown_key;
    std::size_t at = fixed;
    std::int64_t issued = 0, lifetime = 0, idle = 0;
    if (!detail::read_varint(raw, at, issued) || !detail::read_varint(raw, at, lifetime) ||
        !detail::read_varint(raw, at, idle))
      return errc::malformed;
    const std::size_t header = at;

    if (encrypted) {
      if (raw.size() < header + nonce_bytes + tag_bytes) return errc::malformed;
      const std::size_t c_at = header + nonce_bytes;
      const std::size_t c_len = raw.size() - c_at;
      if (raw_.size() < c_len - tag_bytes + padding) raw_.resize(c_len - tag_bytes + padding);
      unsigned long long m_len = 0;
      if (crypto_aead_xchacha20poly1305_ietf_decrypt(
              bytes(raw_), &m_len, nullptr, bytes(raw) + c_at, c_len, bytes(raw), header,
              bytes(raw) + header, aead_key(*key, for_what).data()) != 0)
        return errc::invalid_signature;
      out.payload = std::string_view(raw_.data(), static_cast<std::size_t>(m_len));
    } else {
      if (raw.size() < header + tag_bytes) return errc::malformed;
      const std::size_t signed_len = raw.size() - tag_bytes;
      std::uint8_t mac[Mac::digest_size];
      mac_key(*key, for_what).sign(raw.substr(0, signed_len), mac);
      const bool ok = detail::same_bytes<tag_bytes>(mac, bytes(raw) + signed_len);
      detail::wipe(mac, sizeof mac);
      if (!ok) return errc::invalid_signature;
      out.payload = raw.substr(header, signed_len - header);
    }
    out.compressed = (flags & flag_compressed) != 0;
    const errc e = check_times(issued, lifetime, idle, to_unix_seconds(now), key, out.info);
    if (encrypted != encrypt_) out.info.needs_resign = true;  // re-issued in this mode
    return e;
  }

 private:
  struct entry {
    std::array<std::uint8_t, key_id_bytes> id;
    // One key each, in a vector: Mac::key need not be default-constructible.
    std::vector<typename Mac::key> cookie_mac;
    std::vector<typename Mac::key> entry_mac;
    std::array<std::uint8_t, 32> cookie_aead;
    std::array<std::uint8_t, 32> entry_aead;
  };

  static std::string_view as_view(const std::uint8_t* k) {
    return {reinterpret_cast<const char*>(k), 32};
  }
  static unsigned char* bytes(std::string& s) noexcept {
    return reinterpret_cast<unsigned char*>(s.data());
  }
  static const unsigned char* bytes(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
  }
  static const typename Mac::key& mac_key(const entry& e, purpose p) noexcept {
    return p == purpose::cookie ? e.cookie_mac.front() : e.entry_mac.front();
  }
  static const std::array<std::uint8_t, 32>& aead_key(const entry& e, purpose p) noexcept {
    return p == purpose::cookie ? e.cookie_aead : e.entry_aead;
  }

  // Key ids are public: comparing them need not be constant-time.
  const entry* find(std::string_view id) const noexcept {
    for (const entry& e : keys_)
      if (std::memcmp(e.id.data(), id.data(), key_id_bytes) == 0) return &e;
    return nullptr;
  }

  // The token's times against `now` (whole seconds), with the reader's own limits too:
  // a max_age or idle timeout shortened since the token was issued applies at once.
  errc check_times(std::int64_t issued, std::int64_t lifetime, std::int64_t idle,
                   std::int64_t now, const entry* key, token_info& info) const noexcept {
    if (issued > detail::saturating_add(now, skew_)) return errc::not_yet_valid;
    std::int64_t end = lifetime != 0 ? detail::saturating_add(issued, lifetime) : 0;
    if (max_age_) {  // at least 1 s, as the writer gives a new token: it reads what it wrote
      const std::int64_t cap =
          detail::saturating_add(issued, std::max<std::int64_t>(1, max_age_->count()));
      end = end == 0 ? cap : std::min(end, cap);
    }
    if (idle_ && (idle == 0 || idle_->count() < idle))
      idle = std::max<std::int64_t>(1, idle_->count());
    // The end is exclusive, and never pushed back by the skew: a token is re-issued only
    // before its end, with the same end, so no chain of re-issues outlives it.
    if (end != 0 && now >= end) return errc::expired;
    if (idle != 0 && now >= detail::saturating_add(issued, idle)) return errc::expired;
    info.issued_at = issued;
    info.expires_at = end;
    info.refresh_at =
        idle != 0 ? detail::saturating_add(issued, std::max<std::int64_t>(1, idle / 2)) : 0;
    info.needs_resign = key != &keys_.front();
    return errc::ok;
  }

  std::optional<std::chrono::seconds> max_age_;
  std::optional<std::chrono::seconds> idle_;
  std::int64_t skew_;
  bool encrypt_;
  std::vector<entry> keys_;
  std::string raw_;  // the token's bytes before base64 (seal); a decrypted payload (open)
};

}  // namespace crumb::profile
