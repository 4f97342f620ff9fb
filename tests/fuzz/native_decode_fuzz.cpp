// Token decode (native profile), in both modes: a signed and an encrypted codec, each with
// a ring of two keys (so fallback keys are tried) and a fixed clock. Every input is first
// decoded as a token by both codecs, for both purposes. A leading control byte (never in a
// cookie) then picks a scripted mode:
//   0x00-0x0f  mutate: one of the valid tokens made at start-up (either mode, either key,
//              plain or compressed), changed by the edit script that follows: bit flips,
//              characters, truncations, appends, inserts and deletions, in the text or in
//              its decoded bytes.
//   0x10-0x1f  key holder: a token built here from the input's version, flags, key, times
//              and payload, sealed with the ring's real keys as a key holder could.
// Properties, beside no crash, leak or unbounded allocation (libFuzzer's limits):
// - errors are values, and only the ones decode documents;
// - a token that decodes passes a second implementation of the format written here from
//   docs/format.md on libsodium alone (key derivation, key id, tag or AEAD, varints): a
//   key of the ring made it for the codec's purpose and cookie name, needs_resign says
//   whether it is the fallback's or of the other mode, and the times reported agree with
//   the spec's rules;
// - what decodes re-encodes and decodes to the same value; re-issued for the same session
//   it keeps its end (never a later one), or is refused (expired) at or past it;
// - a mutated token that differs from the original never decodes (so never to another
//   value); the original decodes to its value, also in the other mode's codec (which
//   asks to re-issue it), and never for the other purpose;
// - a key holder's token gets exactly the error the spec's reading order predicts up to
//   the times check, and past it only an error of inflating or JSON.
#include <libdeflate.h>

#include <array>
#include <crumb/profile/native.hpp>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using crumb::errc;
using native_codec = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression,
                                        crumb::default_hmac_sha256, crumb::fixed_clock>;
constexpr std::int64_t now = crumb_fuzz::now;

// --- the two codecs -------------------------------------------------------------------

struct mode {
  bool encrypt;
  std::string purpose, cookie_name;
  std::int64_t max_age, skew;
  std::optional<std::int64_t> idle;
};
// The same purpose and cookie name, so that each codec reads the other's tokens (a token
// of the other mode is read and asks to be re-issued); different time rules.
const mode modes[2] = {
    {false, "fuzz.purpose", "sid", 3600, 5, 900},
    {true, "fuzz.purpose", "sid", 86400, 30, std::nullopt},
};

native_codec::options options_for(const mode& m) {
  native_codec::options o;
  o.encrypt = m.encrypt;
  o.purpose = m.purpose;
  o.cookie_name = m.cookie_name;
  o.max_age = std::chrono::seconds(m.max_age);
  if (m.idle) o.idle_timeout = std::chrono::seconds(*m.idle);
  o.clock_skew = std::chrono::seconds(m.skew);
  return o;
}

native_codec make_codec(const mode& m, const crumb::key_ring& ring) {
  return native_codec(ring, options_for(m), crumb::fixed_clock::at_unix(now));
}

native_codec& codec(int m) {
  static native_codec c[2] = {
      make_codec(modes[0], crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback})),
      make_codec(modes[1], crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback}))};
  return c[m];
}

// --- the reference: the format again, from its description, on libsodium alone ----------

namespace ref {
using crumb_fuzz::base64;
using crumb_fuzz::u8;
using crumb_fuzz::unbase64;

void put_varint(std::string& out, std::uint64_t v) {
  do {
    out += static_cast<char>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v >>= 7;
  } while (v != 0);
}

// Shortest form only, at most 63 bits.
bool get_varint(std::string_view in, std::size_t& at, std::int64_t& out) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (at >= in.size()) return false;
    const auto b = static_cast<std::uint8_t>(in[at++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return false;
      out = static_cast<std::int64_t>(v);
      return true;
    }
  }
  return false;
}

struct keys {
  std::array<std::uint8_t, 4> id;
  std::array<std::uint8_t, 32>
      sub[5];  // [1] cookie MAC, [2] cookie AEAD, [3] entry MAC, [4] entry AEAD
};

keys derive(std::string_view secret, const mode& m) {
  keys k{};
  std::uint8_t master[32], h[16];
  const std::string_view domain = "crumb native master key v1", label = "crumb key id";
  crypto_generichash(master, 32, u8(secret), secret.size(), u8(domain), domain.size());
  crypto_generichash(h, sizeof h, u8(label), label.size(), master, 32);
  std::copy_n(h, 4, k.id.begin());
  std::string bound;
  put_varint(bound, m.purpose.size());
  bound += m.purpose;
  put_varint(bound, m.cookie_name.size());
  bound += m.cookie_name;
  for (std::uint64_t use = 1; use <= 4; ++use) {
    std::uint8_t kdf[32];
    crypto_kdf_derive_from_key(kdf, 32, use, "crumb_v1", master);
    crypto_generichash(k.sub[use].data(), 32, u8(bound), bound.size(), kdf, 32);
  }
  return k;
}

// [mode][0 current, 1 fallback]
const keys& ring_key(int m, int which) {
  static const keys k[2][2] = {
      {derive(crumb_fuzz::secret, modes[0]), derive(crumb_fuzz::fallback, modes[0])},
      {derive(crumb_fuzz::secret, modes[1]), derive(crumb_fuzz::fallback, modes[1])}};
  return k[m][which];
}



// A token's header and payload, sealed: signed (HMAC-SHA256 truncated to 16 bytes) or
// encrypted (XChaCha20-Poly1305, the header as associated data).
std::string seal(std::string header, std::string_view payload, bool encrypt,
                 const std::array<std::uint8_t, 32>& key) {
  std::string raw = header;
  if (encrypt) {
    const std::uint8_t nonce[24] = {7, 1, 2, 3};
    raw.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
    const std::size_t at = raw.size();
    raw.resize(at + payload.size() + 16);
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(raw.data()) + at,
                                               nullptr, u8(payload), payload.size(), u8(header),
                                               header.size(), nullptr, nonce, key.data());
  } else {
    raw.append(payload);
    std::uint8_t mac[32];
    crypto_auth_hmacsha256(mac, u8(raw), raw.size(), key.data());
    raw.append(reinterpret_cast<const char*>(mac), 16);
  }
  return base64(raw);
}

std::int64_t clamp(__int128 v) {
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  return v > hi ? hi : v < lo ? lo : static_cast<std::int64_t>(v);
}

// The time rules (docs/format.md, Reading 8): the token's own lifetime and idle timeout,
// the reader's max_age and idle timeout applied at once, ends exclusive, the skew only for
// tokens from the future. Returns the sealer's verdict and what it should report.
errc times(const mode& m, std::int64_t issued, std::int64_t lifetime, std::int64_t idle,
           crumb::token_info& info) {
  if (issued > static_cast<__int128>(now) + m.skew) return errc::not_yet_valid;
  __int128 end = static_cast<__int128>(issued) + m.max_age;
  if (lifetime != 0) end = std::min<__int128>(end, static_cast<__int128>(issued) + lifetime);
  if (m.idle && (idle == 0 || *m.idle < idle)) idle = std::max<std::int64_t>(1, *m.idle);
  if (now >= end) return errc::expired;
  if (idle != 0 && now >= static_cast<__int128>(issued) + idle) return errc::expired;
  info.issued_at = issued;
  info.expires_at = clamp(end);
  info.refresh_at =
      idle != 0 ? clamp(static_cast<__int128>(issued) + std::max<std::int64_t>(1, idle / 2)) : 0;
  return errc::ok;
}

// What `token`, decoded by codec `m` for `p`, must satisfy to have been accepted.
void check_accepted(int m, crumb::purpose p, std::string_view token, const crumb::token_info& got) {
  using crumb_fuzz::require;
  const std::optional<std::string> raw = unbase64(token);
  require(raw && raw->size() >= 6 + 3 + 16, "accepted: base64url of a long enough token");
  const auto flags = static_cast<std::uint8_t>((*raw)[1]);
  require((*raw)[0] == 1, "accepted: version 1");
  require((flags & ~3) == 0, "accepted: known flags");
  const bool encrypted = (flags & 1) != 0;  // either mode is read
  int which = -1;
  for (int w : {0, 1})
    if (std::memcmp(raw->data() + 2, ring_key(m, w).id.data(), 4) == 0) which = w;
  require(which >= 0, "accepted: a key id of the ring");
  require(got.needs_resign == (which == 1 || encrypted != modes[m].encrypt),
          "needs_resign exactly for the fallback key or the other mode");
  std::size_t at = 6;
  std::int64_t issued = 0, lifetime = 0, idle = 0;
  require(
      get_varint(*raw, at, issued) && get_varint(*raw, at, lifetime) && get_varint(*raw, at, idle),
      "accepted: shortest-form varints");
  const std::string_view header(raw->data(), at);
  const int use = (p == crumb::purpose::cookie ? 1 : 3) + (encrypted ? 1 : 0);
  const auto& key = ring_key(m, which).sub[use];
  if (encrypted) {
    require(raw->size() >= at + 24 + 16, "accepted: nonce and tag present");
    std::string plain(raw->size() - at - 24 - 16, '\0');
    require(
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), nullptr, nullptr, u8(*raw) + at + 24,
            raw->size() - at - 24, u8(header), header.size(), u8(*raw) + at, key.data()) == 0,
        "accepted: the AEAD opens under the named key, for this purpose and cookie");
  } else {
    require(raw->size() >= at + 16, "accepted: tag present");
    std::uint8_t mac[32];
    crypto_auth_hmacsha256(mac, u8(*raw), raw->size() - 16, key.data());
    require(sodium_memcmp(mac, raw->data() + raw->size() - 16, 16) == 0,
            "accepted: the tag is the named key's, for this purpose and cookie");
  }
  crumb::token_info want;
  require(times(modes[m], issued, lifetime, idle, want) == errc::ok,
          "accepted: within the reference time rules");
  require(got.issued_at == want.issued_at && got.expires_at == want.expires_at &&
              got.refresh_at == want.refresh_at,
          "accepted: issued_at, expires_at, refresh_at as the reference computes them");
}
}  // namespace ref

// --- shared properties ------------------------------------------------------------------

bool documented(errc e) {
  switch (e) {
    case errc::ok:
    case errc::malformed:
    case errc::unknown_key:
    case errc::invalid_signature:
    case errc::not_yet_valid:
    case errc::expired:
    case errc::too_large:
    case errc::invalid_compression:
    case errc::invalid_json:
    case errc::too_deep:
    case errc::number_out_of_range:
    case errc::invalid_utf8:
      return true;
    default:
      return false;
  }
}

bool after_opening(errc e) {
  return e == errc::ok || e == errc::too_large || e == errc::invalid_compression ||
         e == errc::invalid_json || e == errc::too_deep || e == errc::number_out_of_range ||
         e == errc::invalid_utf8;
}

// Decodes `token` with codec m for purpose p and checks what every decode must satisfy.
errc decode_checked(int m, crumb::purpose p, std::string_view token, crumb::value& out,
                    crumb::token_info& info) {
  using crumb_fuzz::require;
  const errc e = codec(m).decode_into(token, out, info, p);
  require(documented(e), "decode returns only documented errors");
  if (token.size() > codec(m).settings().max_token_bytes)
    require(e == errc::too_large, "an overlong token is too_large");
  if (e != errc::ok) return e;
  ref::check_accepted(m, p, token, info);

  // Round trip, as a new token and as the same session re-issued.
  std::string again;
  require(codec(m).encode_into(out, again, p) == errc::ok, "decoded value re-encodes");
  crumb::value back;
  crumb::token_info back_info;
  require(codec(m).decode_into(again, back, back_info, p) == errc::ok, "re-encoded token decodes");
  require(back == out, "re-encoded token decodes to the same value");
  require(!back_info.needs_resign && back_info.issued_at == now, "re-encoded: current key, now");
  const errc r = codec(m).encode_into(out, again, p, &info);
  if (r != errc::ok) {
    require(r == errc::expired && info.expires_at <= now, "re-issue fails only past the end");
    return e;
  }
  require(codec(m).decode_into(again, back, back_info, p) == errc::ok, "re-issued token decodes");
  require(back == out, "re-issued token decodes to the same value");
  require(back_info.expires_at <= info.expires_at, "re-issue never moves the end later");
  if (info.expires_at > now && info.expires_at <= now + modes[m].max_age)
    require(back_info.expires_at == info.expires_at, "re-issue keeps the absolute end");
  return e;
}

errc decode_checked(int m, crumb::purpose p, std::string_view token) {
  static crumb::value out;
  crumb::token_info info;
  return decode_checked(m, p, token, out, info);
}

// --- input reading ----------------------------------------------------------------------

using crumb_fuzz::reader;

// --- mutate -----------------------------------------------------------------------------

struct original {
  int mode;
  bool fallback;
  crumb::value value;
  std::string token;
};

const std::vector<original>& originals() {
  static const std::vector<original> all = [] {
    const std::string small = R"({"_auth_user_id":"42","cart":[1,2,3],"theme":"dark"})";
    std::string medium =
        R"({"_auth_user_id":"42","ratio":0.625,"greeting":"Grüß Gott — こんにちは",)"
        R"("prefs":{"font_size":14,"notifications":{"email":true,"sms":false}},"recent":[)";
    for (int i = 0; i < 12; ++i)
      medium += (i ? ",\"/products/" : "\"/products/") + std::to_string(i) + "\"";
    medium += "]}";
    std::vector<original> v;
    for (int m : {0, 1})
      for (bool fallback : {false, true})
        for (const std::string* json : {&small, static_cast<const std::string*>(&medium)})
          for (bool compress : {false, true}) {
            const crumb::key_ring ring =
                fallback ? crumb::key_ring(crumb_fuzz::fallback, {crumb_fuzz::secret})
                         : crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback});
            original o{m, fallback, crumb::json::parse(*json).value(), {}};
            native_codec::options opts = options_for(modes[m]);
            opts.compress = compress;
            native_codec sealer(ring, opts, crumb::fixed_clock::at_unix(now));
            crumb_fuzz::require(sealer.encode_into(o.value, o.token) == errc::ok, "seed encodes");
            v.push_back(std::move(o));
          }
    return v;
  }();
  return all;
}

void mutate(reader& in) {
  using crumb_fuzz::require;
  const auto& all = originals();
  const original& o = all[in.byte() % all.size()];
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string t = o.token;
  for (int ops = 0; !in.empty() && ops < 16; ++ops) {
    const std::uint8_t op = in.byte() % 10;
    const std::size_t pos = in.bytes(2);
    const std::uint8_t arg = in.byte();
    if (op < 6) {  // in the text
      const std::size_t at = t.empty() ? 0 : pos % t.size();
      switch (op) {
        case 0:
          if (!t.empty()) t[at] = static_cast<char>(t[at] ^ (1 << (arg % 8)));
          break;
        case 1:
          if (!t.empty()) t[at] = alphabet[arg % 64];
          break;
        case 2:
          t.resize(t.empty() ? 0 : pos % t.size());
          break;
        case 3:
          for (int k = 0; k < arg % 8; ++k) t += alphabet[in.byte() % 64];
          break;
        case 4:
          t.insert(t.begin() + static_cast<std::ptrdiff_t>(t.empty() ? 0 : pos % (t.size() + 1)),
                   alphabet[arg % 64]);
          break;
        case 5:
          if (!t.empty()) t.erase(at, 1);
          break;
      }
    } else {  // in the decoded bytes, written back as canonical base64url
      std::optional<std::string> raw = ref::unbase64(t);
      if (!raw) continue;
      const std::size_t at = raw->empty() ? 0 : pos % raw->size();
      switch (op) {
        case 6:
          if (!raw->empty()) (*raw)[at] = static_cast<char>((*raw)[at] ^ (1 << (arg % 8)));
          break;
        case 7:
          if (!raw->empty()) (*raw)[at] = static_cast<char>(arg);
          break;
        case 8:
          raw->resize(at);
          break;
        case 9:
          for (int k = 0; k < arg % 8; ++k) *raw += static_cast<char>(in.byte());
          break;
      }
      t = ref::base64(*raw);
    }
  }
  crumb::value out;
  crumb::token_info info;
  const errc e = decode_checked(o.mode, crumb::purpose::cookie, t, out, info);
  if (t == o.token) {
    require(e == errc::ok && out == o.value, "the unchanged token decodes to its value");
    require(info.needs_resign == o.fallback, "needs_resign for a fallback token");
  } else {
    require(e != errc::ok, "a changed token never decodes");
  }
  // The other codec reads the other mode: the same value, to be re-issued.
  const errc other = decode_checked(1 - o.mode, crumb::purpose::cookie, t, out, info);
  if (t == o.token)
    require(other == errc::ok && out == o.value && info.needs_resign,
            "the other mode's reader: the same value, needs_resign");
  else
    require(other != errc::ok, "a changed token never decodes in the other mode's reader");
  require(decode_checked(o.mode, crumb::purpose::store_entry, t) != errc::ok,
          "never decodes for the other purpose");
}

// --- key holder -------------------------------------------------------------------------

std::int64_t time_field(reader& in, std::int64_t base) {
  const std::uint8_t kind = in.byte();
  if (kind & 1) return static_cast<std::int64_t>(in.bytes(8) >> 1);  // any, up to 2^63-1
  const auto offset = static_cast<std::int16_t>(in.bytes(2));
  return std::max<std::int64_t>(0, base + offset);
}

void key_holder(std::uint8_t control, reader& in) {
  using crumb_fuzz::require;
  static libdeflate_compressor* deflate = libdeflate_alloc_compressor(6);
  const int target = control & 1;  // the mode it is sealed in (1: encrypted)
  const bool compress = control & 2, raw_header = control & 4, odd = control & 8;
  const std::uint8_t key_choice = in.byte() % 4, purposes = in.byte();
  const auto seal_purpose = purposes & 1 ? crumb::purpose::store_entry : crumb::purpose::cookie;
  const auto open_purpose = purposes & 2 ? crumb::purpose::store_entry : crumb::purpose::cookie;
  std::uint8_t version = 1, flags = static_cast<std::uint8_t>(target | (compress ? 2 : 0));
  if (odd) {
    version = in.byte();
    flags ^= in.byte();
  }
  // Key: 0 current, 1 fallback, 2 the current's id with the fallback's key, 3 any id.
  const int sealing = key_choice == 1 || key_choice == 2 ? 1 : 0;
  std::array<std::uint8_t, 4> id = ref::ring_key(target, key_choice == 1 ? 1 : 0).id;
  if (key_choice == 3)
    for (auto& b : id) b = in.byte();
  std::string header;
  header += static_cast<char>(version);
  header += static_cast<char>(flags);
  header.append(reinterpret_cast<const char*>(id.data()), id.size());
  std::int64_t issued = 0, lifetime = 0, idle = 0;
  if (raw_header) {
    const std::uint8_t n = in.byte() % 32;
    for (int k = 0; k < n; ++k) header += static_cast<char>(in.byte());
  } else {
    issued = time_field(in, now);
    lifetime = time_field(in, 0);
    idle = time_field(in, 0);
    for (std::int64_t v : {issued, lifetime, idle})
      ref::put_varint(header, static_cast<std::uint64_t>(v));
  }
  const std::string_view body = in.rest();
  std::string payload(body);
  if (compress) {
    payload.resize(libdeflate_zlib_compress_bound(deflate, body.size()));
    payload.resize(libdeflate_zlib_compress(deflate, body.data(), body.size(), payload.data(),
                                            payload.size()));
  }
  const int use = (seal_purpose == crumb::purpose::cookie ? 1 : 3) + target;
  const std::string token =
      ref::seal(header, payload, target == 1, ref::ring_key(target, sealing).sub[use]);

  for (int m : {0, 1}) {
    const errc got = decode_checked(m, open_purpose, token);
    if (raw_header) continue;  // the reference does not predict malformed header fields
    // The sealer's verdict, in the spec's reading order (docs/format.md, Reading 3-8). Both
    // modes are read: a token is verified in its own mode (the flag), with the keys the
    // two codecs share (one purpose and cookie name), and timed by the reader's rules.
    const bool known_id = id == ref::ring_key(m, 0).id || id == ref::ring_key(m, 1).id;
    const bool token_encrypted = (flags & 1) != 0;
    const std::size_t raw_size = (token.size() * 3) / 4;
    crumb::token_info info;
    errc want = errc::ok;
    if (version != 1 || (flags & ~3) != 0)
      want = errc::malformed;
    else if (!known_id)
      want = errc::unknown_key;
    else if (token_encrypted && raw_size < header.size() + 24 + 16)
      want = errc::malformed;
    else if (token_encrypted != (target == 1) || seal_purpose != open_purpose || key_choice == 2 ||
             (key_choice == 3 && id != ref::ring_key(m, 0).id))
      want = errc::invalid_signature;  // sealed the other way, for the other use, by another key
    else
      want = ref::times(modes[m], issued, lifetime, idle, info);
    if (want == errc::ok)
      require(after_opening(got), "a sealed token fails only in inflating or JSON");
    else
      require(got == want, "the sealer's error is the one the reference predicts");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token = crumb_fuzz::as_text(data, size);
  for (int m : {0, 1})
    for (auto p : {crumb::purpose::cookie, crumb::purpose::store_entry})
      (void)decode_checked(m, p, token);
  if (size == 0 || data[0] >= 0x20) return 0;
  reader in{data + 1, size - 1};
  if (data[0] < 0x10)
    mutate(in);
  else
    key_holder(data[0], in);
  return 0;
}
