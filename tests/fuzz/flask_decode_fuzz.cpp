// Token decode (flask profile): one codec with a ring of two keys (so the fallback key is
// tried) and a fixed clock. Every input is first decoded as a token, for both purposes. A
// leading control byte (never in a cookie) then picks a scripted mode:
//   0x00-0x0f  mutate: one of the valid tokens made at start-up (current or fallback key,
//              plain or compressed, with and without Flask's tags), changed by the edit
//              script that follows: bit flips, characters (the '.' separator included),
//              truncations, appends, inserts and deletions, in the text or in the decoded
//              bytes of one of its three parts.
//   0x10-0x1f  key holder: a token signed here with a real key (or a foreign one) over the
//              input's timestamp and payload (JSON, zlib-compressed or not, or any text), so
//              that payloads no forger could sign reach the JSON reader and the round trip.
// Properties, beside no crash, leak or unbounded allocation (libFuzzer's limits):
// - errors are values, and only the ones decode documents;
// - a token that decodes passes a second reading of itsdangerous' format written here on
//   libcrypto's HMAC() and libsodium's base64 alone: HMAC-SHA1 under HMAC-SHA1(secret,
//   salt) of a secret in the ring for that purpose, needs_resign exactly when only the
//   fallback's matched, a timestamp of at most 8 big-endian bytes whose age is within
//   [0, max_age], reported as issued_at;
// - what decodes re-encodes, unless it holds a tag Flask cannot read (then encode refuses
//   with invalid_json, as check_tags() says, never with too_deep), and the new token decodes to the
//   same value with every object's keys sorted (Flask's sort_keys), is signed now by the current
//   key, and is the token the decoded value encodes to (the same value in any member order makes
//   the same token); it never decodes for the other purpose;
// - a mutated token that differs from the original never decodes (base64url is read
//   canonically and the MAC covers the rest), so never to another value; the original
//   decodes to its value, and never for the other purpose;
// - a key holder's token gets exactly the error itsdangerous' reading order predicts up to
//   the payload's base64, and past it only an error of inflating or JSON.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <chrono>
#include <crumb/profile/flask.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using crumb::errc;
using flask_codec = crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression,
                                       crumb::openssl_hmac_sha256, crumb::fixed_clock>;
constexpr std::int64_t now = crumb_fuzz::now;
constexpr std::int64_t max_age = 3600;
// Signs key-holder tokens that no key of the ring verifies.
const std::string foreign = "fuzz-foreign-secret-not-in-the-ring-42";

flask_codec::options codec_options() {
  flask_codec::options o;
  o.max_age = std::chrono::seconds(max_age);
  return o;
}

flask_codec& codec() {
  static flask_codec c(crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback}), codec_options(),
                       crumb::fixed_clock::at_unix(now));
  return c;
}

crumb::purpose other(crumb::purpose p) {
  return p == crumb::purpose::cookie ? crumb::purpose::store_entry : crumb::purpose::cookie;
}

// --- the reference: itsdangerous' format again, on libcrypto and libsodium alone ---------

namespace ref {
using crumb_fuzz::base64;
using crumb_fuzz::u8;
using crumb_fuzz::unbase64;



std::string hmac_sha1(std::string_view key, std::string_view msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), u8(msg), msg.size(), mac, &n);
  return std::string(reinterpret_cast<const char*>(mac), n);
}

std::string salt_for(crumb::purpose p) {
  std::string salt(crumb::profile::flask::session_salt);
  if (p == crumb::purpose::store_entry) salt += crumb::store_entry_salt_suffix;
  return salt;
}

// itsdangerous' key derivation "hmac": HMAC-SHA1(secret, salt).
std::string derived_key(std::string_view secret, crumb::purpose p) {
  return hmac_sha1(secret, salt_for(p));
}

// The signature text of `signed_part` under `secret` for `p`.
std::string signature(std::string_view secret, crumb::purpose p, std::string_view signed_part) {
  return base64(hmac_sha1(derived_key(secret, p), signed_part));
}

// Big-endian bytes without leading zeros (itsdangerous' int_to_bytes).
std::string timestamp_bytes(std::uint64_t v) {
  std::string out;
  for (; v != 0; v >>= 8) out.insert(out.begin(), static_cast<char>(v & 0xff));
  return out;
}

// What a timestamp's bytes make: errc::malformed past 8 bytes or 2^63 (where crumb stops;
// itsdangerous would read the big number and refuse it as expired or from the future),
// else the age rules.
errc timestamp_verdict(std::string_view bytes, std::int64_t& ts) {
  if (bytes.size() > 8 || (bytes.size() == 8 && static_cast<std::uint8_t>(bytes[0]) >= 0x80))
    return errc::malformed;
  std::uint64_t v = 0;
  for (const char c : bytes) v = v << 8 | static_cast<std::uint8_t>(c);
  ts = static_cast<std::int64_t>(v);
  if (ts > now) return errc::not_yet_valid;  // age = now - ts < 0
  if (now - ts > max_age) return errc::expired;
  return errc::ok;
}

// What `token`, accepted for `p`, must satisfy.
void check_accepted(crumb::purpose p, std::string_view token, const crumb::token_info& info) {
  using crumb_fuzz::require;
  const std::size_t sig_at = token.rfind('.');
  require(sig_at != std::string_view::npos, "accepted: a signature separator");
  const std::string_view signed_part = token.substr(0, sig_at), sig = token.substr(sig_at + 1);
  const bool by_current = sig == signature(crumb_fuzz::secret, p, signed_part);
  const bool by_fallback = sig == signature(crumb_fuzz::fallback, p, signed_part);
  require(by_current || by_fallback, "accepted: signed by a key of the ring, for this purpose");
  require(info.needs_resign == !by_current, "needs_resign exactly for the fallback's signature");
  const std::size_t ts_at = signed_part.rfind('.');
  require(ts_at != std::string_view::npos, "accepted: a timestamp separator");
  const std::optional<std::string> ts_bytes = unbase64(signed_part.substr(ts_at + 1));
  require(ts_bytes.has_value(), "accepted: the timestamp is canonical base64url");
  std::int64_t ts = -1;
  require(timestamp_verdict(*ts_bytes, ts) == errc::ok, "accepted: within [0, max_age] old");
  require(info.issued_at == ts, "accepted: issued_at is the timestamp");
  std::string_view payload = signed_part.substr(0, ts_at);
  if (!payload.empty() && payload.front() == '.') payload.remove_prefix(1);
  require(unbase64(payload).has_value(), "accepted: the payload is canonical base64url");
}
}  // namespace ref

// --- shared properties ------------------------------------------------------------------

bool documented(errc e) {
  switch (e) {
    case errc::ok:
    case errc::malformed:
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

// Flask's JSON provider writes with sort_keys=True: every object's keys in order (byte
// order of UTF-8 is code point order), each once.
bool keys_sorted(const crumb::value& v) {
  if (const crumb::array* a = v.if_array()) {
    for (const crumb::value& item : *a)
      if (!keys_sorted(item)) return false;
    return true;
  }
  const crumb::object* o = v.if_object();
  if (o == nullptr) return true;
  const std::string* previous = nullptr;
  for (const auto& [key, member] : *o) {
    if (previous != nullptr && !(*previous < key)) return false;
    previous = &key;
    if (!keys_sorted(member)) return false;
  }
  return true;
}

// Decodes `token` for `p` and checks what every decode must satisfy.
errc decode_checked(crumb::purpose p, std::string_view token, crumb::value& out,
                    crumb::token_info& info) {
  using crumb_fuzz::require;
  const errc e = codec().decode_into(token, out, info, p);
  require(documented(e), "decode returns only documented errors");
  if (token.size() > codec().settings().max_token_bytes)
    require(e == errc::too_large, "an overlong token is too_large");
  if (e != errc::ok) return e;
  ref::check_accepted(p, token, info);

  // Round trip. Flask cannot read some tags (a " u" that is no UUID, ...): such a value
  // is refused by encode, with the error check_tags() gives; never too_deep, as what
  // decodes is within the same max_depth.
  static std::string again, once_more;
  const errc tags = crumb::profile::flask::check_tags(out, codec().settings().max_depth);
  const errc r = codec().encode_into(out, again, p);
  if (tags != errc::ok) {
    require(r == tags && r == errc::invalid_json, "a tag Flask cannot read: invalid_json");
    return e;
  }
  require(r == errc::ok, "decoded value re-encodes");
  static crumb::value back;
  crumb::token_info back_info;
  require(codec().decode_into(again, back, back_info, p) == errc::ok, "re-encoded token decodes");
  require(back == out, "re-encoded token decodes to the same value");
  require(keys_sorted(back), "re-encoded: every object's keys sorted");
  require(!back_info.needs_resign && back_info.issued_at == now, "re-encoded: current key, now");
  require(codec().encode_into(back, once_more, p) == errc::ok && once_more == again,
          "re-encoded: the same value in any member order makes the same token");
  crumb::value elsewhere;
  crumb::token_info elsewhere_info;
  require(
      codec().decode_into(again, elsewhere, elsewhere_info, other(p)) == errc::invalid_signature,
      "re-encoded: never decodes for the other purpose");
  return e;
}

errc decode_checked(crumb::purpose p, std::string_view token) {
  static crumb::value out;
  crumb::token_info info;
  return decode_checked(p, token, out, info);
}

// --- input reading ----------------------------------------------------------------------

using crumb_fuzz::reader;

// --- mutate -----------------------------------------------------------------------------

struct original {
  bool fallback;
  crumb::value value;
  std::string token;
};

const std::vector<original>& originals() {
  static const std::vector<original> all = [] {
    const std::string small = R"({"_user_id":"42","cart":[1,2,3],"theme":"dark"})";
    std::string medium =
        R"({"_user_id":"42","ratio":0.625,"greeting":"Grüß Gott — こんにちは",)"
        R"("prefs":{"font_size":14,"notifications":{"email":true,"sms":false}},"recent":[)";
    for (int i = 0; i < 12; ++i)
      medium += (i ? ",\"/products/" : "\"/products/") + std::to_string(i) + "\"";
    medium += "]}";
    // Flask's tags, each as Flask writes it, and a one-member object under no tag.
    const std::string tagged =
        R"({"_fresh":true,"pair":{" t":[1,"two"]},"raw":{" b":"aGVsbG8="},)"
        R"("at":{" d":"Wed, 15 Nov 2023 12:00:00 GMT"},)"
        R"("id":{" u":"12345678123456781234567812345678"},"html":{" m":"<b>hi</b>"},)"
        R"("odd":{" di":{" t__":[]}},"plain":{"k":1}})";
    std::vector<original> v;
    for (bool fallback : {false, true})
      for (const std::string* json : {&small, static_cast<const std::string*>(&medium), &tagged})
        for (bool compress : {false, true}) {
          const crumb::key_ring ring =
              fallback ? crumb::key_ring(crumb_fuzz::fallback, {crumb_fuzz::secret})
                       : crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback});
          original o{fallback, crumb::json::parse(*json).value(), {}};
          flask_codec::options opts = codec_options();
          opts.compress = compress;
          flask_codec sealer(ring, opts, crumb::fixed_clock::at_unix(now));
          crumb_fuzz::require(sealer.encode_into(o.value, o.token) == errc::ok, "seed encodes");
          v.push_back(std::move(o));
        }
    return v;
  }();
  return all;
}

// The text of part `which` of `t` (0 payload after any '.' marker, 1 timestamp, 2
// signature) as [begin, end), or false when `t` has not three parts.
bool part(const std::string& t, int which, std::size_t& begin, std::size_t& end) {
  const std::size_t sig_at = t.rfind('.');
  if (sig_at == std::string::npos || sig_at == 0) return false;
  const std::size_t ts_at = t.rfind('.', sig_at - 1);
  if (ts_at == std::string::npos) return false;
  const std::size_t payload_at = t.front() == '.' && ts_at > 0 ? 1 : 0;
  const std::size_t begins[3] = {payload_at, ts_at + 1, sig_at + 1};
  const std::size_t ends[3] = {ts_at, sig_at, t.size()};
  begin = begins[which];
  end = ends[which];
  return begin <= end;
}

void mutate(reader& in) {
  using crumb_fuzz::require;
  const auto& all = originals();
  const original& o = all[in.byte() % all.size()];
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";  // and the separator
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
          if (!t.empty()) t[at] = alphabet[arg % alphabet.size()];
          break;
        case 2:
          t.resize(t.empty() ? 0 : pos % t.size());
          break;
        case 3:
          for (int k = 0; k < arg % 8; ++k) t += alphabet[in.byte() % alphabet.size()];
          break;
        case 4:
          t.insert(t.begin() + static_cast<std::ptrdiff_t>(t.empty() ? 0 : pos % (t.size() + 1)),
                   alphabet[arg % alphabet.size()]);
          break;
        case 5:
          if (!t.empty()) t.erase(at, 1);
          break;
      }
    } else {  // in the decoded bytes of one part, written back as canonical base64url
      std::size_t begin = 0, end = 0;
      if (!part(t, arg % 3, begin, end)) continue;
      std::optional<std::string> raw =
          ref::unbase64(std::string_view(t).substr(begin, end - begin));
      if (!raw) continue;
      const std::size_t at = raw->empty() ? 0 : pos % raw->size();
      const std::uint8_t what = in.byte();
      switch (op) {
        case 6:
          if (!raw->empty()) (*raw)[at] = static_cast<char>((*raw)[at] ^ (1 << (what % 8)));
          break;
        case 7:
          if (!raw->empty()) (*raw)[at] = static_cast<char>(what);
          break;
        case 8:
          raw->resize(at);
          break;
        case 9:
          for (int k = 0; k < what % 8; ++k) *raw += static_cast<char>(in.byte());
          break;
      }
      t.replace(begin, end - begin, ref::base64(*raw));
    }
  }
  crumb::value out;
  crumb::token_info info;
  const errc e = decode_checked(crumb::purpose::cookie, t, out, info);
  if (t == o.token) {
    require(e == errc::ok && out == o.value, "the unchanged token decodes to its value");
    require(info.needs_resign == o.fallback, "needs_resign for a fallback token");
  } else {
    require(e != errc::ok || out == o.value, "a changed token never decodes to another value");
    require(e != errc::ok, "a changed token never decodes");
  }
  require(decode_checked(crumb::purpose::store_entry, t) != errc::ok,
          "never decodes for the other purpose");
}

// --- key holder -------------------------------------------------------------------------

void key_holder(std::uint8_t control, reader& in) {
  using crumb_fuzz::require;
  const bool compress = control & 1, raw_payload = control & 2, raw_timestamp = control & 4,
             odd_signature = control & 8;
  const std::uint8_t key_choice = in.byte() % 3, purposes = in.byte();
  const auto seal_purpose = purposes & 1 ? crumb::purpose::store_entry : crumb::purpose::cookie;
  const auto open_purpose = purposes & 2 ? crumb::purpose::store_entry : crumb::purpose::cookie;
  // Key: 0 current, 1 fallback, 2 foreign.
  const std::string& secret = key_choice == 0   ? crumb_fuzz::secret
                              : key_choice == 1 ? crumb_fuzz::fallback
                                                : foreign;
  std::string ts_bytes;
  if (raw_timestamp) {  // any bytes: leading zeros, past 8 bytes, 2^63 and beyond
    const std::uint8_t n = in.byte() % 10;
    for (int k = 0; k < n; ++k) ts_bytes += static_cast<char>(in.byte());
  } else {  // within nine hours of now
    const auto offset = static_cast<std::int16_t>(in.bytes(2));
    ts_bytes = ref::timestamp_bytes(static_cast<std::uint64_t>(now + offset));
  }
  // An odd signature: the right one with its last character changed.
  const std::uint8_t sig_edit = odd_signature ? in.byte() : 0;

  const std::string_view body = in.rest();
  std::string token;
  if (raw_payload) {
    token = body;  // any text, '.' included: the signed part is everything before the last '.'
  } else if (compress) {
    uLongf n = compressBound(static_cast<uLong>(body.size()));
    std::string packed(n, '\0');
    require(compress2(reinterpret_cast<Bytef*>(packed.data()), &n, ref::u8(body), body.size(),
                      Z_DEFAULT_COMPRESSION) == Z_OK,
            "zlib compresses");
    packed.resize(n);
    token = "." + ref::base64(packed);
  } else {
    token = ref::base64(body);
  }
  token += '.';
  token += ref::base64(ts_bytes);
  std::string sig = ref::signature(secret, seal_purpose, token);
  if (odd_signature) sig.back() = crumb_fuzz::base64url_alphabet[sig_edit % 64];
  const bool sig_intact = sig == ref::signature(secret, seal_purpose, token);
  token += '.';
  token += sig;

  crumb::value out;
  crumb::token_info info;
  const errc got = decode_checked(open_purpose, token, out, info);
  // itsdangerous' reading order: the signature (every key), the timestamp and its age, the
  // payload's base64, then zlib and JSON.
  std::int64_t ts = 0;
  errc want = errc::ok;
  if (token.size() > codec().settings().max_token_bytes)
    want = errc::too_large;
  else if (!sig_intact || key_choice == 2 || seal_purpose != open_purpose)
    want = errc::invalid_signature;
  else
    want = ref::timestamp_verdict(ts_bytes, ts);
  if (want == errc::ok && raw_payload) {
    std::string_view text = body;
    if (!text.empty() && text.front() == '.') text.remove_prefix(1);
    if (!ref::unbase64(text)) want = errc::malformed;
  }
  if (want != errc::ok) {
    require(got == want, "the key holder's error is the one itsdangerous' order predicts");
    return;
  }
  require(after_opening(got), "a signed, timely token fails only in inflating or JSON");
  const bool compressed = raw_payload ? !body.empty() && body.front() == '.' : compress;
  if (!compressed) require(got != errc::invalid_compression, "nothing to inflate");
  if (got == errc::ok) require(info.needs_resign == (key_choice == 1), "needs_resign: fallback");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token = crumb_fuzz::as_text(data, size);
  for (auto p : {crumb::purpose::cookie, crumb::purpose::store_entry})
    (void)decode_checked(p, token);
  if (size == 0 || data[0] >= 0x20) return 0;
  reader in{data + 1, size - 1};
  if (data[0] < 0x10)
    mutate(in);
  else
    key_holder(data[0], in);
  return 0;
}
