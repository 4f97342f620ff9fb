// MAC policies and the key ring. HMAC-SHA256 on libsodium (always there) or on OpenSSL's
// libcrypto (optional: it uses the CPU's SHA extensions, and brings SHA-1 for Django's
// legacy signatures). Keys are prepared once; each message costs one keyed copy + the hash.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crumb/detail/raise.hpp"
#include "crumb/detail/sodium.hpp"

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#  if defined(__has_include) && !__has_include(<openssl/evp.h>)
#    error "CRUMB_WITH_OPENSSL=1 needs OpenSSL 3's headers (Debian: libssl-dev) and -lcrypto; or leave it undefined for libsodium's HMAC"
#  endif
#  include <openssl/core_names.h>
#  include <openssl/evp.h>
#  include <openssl/sha.h>
#endif

namespace crumb {

/// What the codec needs from a MAC policy: the digest size, the plain hash of the same
/// algorithm (profiles derive keys with it), and a key type that MACs messages.
template <class M>
concept mac_policy = requires(std::string_view data, std::uint8_t* out,
                              const typename M::key& k) {
  { M::digest_size } -> std::convertible_to<std::size_t>;
  { M::hash(data, out) };
  { k.sign(data, out) };
  requires std::constructible_from<typename M::key, std::string_view>;
};

/// HMAC-SHA256 on libsodium. The keyed state is computed once; sign() copies it.
struct sodium_hmac_sha256 {
  static constexpr std::size_t digest_size = crypto_auth_hmacsha256_BYTES;
  static constexpr std::string_view name = "hmac-sha256 (libsodium)";

  static void hash(std::string_view data, std::uint8_t* out) noexcept {
    crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  }

  class key {
   public:
    explicit key(std::string_view raw) {
      detail::ensure_sodium();
      crypto_auth_hmacsha256_init(&state_, reinterpret_cast<const unsigned char*>(raw.data()),
                                  raw.size());
    }
    key(const key&) = default;
    key& operator=(const key&) = default;
    ~key() { sodium_memzero(&state_, sizeof state_); }

    /// Writes the digest_size-byte MAC of `msg` to `out`. Does not allocate.
    void sign(std::string_view msg, std::uint8_t* out) const noexcept {
      crypto_auth_hmacsha256_state st = state_;
      crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                    msg.size());
      crypto_auth_hmacsha256_final(&st, out);
      detail::wipe(&st, sizeof st);
    }

   private:
    crypto_auth_hmacsha256_state state_;
  };
};

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
// Internal linkage (not inline): each file sees its own build's answer without breaking
// the one-definition rule when files are built with and without CRUMB_WITH_OPENSSL.
constexpr bool has_openssl = true;

namespace detail {
#  if !defined(OPENSSL_NO_DEPRECATED_3_0)
// SHA-256 and SHA-1 through libcrypto's plain-struct contexts. A keyed HMAC state is then
// a struct copied per message, with no allocation: EVP_MAC_init and EVP_MD_CTX_copy_ex
// allocate on every call (2 malloc/free pairs per MAC) and cost ~1.6k instructions more.
// OpenSSL 3 deprecates these functions but keeps them; where they are hidden
// (OPENSSL_NO_DEPRECATED), the EVP_MAC version below is used. The two keys differ in
// layout: define OPENSSL_NO_DEPRECATED alike in every file of a program that uses crumb.
#    if defined(__GNUC__)
#      pragma GCC diagnostic push
#      pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#    endif
template <class Context, std::size_t Block, int (*Init)(Context*),
          int (*Update)(Context*, const void*, std::size_t),
          int (*Final)(unsigned char*, Context*)>
struct openssl_hash {
  using context = Context;
  static constexpr std::size_t block_size = Block;
  static void init(context& c) noexcept { Init(&c); }
  static void update(context& c, const void* p, std::size_t n) noexcept { Update(&c, p, n); }
  static void final(context& c, std::uint8_t* out) noexcept { Final(out, &c); }
};
using openssl_sha256 =
    openssl_hash<SHA256_CTX, SHA256_CBLOCK, SHA256_Init, SHA256_Update, SHA256_Final>;
using openssl_sha1 = openssl_hash<SHA_CTX, SHA_CBLOCK, SHA1_Init, SHA1_Update, SHA1_Final>;
#    if defined(__GNUC__)
#      pragma GCC diagnostic pop
#    endif

// HMAC (RFC 2104) from the two hash states keyed once: H(K^opad || H(K^ipad || msg)).
template <class Hash, std::size_t Size>
class openssl_hmac_key {
 public:
  explicit openssl_hmac_key(std::string_view raw) {
    std::uint8_t block[Hash::block_size] = {};
    if (raw.size() > Hash::block_size) {  // a long key is hashed first
      typename Hash::context c;
      Hash::init(c);
      Hash::update(c, raw.data(), raw.size());
      Hash::final(c, block);
      sodium_memzero(&c, sizeof c);
    } else {
      std::copy(raw.begin(), raw.end(), block);
    }
    for (std::uint8_t& b : block) b ^= 0x36;
    Hash::init(inner_);
    Hash::update(inner_, block, sizeof block);
    for (std::uint8_t& b : block) b ^= 0x36 ^ 0x5c;
    Hash::init(outer_);
    Hash::update(outer_, block, sizeof block);
    sodium_memzero(block, sizeof block);
  }
  openssl_hmac_key(const openssl_hmac_key&) = default;
  openssl_hmac_key& operator=(const openssl_hmac_key&) = default;
  ~openssl_hmac_key() {
    sodium_memzero(&inner_, sizeof inner_);
    sodium_memzero(&outer_, sizeof outer_);
  }

  /// Writes the Size-byte MAC of `msg` to `out`. Does not allocate; const and
  /// thread-safe (the keyed states are only copied).
  void sign(std::string_view msg, std::uint8_t* out) const noexcept {
    typename Hash::context c = inner_;
    Hash::update(c, msg.data(), msg.size());
    std::uint8_t inner_digest[Size];
    Hash::final(c, inner_digest);
    c = outer_;
    Hash::update(c, inner_digest, Size);
    Hash::final(c, out);
    wipe(&c, sizeof c);
    wipe(inner_digest, sizeof inner_digest);
  }

 private:
  typename Hash::context inner_;
  typename Hash::context outer_;
};
using openssl_sha256_key = openssl_hmac_key<openssl_sha256, 32>;
using openssl_sha1_key = openssl_hmac_key<openssl_sha1, 20>;
#  else
// HMAC through OpenSSL 3's EVP_MAC, where the plain-struct hash functions are hidden. The
// context is keyed once; re-initialising it with a null key restores the keyed state.
template <const char* Digest, std::size_t Size>
class openssl_evp_hmac_key {
 public:
  explicit openssl_evp_hmac_key(std::string_view raw) : raw_(raw) { init(); }
  openssl_evp_hmac_key(const openssl_evp_hmac_key& other) : raw_(other.raw_) { init(); }
  openssl_evp_hmac_key& operator=(const openssl_evp_hmac_key& other) {
    if (this != &other) {
      free();
      raw_ = other.raw_;
      init();
    }
    return *this;
  }
  ~openssl_evp_hmac_key() {
    free();
    sodium_memzero(raw_.data(), raw_.size());
  }

  void sign(std::string_view msg, std::uint8_t* out) const noexcept {
    std::size_t written = 0;
    EVP_MAC_init(ctx_, nullptr, 0, nullptr);
    EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
    EVP_MAC_final(ctx_, out, &written, Size);
  }

 private:
  void init() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
    EVP_MAC_free(mac);  // the context holds its own reference
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(Digest), 0),
        OSSL_PARAM_construct_end()};
    if (ctx_ == nullptr ||
        EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(raw_.data()), raw_.size(),
                     params) != 1) {
      free();
      detail::raise<std::runtime_error>("crumb: OpenSSL HMAC initialisation failed");
    }
  }
  void free() noexcept {
    EVP_MAC_CTX_free(ctx_);
    ctx_ = nullptr;
  }

  std::string raw_;
  EVP_MAC_CTX* ctx_ = nullptr;  // keyed; sign() re-initialises it: one codec per thread
};

inline constexpr char sha256_name[] = "SHA256";
inline constexpr char sha1_name[] = "SHA1";
using openssl_sha256_key = openssl_evp_hmac_key<sha256_name, 32>;
using openssl_sha1_key = openssl_evp_hmac_key<sha1_name, 20>;
#  endif
}  // namespace detail

/// HMAC-SHA256 on OpenSSL's libcrypto, which uses the CPU's SHA extensions where present.
struct openssl_hmac_sha256 {
  static constexpr std::size_t digest_size = 32;
  static constexpr std::string_view name = "hmac-sha256 (OpenSSL)";
  static void hash(std::string_view data, std::uint8_t* out) noexcept {
    EVP_Digest(data.data(), data.size(), out, nullptr, EVP_sha256(), nullptr);
  }
  using key = detail::openssl_sha256_key;
  /// The same library's HMAC-SHA1, for profiles that need it (Django's legacy signatures).
  struct sha1;
};

/// HMAC-SHA1 on OpenSSL's libcrypto: only for reading Django 3.1/3.2 legacy signatures and
/// for the flask profile. libsodium has no SHA-1, so this needs libcrypto.
struct openssl_hmac_sha1 {
  static constexpr std::size_t digest_size = 20;
  static constexpr std::string_view name = "hmac-sha1 (OpenSSL)";
  static void hash(std::string_view data, std::uint8_t* out) noexcept {
    EVP_Digest(data.data(), data.size(), out, nullptr, EVP_sha1(), nullptr);
  }
  using key = detail::openssl_sha1_key;
};
struct openssl_hmac_sha256::sha1 : openssl_hmac_sha1 {};

/// The fastest HMAC-SHA256 this build has.
using default_hmac_sha256 = openssl_hmac_sha256;
#else
constexpr bool has_openssl = false;
using default_hmac_sha256 = sodium_hmac_sha256;
#endif

/// Whether the MAC policy M comes with an HMAC-SHA1 of its library (M::sha1).
template <class M>
concept has_sha1 = mac_policy<M> && requires { typename M::sha1; };

static_assert(mac_policy<sodium_hmac_sha256>);
static_assert(mac_policy<default_hmac_sha256>);

/// The secrets a codec signs and verifies with: the current one signs; the current one and
/// the fallbacks, tried without short-circuiting, verify (Django 4.1's
/// SECRET_KEY_FALLBACKS). Rotate by making the old current secret a fallback.
/// Secrets are wiped from memory when the ring is destroyed.
class key_ring {
 public:
  /// Throws std::invalid_argument when a secret is empty: that is a configuration bug.
  explicit key_ring(std::string current, std::vector<std::string> fallbacks = {}) {
    secrets_.reserve(fallbacks.size() + 1);
    secrets_.push_back(std::move(current));
    for (auto& f : fallbacks) secrets_.push_back(std::move(f));
    for (const auto& s : secrets_)
      if (s.empty()) detail::raise<std::invalid_argument>("crumb: a secret key must not be empty");
  }
  key_ring(const key_ring&) = default;
  key_ring(key_ring&&) noexcept = default;
  key_ring& operator=(const key_ring&) = default;
  key_ring& operator=(key_ring&&) noexcept = default;
  ~key_ring() {
    for (auto& s : secrets_) sodium_memzero(s.data(), s.size());
  }

  /// The secret new tokens are signed with.
  const std::string& current() const noexcept { return secrets_.front(); }
  /// Every secret, the current one first.
  const std::vector<std::string>& secrets() const noexcept { return secrets_; }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace crumb
