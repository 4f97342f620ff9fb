// crumb's codec against two floors measured in the same binary on the same bytes:
//   dependency floor: libsodium HMAC-SHA256 (keyed state prepared once) over the token's
//     signed part + libsodium base64 of the payload (+ libdeflate for compressed cases);
//   hardware floor: HMAC-SHA256 from prekeyed OpenSSL SHA256_CTX states, which use the
//     CPU's SHA extensions, and a table base64 (crumb's table loops; when libcrypto is
//     available). crumb itself runs base64 with AVX2 where the CPU has it: the base64/
//     rows time both codecs on each fixture's payload, so what that buys is on the table.
// Each crumb case reports ns/op, allocations/op, token bytes and its ratio to both floors.
// The native profile's cases (signed and encrypted) have floors of their own, the same two
// recipes over the native token's bytes; the mac/ rows set keyed BLAKE2b-256 beside
// HMAC-SHA256 on the bytes a native signed token MACs. The flask profile's cases (libcrypto
// builds only: Flask signs with HMAC-SHA1, which libsodium lacks) have a hardware floor of
// the same recipe with HMAC-SHA1 from prekeyed OpenSSL SHA_CTX states over the flask token's
// signed part, and no dependency floor (that one is libsodium's, and libsodium has no SHA-1).
#include <benchmark/benchmark.h>
#include <libdeflate.h>
#include <sodium.h>

#include <crumb/crumb.hpp>
#include <crumb/profile/native.hpp>
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#  include <crumb/profile/flask.hpp>
#  include <openssl/sha.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "allocations.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
const std::string secret = "django-insecure-bench-secret-0123456789abcdefghijklmnop";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CRUMB_FIXTURES_DIR) + "/session_" + name + ".json",
                   std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // Normalised to the compact form both crumb and Django put in tokens.
  return crumb::json::to_string(crumb::json::parse(text).value()).value();
}

// Floors measured earlier in this run, by case name ("medium/zlib/decode").
std::map<std::string, double> dependency_floor_ns, hardware_floor_ns;

// Times the loop itself, so a case can relate its cost to a floor measured in this run.
template <class Body>
double run_timed(benchmark::State& state, Body&& body) {
  const std::uint64_t allocs_before = crumb_bench::allocations();
  const auto t0 = clock_type::now();
  std::int64_t n = 0;
  for (auto _ : state) {
    body();
    ++n;
  }
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
  state.counters["allocs/op"] =
      n ? static_cast<double>(crumb_bench::allocations() - allocs_before) / static_cast<double>(n)
        : 0;
  return n ? ns / static_cast<double>(n) : 0;
}

void report_ratios(benchmark::State& state, const std::string& key, double ns) {
  if (const auto it = dependency_floor_ns.find(key); it != dependency_floor_ns.end())
    state.counters["x_dep_floor"] = ns / it->second;
  if (const auto it = hardware_floor_ns.find(key); it != hardware_floor_ns.end())
    state.counters["x_hw_floor"] = ns / it->second;
}

template <class Mac>
using bench_codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression, Mac>;

template <class Mac>
bench_codec<Mac> make_codec(bool compress) {
  typename bench_codec<Mac>::options opts;
  opts.compress = compress;
  return bench_codec<Mac>(crumb::key_ring(secret), opts);
}

// The token crumb makes for a workload, split the way both floors need it.
struct workload {
  std::string json, token, signed_part, payload_b64, payload;  // payload: bytes under base64
  std::string packed;  // the compressed bytes (a part of payload): what a decode inflates
  bool compressed = false;
};

workload make_workload(const std::string& name, bool compress) {
  workload w;
  w.json = fixture(name);
  auto codec = make_codec<crumb::sodium_hmac_sha256>(compress);
  w.token = codec.encode(crumb::json::parse(w.json).value()).value();
  w.signed_part = w.token.substr(0, w.token.rfind(':'));
  w.payload_b64 = w.signed_part.substr(0, w.signed_part.rfind(':'));
  w.compressed = w.payload_b64.front() == '.';
  if (w.compressed) w.payload_b64.erase(0, 1);
  w.payload = crumb::base64url::decode(w.payload_b64).value();
  w.packed = w.payload;
  return w;
}

std::string case_key(const std::string& name, bool compress, const char* op) {
  return name + (compress ? "/zlib/" : "/plain/") + op;
}

// --- floors ---------------------------------------------------------------------------

// Scratch buffers large enough for any step of any workload.
struct scratch {
  explicit scratch(const workload& w)
      : b64(w.payload_b64.size() + 64, '\0'), bytes(w.json.size() + 1024, '\0'),
        json(w.json.size() + 64, '\0') {}
  std::string b64, bytes, json;
};

// The non-MAC work of a floor: base64 (libsodium's, or crumb's table loops) and libdeflate.
template <bool SodiumBase64>
void floor_payload_work(const workload& w, scratch& s, bool encode, libdeflate_compressor* c,
                        libdeflate_decompressor* d) {
  if (encode) {
    if (w.compressed)
      libdeflate_zlib_compress(c, w.json.data(), w.json.size(), s.bytes.data(), s.bytes.size());
    if constexpr (SodiumBase64) {
      sodium_bin2base64(s.b64.data(), s.b64.size(),
                        reinterpret_cast<const unsigned char*>(w.payload.data()), w.payload.size(),
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    } else {
      crumb::detail::base64url_encode_table(reinterpret_cast<const std::uint8_t*>(w.payload.data()),
                                            w.payload.size(), s.b64.data());
    }
  } else {
    if constexpr (SodiumBase64) {
      std::size_t out_len = 0;
      sodium_base642bin(reinterpret_cast<unsigned char*>(s.bytes.data()), s.bytes.size(),
                        w.payload_b64.data(), w.payload_b64.size(), nullptr, &out_len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    } else {
      crumb::detail::base64url_decode_table(w.payload_b64.data(), w.payload_b64.size(),
                                            reinterpret_cast<std::uint8_t*>(s.bytes.data()));
    }
    if (w.compressed)
      libdeflate_zlib_decompress(d, w.packed.data(), w.packed.size(), s.json.data(), s.json.size(),
                                 nullptr);
  }
  benchmark::DoNotOptimize(s.bytes.data());
  benchmark::DoNotOptimize(s.b64.data());
  benchmark::DoNotOptimize(s.json.data());
}

struct deflate_pair {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  ~deflate_pair() {
    libdeflate_free_compressor(c);
    libdeflate_free_decompressor(d);
  }
};

const std::string& derived_key() {
  static const std::string key = crumb::profile::django::derive_key<crumb::sodium_hmac_sha256>(
      secret, crumb::profile::django::session_salt);
  return key;
}

// libsodium HMAC-SHA256 from a keyed state + libsodium base64 (+ libdeflate).
void floor_dependency_on(benchmark::State& state, const workload& w, const std::string& key,
                         bool encode) {
  scratch s(w);
  deflate_pair z;
  crypto_auth_hmacsha256_state keyed;
  crypto_auth_hmacsha256_init(&keyed, reinterpret_cast<const unsigned char*>(derived_key().data()),
                              derived_key().size());
  unsigned char mac[32];
  const double ns = run_timed(state, [&] {
    floor_payload_work<true>(w, s, encode, z.c, z.d);
    crypto_auth_hmacsha256_state st = keyed;
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(w.signed_part.data()),
                                  w.signed_part.size());
    crypto_auth_hmacsha256_final(&st, mac);
    benchmark::DoNotOptimize(mac);
  });
  dependency_floor_ns[key] = ns;
}

void floor_dependency(benchmark::State& state, const std::string& name, bool compress,
                      bool encode) {
  floor_dependency_on(state, make_workload(name, compress),
                      case_key(name, compress, encode ? "encode" : "decode"), encode);
}

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#  if defined(__GNUC__)
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // SHA256_Init and co.
#  endif
// HMAC from prekeyed OpenSSL plain-struct hash states (SHA256_CTX, SHA_CTX): SHA
// extensions, no allocation, no EVP layer, no wiping. Keys are at most a block long.
template <class Ctx, std::size_t Block, std::size_t Size, int (*Init)(Ctx*),
          int (*Update)(Ctx*, const void*, std::size_t), int (*Final)(unsigned char*, Ctx*)>
struct hw_hmac {
  Ctx inner, outer;
  explicit hw_hmac(const std::string& key) {
    unsigned char pad[Block] = {};
    std::copy(key.begin(), key.end(), pad);
    for (unsigned char& b : pad) b ^= 0x36;
    Init(&inner);
    Update(&inner, pad, sizeof pad);
    for (unsigned char& b : pad) b ^= 0x36 ^ 0x5c;
    Init(&outer);
    Update(&outer, pad, sizeof pad);
  }
  void mac(const std::string& msg, unsigned char out[Size]) const {
    Ctx c = inner;
    Update(&c, msg.data(), msg.size());
    Final(out, &c);
    c = outer;
    Update(&c, out, Size);
    Final(out, &c);
  }
};
using hw_hmac_sha256 =
    hw_hmac<SHA256_CTX, SHA256_CBLOCK, 32, SHA256_Init, SHA256_Update, SHA256_Final>;

// The hardware HMAC + a table base64 (crumb's table loops) + libdeflate: the floor the
// issue sets for a token of these bytes.
void floor_hardware_on(benchmark::State& state, const workload& w, const std::string& key,
                       bool encode) {
  scratch s(w);
  deflate_pair z;
  const hw_hmac_sha256 hmac(derived_key());
  unsigned char mac[32];
  const double ns = run_timed(state, [&] {
    floor_payload_work<false>(w, s, encode, z.c, z.d);
    hmac.mac(w.signed_part, mac);
    benchmark::DoNotOptimize(mac);
  });
  hardware_floor_ns[key] = ns;
}

void floor_hardware(benchmark::State& state, const std::string& name, bool compress, bool encode) {
  floor_hardware_on(state, make_workload(name, compress),
                    case_key(name, compress, encode ? "encode" : "decode"), encode);
}
#  if defined(__GNUC__)
#    pragma GCC diagnostic pop
#  endif
#endif

// --- crumb ----------------------------------------------------------------------------

template <class Mac>
void crumb_encode(benchmark::State& state, const std::string& name, bool compress) {
  const workload w = make_workload(name, compress);
  auto codec = make_codec<Mac>(compress);
  const crumb::value session = crumb::json::parse(w.json).value();
  std::string token;
  if (codec.encode_into(session, token) != crumb::errc::ok) state.SkipWithError("encode failed");
  const double ns = run_timed(state, [&] {
    const crumb::errc e = codec.encode_into(session, token);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(token.data());
  });
  state.counters["token_bytes"] = static_cast<double>(token.size());
  state.counters["overhead_bytes"] =
      static_cast<double>(token.size() - crumb::base64url::encoded_size(w.payload.size()));
  report_ratios(state, case_key(name, compress, "encode"), ns);
}

template <class Mac>
void crumb_decode(benchmark::State& state, const std::string& name, bool compress) {
  const workload w = make_workload(name, compress);
  auto codec = make_codec<Mac>(compress);
  crumb::value session;
  if (codec.decode_into(w.token, session) != crumb::errc::ok) state.SkipWithError("decode failed");
  const double ns = run_timed(state, [&] {
    const crumb::errc e = codec.decode_into(w.token, session);
    benchmark::DoNotOptimize(e);
  });
  state.counters["token_bytes"] = static_cast<double>(w.token.size());
  state.counters["overhead_bytes"] =
      static_cast<double>(w.token.size() - crumb::base64url::encoded_size(w.payload.size()));
  report_ratios(state, case_key(name, compress, "decode"), ns);
}

// A forged token costs one MAC and a compare: the price of rejecting an attacker.
template <class Mac>
void crumb_decode_forged(benchmark::State& state, const std::string& name) {
  workload w = make_workload(name, false);
  // A character inside the signature, not its last: that one also carries padding bits,
  // and a non-canonical signature is refused before any MAC is computed.
  char& c = w.token[w.token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  auto codec = make_codec<Mac>(false);
  crumb::value session;
  const double ns = run_timed(state, [&] {
    const crumb::errc e = codec.decode_into(w.token, session);
    benchmark::DoNotOptimize(e);
  });
  report_ratios(state, case_key(name, false, "decode"), ns);
}

// Cost against size: a session of one string of n bytes, uncompressed, 64 B ... 64 KiB.
template <class Mac>
void size_sweep(benchmark::State& state, bool encode) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::string text;
  for (std::size_t i = 0; text.size() < n; ++i) text += static_cast<char>('a' + (i * 7919) % 26);
  crumb::object session{{"data", text}};
  typename bench_codec<Mac>::options opts;
  opts.compress = false;
  opts.max_token_bytes = 1 << 20;
  bench_codec<Mac> codec(crumb::key_ring(secret), opts);
  std::string token;
  (void)codec.encode_into(session, token);
  crumb::value out;
  run_timed(state, [&] {
    const crumb::errc e = encode ? codec.encode_into(session, token) : codec.decode_into(token, out);
    benchmark::DoNotOptimize(e);
  });
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}

// Through a session manager: each op borrows a codec from the manager's pool, as a
// request's session does, and gives it back. In steady state that allocates nothing, as
// with a codec of one's own.
void manager_op(benchmark::State& state, const std::string& name, bool encode) {
  using manager = crumb::basic_session_manager<crumb::profile::django>;
  manager::codec_options opts;
  opts.compress = false;
  const manager m(crumb::key_ring(secret), {}, opts);
  const crumb::value session = crumb::json::parse(make_workload(name, false).json).value();
  std::string token;
  crumb::value out;
  crumb::token_info info;
  {
    manager::pooled_codec codec(m);
    if (codec.encode_into(session, token, crumb::purpose::cookie, nullptr) != crumb::errc::ok ||
        codec.decode_into(token, out, info, crumb::purpose::cookie) != crumb::errc::ok)
      state.SkipWithError("round trip failed");  // also warms `out` up, as a server's would be
  }
  const double ns = run_timed(state, [&] {
    manager::pooled_codec codec(m);
    const crumb::errc e = encode ? codec.encode_into(session, token, crumb::purpose::cookie, nullptr)
                                 : codec.decode_into(token, out, info, crumb::purpose::cookie);
    benchmark::DoNotOptimize(e);
  });
  state.counters["token_bytes"] = static_cast<double>(token.size());
  report_ratios(state, case_key(name, false, encode ? "encode" : "decode"), ns);
}

// --- native profile -------------------------------------------------------------------

template <class Mac>
using native_codec = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression, Mac>;

template <class Mac>
native_codec<Mac> make_native_codec(bool encrypt, bool compress) {
  typename native_codec<Mac>::options opts;
  opts.encrypt = encrypt;
  opts.compress = compress;
  return native_codec<Mac>(crumb::key_ring(secret), opts);
}

std::string native_mode(bool encrypt) { return encrypt ? "native_encrypted" : "native_signed"; }

// A native token's header length: version, flags, key id, then three varints.
std::size_t native_header_size(std::string_view raw) {
  std::size_t at = 2 + crumb::profile::native::key_id_bytes;
  for (int field = 0; field < 3; ++field)
    while (static_cast<std::uint8_t>(raw.at(at++)) & 0x80) {
    }
  return at;
}

// The native token of a workload, split for the floors: base64 of the whole token, and the
// HMAC over all of it but the 16-byte tag (in encrypted mode: over the same span, header,
// nonce and ciphertext, as the floor the issue sets is SHA-NI HMAC + base64 on its bytes).
workload make_native_workload(const std::string& name, bool compress, bool encrypt) {
  workload w;
  w.json = fixture(name);
  const crumb::value session = crumb::json::parse(w.json).value();
  w.token = make_native_codec<crumb::sodium_hmac_sha256>(encrypt, compress).encode(session).value();
  w.payload_b64 = w.token;
  w.payload = crumb::base64url::decode(w.token).value();
  w.signed_part = w.payload.substr(0, w.payload.size() - crumb::profile::native::tag_bytes);
  w.compressed =
      (static_cast<std::uint8_t>(w.payload[1]) & crumb::profile::native::flag_compressed) != 0;
  // The compressed bytes, from a signed token of the same session (encrypted ones hide them;
  // compression is deterministic, so they are the bytes the encrypted token carries).
  const std::string plain =
      encrypt
          ? crumb::base64url::decode(make_native_codec<crumb::sodium_hmac_sha256>(false, compress)
                                         .encode(session)
                                         .value())
                .value()
          : w.payload;
  const std::size_t header = native_header_size(plain);
  w.packed = plain.substr(header, plain.size() - header - crumb::profile::native::tag_bytes);
  return w;
}

std::string native_key(const std::string& name, bool compress, bool encrypt, const char* op) {
  return native_mode(encrypt) + "/" + case_key(name, compress, op);
}

// Bytes a token spends beyond the base64url of its bare payload (the JSON, or its
// compressed form when the token carries that).
double native_overhead(const workload& w) {
  return static_cast<double>(w.token.size() - crumb::base64url::encoded_size(
                                                  w.compressed ? w.packed.size() : w.json.size()));
}

template <class Mac>
void native_encode(benchmark::State& state, const std::string& name, bool compress, bool encrypt) {
  const workload w = make_native_workload(name, compress, encrypt);
  auto codec = make_native_codec<Mac>(encrypt, compress);
  const crumb::value session = crumb::json::parse(w.json).value();
  std::string token;
  if (codec.encode_into(session, token) != crumb::errc::ok) state.SkipWithError("encode failed");
  const double ns = run_timed(state, [&] {
    const crumb::errc e = codec.encode_into(session, token);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(token.data());
  });
  state.counters["token_bytes"] = static_cast<double>(token.size());
  state.counters["overhead_bytes"] = native_overhead(w);
  report_ratios(state, native_key(name, compress, encrypt, "encode"), ns);
}

template <class Mac>
void native_decode(benchmark::State& state, const std::string& name, bool compress, bool encrypt) {
  const workload w = make_native_workload(name, compress, encrypt);
  auto codec = make_native_codec<Mac>(encrypt, compress);
  crumb::value session;
  if (codec.decode_into(w.token, session) != crumb::errc::ok) state.SkipWithError("decode failed");
  const double ns = run_timed(state, [&] {
    const crumb::errc e = codec.decode_into(w.token, session);
    benchmark::DoNotOptimize(e);
  });
  state.counters["token_bytes"] = static_cast<double>(w.token.size());
  state.counters["overhead_bytes"] = native_overhead(w);
  report_ratios(state, native_key(name, compress, encrypt, "decode"), ns);
}

// --- flask profile (libcrypto only) ---------------------------------------------------

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#  if defined(__GNUC__)
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // SHA1_Init and co.
#  endif
// hw_hmac_sha256's recipe with Flask's digest (its derived key: 20 bytes, under a block).
using hw_hmac_sha1 = hw_hmac<SHA_CTX, SHA_CBLOCK, 20, SHA1_Init, SHA1_Update, SHA1_Final>;
#  if defined(__GNUC__)
#    pragma GCC diagnostic pop
#  endif

using flask_codec =
    crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression, crumb::openssl_hmac_sha256>;

flask_codec make_flask_codec(bool compress) {
  flask_codec::options opts;
  opts.compress = compress;
  return flask_codec(crumb::key_ring(secret), opts);
}

// A flask token: payload "." timestamp "." signature, the payload "."-prefixed when
// compressed. The signed part is all before the last '.', as for Django's ':'.
workload make_flask_workload(const std::string& name, bool compress) {
  workload w;
  w.json = fixture(name);
  w.token = make_flask_codec(compress).encode(crumb::json::parse(w.json).value()).value();
  w.signed_part = w.token.substr(0, w.token.rfind('.'));
  w.payload_b64 = w.signed_part.substr(0, w.signed_part.rfind('.'));
  w.compressed = w.payload_b64.front() == '.';
  if (w.compressed) w.payload_b64.erase(0, 1);
  w.payload = crumb::base64url::decode(w.payload_b64).value();
  w.packed = w.payload;
  return w;
}

std::string flask_key(const std::string& name, bool compress, const char* op) {
  return "flask/" + case_key(name, compress, op);
}

// The hardware floor of a flask token: HMAC-SHA1 (prekeyed, the key Flask derives) over
// its signed part + a table base64 of its payload (+ libdeflate when compressed).
void floor_flask_hardware(benchmark::State& state, const std::string& name, bool compress,
                          bool encode) {
  const workload w = make_flask_workload(name, compress);
  scratch s(w);
  deflate_pair z;
  const hw_hmac_sha1 hmac(crumb::profile::flask::derive_key<crumb::openssl_hmac_sha1>(
      secret, crumb::profile::flask::session_salt));
  unsigned char mac[20];
  const double ns = run_timed(state, [&] {
    floor_payload_work<false>(w, s, encode, z.c, z.d);
    hmac.mac(w.signed_part, mac);
    benchmark::DoNotOptimize(mac);
  });
  hardware_floor_ns[flask_key(name, compress, encode ? "encode" : "decode")] = ns;
}

void flask_op(benchmark::State& state, const std::string& name, bool compress, bool encode) {
  const workload w = make_flask_workload(name, compress);
  auto codec = make_flask_codec(compress);
  const crumb::value session = crumb::json::parse(w.json).value();
  std::string token;
  crumb::value out;
  if (codec.encode_into(session, token) != crumb::errc::ok ||
      codec.decode_into(w.token, out) != crumb::errc::ok)
    state.SkipWithError("round trip failed");  // also warms `token` and `out` up
  const double ns = run_timed(state, [&] {
    const crumb::errc e =
        encode ? codec.encode_into(session, token) : codec.decode_into(w.token, out);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(token.data());
  });
  state.counters["token_bytes"] = static_cast<double>(w.token.size());
  state.counters["overhead_bytes"] =
      static_cast<double>(w.token.size() - crumb::base64url::encoded_size(w.payload.size()));
  report_ratios(state, flask_key(name, compress, encode ? "encode" : "decode"), ns);
}
#endif

// --- base64 decoders ------------------------------------------------------------------

// The payload of each fixture's uncompressed Django token, encoded and decoded through the
// table loops (the hardware floor's) and through crumb's codec as the profiles call it
// (AVX2 where the CPU has it). x: ns over the table row's.
std::map<std::string, double> base64_table_ns;

void base64_row(benchmark::State& state, const std::string& name, bool encode, bool table) {
  const workload w = make_workload(name, false);
  namespace d = crumb::detail;
  std::string text(w.payload_b64.size(), '\0'), bytes(w.payload.size(), '\0');
  const auto* in = reinterpret_cast<const std::uint8_t*>(w.payload.data());
  auto* out = reinterpret_cast<std::uint8_t*>(bytes.data());
  const char* chars = w.payload_b64.data();
  const std::size_t n = w.payload.size(), m = w.payload_b64.size();
  const double ns = run_timed(state, [&] {
    if (encode) {
      table ? d::base64url_encode_table(in, n, text.data()) : d::base64url_encode(in, n, text.data());
      benchmark::DoNotOptimize(text.data());
    } else {
      const bool ok = table ? d::base64url_decode_table(chars, m, out) : d::base64url_decode(chars, m, out);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(bytes.data());
    }
  });
  const std::string key = name + (encode ? "/encode" : "/decode");
  if (table) base64_table_ns[key] = ns;
  state.counters["chars"] = static_cast<double>(m);
  if (const auto it = base64_table_ns.find(key); it != base64_table_ns.end())
    state.counters["x_table"] = ns / it->second;
}

// --- MAC choice for the native signed mode --------------------------------------------

// MACs (no base64, no JSON) over the bytes a native signed token of the fixture MACs:
// HMAC-SHA256 as both floors compute it, and keyed BLAKE2b-256 (libsodium's
// crypto_generichash, 32-byte key) one-shot and from a state keyed once. The x columns
// are to the HMAC rows of the same fixture.
std::map<std::string, double> mac_dependency_ns, mac_hardware_ns;

void mac_row(benchmark::State& state, const std::string& name, const std::string& kind) {
  const std::string bytes = make_native_workload(name, false, false).signed_part;
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  const std::string& key = derived_key();  // 32 bytes
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  unsigned char out[32];
  double ns = 0;
  if (kind == "hmac_sha256_sodium") {
    crypto_auth_hmacsha256_state keyed;
    crypto_auth_hmacsha256_init(&keyed, k, key.size());
    ns = run_timed(state, [&] {
      crypto_auth_hmacsha256_state st = keyed;
      crypto_auth_hmacsha256_update(&st, in, bytes.size());
      crypto_auth_hmacsha256_final(&st, out);
      benchmark::DoNotOptimize(out);
    });
    mac_dependency_ns[name] = ns;
  } else if (kind == "blake2b_keyed") {
    ns = run_timed(state, [&] {
      crypto_generichash(out, 32, in, bytes.size(), k, key.size());
      benchmark::DoNotOptimize(out);
    });
  } else if (kind == "blake2b_prekeyed") {
    crypto_generichash_state keyed;
    crypto_generichash_init(&keyed, k, key.size(), 32);
    ns = run_timed(state, [&] {
      crypto_generichash_state st = keyed;
      crypto_generichash_update(&st, in, bytes.size());
      crypto_generichash_final(&st, out, 32);
      benchmark::DoNotOptimize(out);
    });
  }
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  else if (kind == "hmac_sha256_hw") {
    const hw_hmac_sha256 hmac(key);
    ns = run_timed(state, [&] {
      hmac.mac(bytes, out);
      benchmark::DoNotOptimize(out);
    });
    mac_hardware_ns[name] = ns;
  }
#endif
  state.counters["bytes"] = static_cast<double>(bytes.size());
  if (const auto it = mac_dependency_ns.find(name); it != mac_dependency_ns.end())
    state.counters["x_dep_floor"] = ns / it->second;
  if (const auto it = mac_hardware_ns.find(name); it != mac_hardware_ns.end())
    state.counters["x_hw_floor"] = ns / it->second;
}

void register_all() {
  const char* names[] = {"small", "medium", "large", "huge"};
  // Floors first: the crumb cases read their results.
  for (const std::string name : names) {
    for (const bool compress : {false, true}) {
      const std::string mode = compress ? "zlib" : "plain";
      for (const bool encode : {true, false}) {
        const std::string op = encode ? "encode" : "decode";
        benchmark::RegisterBenchmark(("floor_dependency/" + name + "/" + mode + "/" + op).c_str(),
                                     floor_dependency, name, compress, encode);
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
        benchmark::RegisterBenchmark(("floor_hardware/" + name + "/" + mode + "/" + op).c_str(),
                                     floor_hardware, name, compress, encode);
#endif
      }
    }
  }
  const auto crumb_cases = [&]<class Mac>(const std::string& backend) {
    for (const std::string name : names) {
      for (const bool compress : {false, true}) {
        const std::string mode = compress ? "zlib" : "plain";
        benchmark::RegisterBenchmark(("django_" + backend + "/encode/" + name + "/" + mode).c_str(),
                                     crumb_encode<Mac>, name, compress);
        benchmark::RegisterBenchmark(("django_" + backend + "/decode/" + name + "/" + mode).c_str(),
                                     crumb_decode<Mac>, name, compress);
      }
      benchmark::RegisterBenchmark(("django_" + backend + "/decode_forged/" + name).c_str(),
                                   crumb_decode_forged<Mac>, name);
    }
    for (const bool encode : {true, false})
      benchmark::RegisterBenchmark(
          ("sweep_" + backend + (encode ? "/encode" : "/decode")).c_str(), size_sweep<Mac>, encode)
          ->RangeMultiplier(4)
          ->Range(64, 64 << 10);
  };
  crumb_cases.template operator()<crumb::sodium_hmac_sha256>("sodium");
  for (const std::string name : {"small", "medium"})
    for (const bool encode : {true, false})
      benchmark::RegisterBenchmark(
          ("manager/" + std::string(encode ? "encode/" : "decode/") + name + "/plain").c_str(),
          manager_op, name, encode);
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  crumb_cases.template operator()<crumb::openssl_hmac_sha256>("openssl");
#endif

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  // Flask: its hardware floor first, then the flask profile (HMAC-SHA1 on libcrypto).
  for (const std::string name : names)
    for (const bool compress : {false, true}) {
      const std::string mode = compress ? "zlib" : "plain";
      for (const bool encode : {true, false})
        benchmark::RegisterBenchmark(("floor_hardware/flask/" + name + "/" + mode +
                                      (encode ? "/encode" : "/decode"))
                                         .c_str(),
                                     floor_flask_hardware, name, compress, encode);
    }
  for (const std::string name : names)
    for (const bool compress : {false, true}) {
      const std::string mode = compress ? "zlib" : "plain";
      for (const bool encode : {true, false})
        benchmark::RegisterBenchmark(
            ("flask_openssl/" + std::string(encode ? "encode/" : "decode/") + name + "/" + mode)
                .c_str(),
            flask_op, name, compress, encode);
    }
#endif

  // Native: floors over each mode's own token first, then signed mode on each MAC backend
  // and encrypted mode (XChaCha20-Poly1305, which does not use the Mac policy).
  for (const std::string name : names)
    for (const bool encrypt : {false, true})
      for (const bool compress : {false, true})
        for (const bool encode : {true, false}) {
          const char* op = encode ? "encode" : "decode";
          const std::string key = native_key(name, compress, encrypt, op);
          const std::string label =
              native_mode(encrypt) + "/" + name + (compress ? "/zlib/" : "/plain/") + op;
          benchmark::RegisterBenchmark(
              ("floor_dependency/" + label).c_str(), [=](benchmark::State& s) {
                floor_dependency_on(s, make_native_workload(name, compress, encrypt), key, encode);
              });
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
          benchmark::RegisterBenchmark(
              ("floor_hardware/" + label).c_str(), [=](benchmark::State& s) {
                floor_hardware_on(s, make_native_workload(name, compress, encrypt), key, encode);
              });
#endif
        }
  const auto native_cases = [&]<class Mac>(const std::string& row, bool encrypt) {
    for (const std::string name : names)
      for (const bool compress : {false, true}) {
        const std::string mode = compress ? "zlib" : "plain";
        benchmark::RegisterBenchmark((row + "/encode/" + name + "/" + mode).c_str(),
                                     native_encode<Mac>, name, compress, encrypt);
        benchmark::RegisterBenchmark((row + "/decode/" + name + "/" + mode).c_str(),
                                     native_decode<Mac>, name, compress, encrypt);
      }
  };
  native_cases.template operator()<crumb::sodium_hmac_sha256>("native_signed_sodium", false);
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  native_cases.template operator()<crumb::openssl_hmac_sha256>("native_signed_openssl", false);
#endif
  native_cases.template operator()<crumb::default_hmac_sha256>("native_encrypted", true);

  // The base64 rows: the table first, whose times crumb's decoder's are divided by.
  for (const std::string name : names)
    for (const bool encode : {true, false})
      for (const bool table : {true, false})
        benchmark::RegisterBenchmark(("base64/" + std::string(table ? "table/" : "crumb/") +
                                      (encode ? "encode/" : "decode/") + name)
                                         .c_str(),
                                     base64_row, name, encode, table);

  // The MAC rows: the HMAC floors first, whose times the BLAKE2b rows are divided by.
  for (const std::string name : names)
    for (const char* kind :
         {"hmac_sha256_hw", "hmac_sha256_sodium", "blake2b_keyed", "blake2b_prekeyed"}) {
#if !(defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL)
      if (std::string(kind) == "hmac_sha256_hw") continue;
#endif
      benchmark::RegisterBenchmark(("mac/" + std::string(kind) + "/" + name).c_str(), mac_row, name,
                                   std::string(kind));
    }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
