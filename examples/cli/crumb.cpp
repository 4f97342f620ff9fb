// `crumb`: make, check and read session tokens from the shell.
//   crumb sign    --profile django|native [options]  < object.json   prints a token
//   crumb verify  --profile django|native [options]  < token         prints the session
//   crumb inspect TOKEN|- [options]    a token's fields, unverified (checked if a secret is set)
//   crumb keygen                       a fresh random key and its native key id
// Django's profile is byte-compatible with Django; native is crumb's own format.
// Secrets never come from argv: CRUMB_SECRET or --secret-file; fallbacks (one per line)
// from CRUMB_SECRET_FALLBACKS or --fallback-file. Exit: 0 ok, 1 rejected input, 2 usage.
#include <sodium.h>

#include <array>
#include <charconv>
#include <chrono>
#include <crumb/crumb.hpp>
#include <crumb/profile/native.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using django_codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression,
                                        crumb::default_hmac_sha256, crumb::fixed_clock>;
using native_codec = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression,
                                        crumb::default_hmac_sha256, crumb::fixed_clock>;
using native = crumb::profile::native;

constexpr std::string_view secrets_text =
    "Secrets never go on the command line: the current secret comes from $CRUMB_SECRET or\n"
    "--secret-file FILE, fallback secrets (one per line) from $CRUMB_SECRET_FALLBACKS or\n"
    "--fallback-file FILE. Any secret works for both profiles (`crumb keygen` makes one).\n"
    "Exit status: 0 success, 1 token or input refused (reason on stderr), 2 usage error.\n";

constexpr std::string_view usage_text =
    "usage: crumb sign    --profile django|native [OPTIONS] < object.json\n"
    "       crumb verify  --profile django|native [OPTIONS] < token\n"
    "       crumb inspect TOKEN|- [OPTIONS]\n"
    "       crumb keygen\n"
    "       crumb COMMAND --help      (each command's options)\n"
    "  sign     reads a JSON object on stdin and prints its token;\n"
    "  verify   reads a token on stdin and prints its session as compact JSON;\n"
    "  inspect  prints a token's profile and fields WITHOUT verifying them (and, when a\n"
    "           secret is set, whether and with which key of the ring it verifies);\n"
    "  keygen   prints a fresh random key for CRUMB_SECRET and its native key id.\n"
    "  --profile django: Django's signed_cookies format, byte-compatible with Django.\n"
    "  --profile native: crumb's own format: key ids, bound to its purpose and cookie name,\n"
    "                    absolute and idle timeouts, optional encryption.\n";

constexpr std::string_view sign_text =
    "usage: crumb sign --profile django [--salt SALT] [--now UNIX_SECONDS] [--no-compress]\n"
    "       crumb sign --profile native [--encrypt] [--purpose P] [--cookie-name NAME]\n"
    "                  [--ttl SECONDS|none] [--idle SECONDS|none] [--now UNIX_SECONDS]\n"
    "                  [--no-compress]\n"
    "Reads a JSON object on stdin and prints its token, made with the current secret.\n"
    "  --now UNIX_SECONDS   sign as at this time (default: the system clock)\n"
    "  --no-compress        never compress (default: compress when it shortens the token)\n"
    "django:\n"
    "  --salt SALT          default django.contrib.sessions.backends.signed_cookies\n"
    "native:\n"
    "  --encrypt            encrypt the session (XChaCha20-Poly1305), not only sign it\n"
    "  --purpose P          what the token is for (default crumb.session)\n"
    "  --cookie-name NAME   the cookie it travels in (default sessionid)\n"
    "                       (a token is refused under another purpose or cookie name)\n"
    "  --ttl SECONDS|none   absolute lifetime: refused from issued-at + SECONDS on\n"
    "                       (default 1209600, two weeks)\n"
    "  --idle SECONDS|none  idle timeout: refused from issued-at + SECONDS on (default none)\n";

constexpr std::string_view verify_text =
    "usage: crumb verify --profile django [--salt SALT] [--max-age SECONDS|none]\n"
    "                    [--now UNIX_SECONDS] [--accept-legacy-sha1]\n"
    "       crumb verify --profile native [--encrypt] [--purpose P] [--cookie-name NAME]\n"
    "                    [--ttl SECONDS|none] [--idle SECONDS|none] [--skew SECONDS]\n"
    "                    [--now UNIX_SECONDS]\n"
    "Reads a token on stdin, verifies it against every key of the ring and prints its session\n"
    "as compact JSON. Verified with a fallback key, it says so on stderr: re-sign it. Refused,\n"
    "it prints the error's name on stderr (django: the name alone; native: `name: why`).\n"
    "  --now UNIX_SECONDS   verify as at this time (default: the system clock)\n"
    "django:\n"
    "  --salt SALT          default django.contrib.sessions.backends.signed_cookies\n"
    "  --max-age SECONDS|none  oldest token accepted (default 1209600)\n"
    "  --accept-legacy-sha1 also accept Django 3.1/3.2 SHA-1 signatures (OpenSSL builds)\n"
    "native (the token's own lifetime and idle timeout always apply):\n"
    "  --encrypt            accept only encrypted tokens (default: the token's own mode)\n"
    "  --purpose P          as signed (default crumb.session)\n"
    "  --cookie-name NAME   as signed (default sessionid)\n"
    "  --ttl SECONDS|none   also refuse tokens issued SECONDS ago or more (default 1209600)\n"
    "  --idle SECONDS|none  also refuse tokens idle SECONDS or more (default none)\n"
    "  --skew SECONDS       accept tokens issued up to SECONDS in the future, from a clock\n"
    "                       running ahead (default 5); expiries are never applied late\n";

constexpr std::string_view inspect_text =
    "usage: crumb inspect [--now UNIX_SECONDS] [--salt SALT] [--accept-legacy-sha1]\n"
    "                     [--purpose P] [--cookie-name NAME] [--] TOKEN|-\n"
    "Prints which profile TOKEN (or stdin, with -) looks like and the fields it states, WITHOUT\n"
    "verifying them: they are marked UNVERIFIED.\n"
    "  django: timestamp, compression, signature algorithm, the payload JSON;\n"
    "  native: version, mode, compression, key id, issued at, absolute end, idle timeout, and\n"
    "          the payload JSON in signed mode.\n"
    "When a secret is set, also checks the signature with each key of the ring alone and\n"
    "says which one made it (current or fallback N), then the token's times at --now (native).\n"
    "--salt (django), --purpose and --cookie-name (native) are the verifier's, as for verify.\n"
    "Exit 0 when the token parses (verified or not), 1 when it is no token crumb knows.\n";

constexpr std::string_view keygen_text =
    "usage: crumb keygen\n"
    "Prints a fresh key, 32 random bytes (libsodium) in base64url without padding, and its\n"
    "native key id (hex), the id native tokens made with it carry:\n"
    "  key: <43 characters>\n"
    "  id: <8 hex digits>\n"
    "Use the key as CRUMB_SECRET (or a server's secret); keep it out of shell history.\n";

struct usage_error {
  std::string message;
};

enum class profile_kind { django, native };

struct arguments {
  std::string command;
  std::optional<profile_kind> profile;
  std::optional<std::int64_t> now;
  crumb::fixed_clock clock;  // --now, or the system clock read once
  bool compress = true;
  std::optional<std::string> secret_file;
  std::optional<std::string> fallback_file;
  std::optional<std::string> token;  // inspect's operand
  // django
  std::string salt = std::string(crumb::profile::django::session_salt);
  std::optional<std::chrono::seconds> max_age = crumb::profile::django::default_max_age;
  bool legacy_sha1 = false;
  // native
  native::options native_opts;
  std::vector<std::string> django_flags;  // given, to refuse them under the other profile
  std::vector<std::string> native_flags;
};

std::string_view help_for(std::string_view command) {
  if (command == "sign") return sign_text;
  if (command == "verify") return verify_text;
  if (command == "inspect") return inspect_text;
  if (command == "keygen") return keygen_text;
  return usage_text;
}

std::int64_t parse_int(std::string_view flag, std::string_view text) {
  std::int64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw usage_error{std::string(flag) + " wants an integer, got '" + std::string(text) + "'"};
  return n;
}

// SECONDS (at least 1) or "none".
std::optional<std::chrono::seconds> parse_duration(std::string_view flag, std::string_view text) {
  if (text == "none") return std::nullopt;
  const std::int64_t seconds = parse_int(flag, text);
  if (seconds < 1) throw usage_error{std::string(flag) + " must be at least 1 second, or none"};
  return std::chrono::seconds(seconds);
}

arguments parse_arguments(int argc, char** argv) {
  if (argc < 2) throw usage_error{"missing command"};
  arguments args;
  args.command = argv[1];
  const std::string& cmd = args.command;
  if (cmd != "sign" && cmd != "verify" && cmd != "inspect" && cmd != "keygen")
    throw usage_error{"unknown command '" + cmd + "'"};
  const bool sign = cmd == "sign", verify = cmd == "verify", inspect = cmd == "inspect";
  const bool keygen = cmd == "keygen";
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const auto operand = [&]() -> std::string_view {
      if (i + 1 >= argc) throw usage_error{std::string(flag) + " needs a value"};
      return argv[++i];
    };
    if (flag == "--profile" && (sign || verify)) {
      const std::string_view p = operand();
      if (p == "django")
        args.profile = profile_kind::django;
      else if (p == "native")
        args.profile = profile_kind::native;
      else
        throw usage_error{"unknown profile '" + std::string(p) + "': django or native"};
    } else if (flag == "--now" && !keygen) {
      args.now = parse_int(flag, operand());
      if (*args.now < 0 || *args.now > crumb::max_unix_seconds)
        throw usage_error{"--now must be between 0 and " + std::to_string(crumb::max_unix_seconds)};
    } else if (flag == "--no-compress" && sign) {
      args.compress = false;
    } else if ((flag == "--secret-file" || flag == "--fallback-file") && !keygen) {
      (flag == "--secret-file" ? args.secret_file : args.fallback_file) = operand();
    } else if (flag == "--salt" && !keygen) {
      args.salt = operand();
      args.django_flags.emplace_back(flag);
    } else if (flag == "--max-age" && verify) {
      const std::string_view v = operand();
      if (v == "none") {
        args.max_age.reset();
      } else {
        const std::int64_t seconds = parse_int(flag, v);
        if (seconds < 0) throw usage_error{"--max-age must not be negative"};
        args.max_age = std::chrono::seconds(seconds);
      }
      args.django_flags.emplace_back(flag);
    } else if (flag == "--accept-legacy-sha1" && (verify || inspect)) {
      args.legacy_sha1 = true;
      args.django_flags.emplace_back(flag);
    } else if ((flag == "--purpose" || flag == "--cookie-name") && !keygen) {
      (flag == "--purpose" ? args.native_opts.purpose : args.native_opts.cookie_name) = operand();
      args.native_flags.emplace_back(flag);
    } else if (flag == "--encrypt" && (sign || verify)) {
      args.native_opts.encrypt = true;
      args.native_flags.emplace_back(flag);
    } else if (flag == "--ttl" && (sign || verify)) {
      args.native_opts.max_age = parse_duration(flag, operand());
      args.native_flags.emplace_back(flag);
    } else if (flag == "--idle" && (sign || verify)) {
      args.native_opts.idle_timeout = parse_duration(flag, operand());
      args.native_flags.emplace_back(flag);
    } else if (flag == "--skew" && verify) {
      const std::int64_t seconds = parse_int(flag, operand());
      if (seconds < 0) throw usage_error{"--skew must not be negative"};
      args.native_opts.clock_skew = std::chrono::seconds(seconds);
      args.native_flags.emplace_back(flag);
    } else if (inspect && !args.token && flag == "--" && i + 1 < argc) {
      args.token = argv[++i];
    } else if (inspect && !args.token && !flag.starts_with("--")) {
      args.token = flag;  // "-" (stdin), or a token: base64url may start with '-'
    } else {
      throw usage_error{"unknown option '" + std::string(flag) + "' for " + cmd};
    }
  }
  if (sign || verify) {
    if (!args.profile) throw usage_error{"--profile is required (django or native)"};
    if (*args.profile == profile_kind::django && !args.native_flags.empty())
      throw usage_error{args.native_flags.front() + " is for --profile native"};
    if (*args.profile == profile_kind::native && !args.django_flags.empty())
      throw usage_error{args.django_flags.front() + " is for --profile django" +
                        (args.django_flags.front() == "--max-age" ? " (native: --ttl)" : "")};
  }
  if (inspect && !args.token) throw usage_error{"inspect needs a TOKEN, or - to read stdin"};
  args.clock = args.now ? crumb::fixed_clock::at_unix(*args.now)
                        : crumb::fixed_clock{crumb::system_clock{}.now()};
  return args;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error{"cannot read " + path};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_stdin() {
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

std::string strip_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Tokens never hold whitespace: whatever surrounds one on stdin is not part of it.
std::string_view trim_whitespace(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = strip_trailing_newlines(line);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The key ring, or nullopt when no secret is given (inspect then verifies nothing).
std::optional<crumb::key_ring> load_keys_if_any(const arguments& args) {
  std::string secret;
  if (args.secret_file) {
    secret = strip_trailing_newlines(read_file(*args.secret_file));
    if (secret.empty()) throw usage_error{"the secret file " + *args.secret_file + " is empty"};
  } else if (const char* env = std::getenv("CRUMB_SECRET")) {
    secret = env;
  }
  if (secret.empty()) return std::nullopt;
  std::vector<std::string> fallbacks;
  if (args.fallback_file) {
    fallbacks = lines_of(read_file(*args.fallback_file));
  } else if (const char* env = std::getenv("CRUMB_SECRET_FALLBACKS")) {
    fallbacks = lines_of(env);
  }
  return crumb::key_ring(std::move(secret), std::move(fallbacks));
}

crumb::key_ring load_keys(const arguments& args) {
  std::optional<crumb::key_ring> keys = load_keys_if_any(args);
  if (!keys) throw usage_error{"no secret: set CRUMB_SECRET or pass --secret-file"};
  return std::move(*keys);
}

// ---- formatting ----------------------------------------------------------------------

std::string hex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

std::string key_id_hex(std::string_view secret) {
  const auto id = native::key_id(secret);
  return hex(id.data(), id.size());
}

// Unix seconds (>= 0) as ISO 8601 UTC; years past 9999 get ISO's expanded '+' form.
// Whole-second arithmetic on days (Howard Hinnant's civil_from_days): any int64 works.
std::string iso8601(std::int64_t t) {
  std::int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                year > 9999 ? "+" : "", static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

std::string when(std::int64_t t) { return iso8601(t) + " (" + std::to_string(t) + ")"; }

std::int64_t add(std::int64_t a, std::int64_t b) { return crumb::detail::saturating_add(a, b); }

// ---- the native header, read from its documented layout ------------------------------
// version (1) | flags (0x01 encrypted, 0x02 compressed) | key id (4) | issued_at, lifetime
// (0: none), idle (0: none) as unsigned LEB128 | body: payload + 16-byte tag (signed) or
// 24-byte nonce + ciphertext + 16-byte tag (encrypted).

struct native_header {
  std::uint8_t version = 0;
  std::uint8_t flags = 0;
  std::array<std::uint8_t, native::key_id_bytes> key_id{};
  std::int64_t issued_at = 0;
  std::int64_t lifetime = 0;
  std::int64_t idle = 0;
  std::size_t header_bytes = 0;
  std::string raw;  // the whole decoded token

  bool encrypted() const { return (flags & native::flag_encrypted) != 0; }
  bool compressed() const { return (flags & native::flag_compressed) != 0; }
  std::string id_hex() const { return hex(key_id.data(), key_id.size()); }
  std::int64_t end() const { return lifetime == 0 ? 0 : add(issued_at, lifetime); }
  std::string_view body() const { return std::string_view(raw).substr(header_bytes); }
};

// Shortest-form unsigned LEB128 of at most 63 bits (9 bytes), as the format allows.
bool read_leb128(std::string_view in, std::size_t& at, std::int64_t& out) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 63; shift += 7) {
    if (at >= in.size()) return false;
    const auto byte = static_cast<std::uint8_t>(in[at++]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift != 0) return false;
      out = static_cast<std::int64_t>(v);
      return true;
    }
  }
  return false;
}

// The header of a native token, or why it is none (`why` then says so).
std::optional<native_header> parse_native(std::string_view token, std::string& why) {
  native_header h;
  if (crumb::base64url::decode(token, h.raw) != crumb::errc::ok) {
    why = "not base64url (native) and not payload:timestamp:signature (django)";
    return std::nullopt;
  }
  const std::string_view raw = h.raw;
  if (raw.empty()) {
    why = "empty token";
    return std::nullopt;
  }
  h.version = static_cast<std::uint8_t>(raw[0]);
  if (h.version != native::version) {
    why = "not a native token: its first byte is version " + std::to_string(h.version) +
          ", crumb knows version " + std::to_string(native::version);
    return std::nullopt;
  }
  constexpr std::size_t fixed = 2 + native::key_id_bytes;
  if (raw.size() < fixed) {
    why = "native token truncated inside its header (" + std::to_string(raw.size()) + " bytes)";
    return std::nullopt;
  }
  h.flags = static_cast<std::uint8_t>(raw[1]);
  if ((h.flags & ~(native::flag_encrypted | native::flag_compressed)) != 0) {
    why = "native token with unknown flags 0x" + hex(&h.flags, 1);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < native::key_id_bytes; ++i)
    h.key_id[i] = static_cast<std::uint8_t>(raw[2 + i]);
  std::size_t at = fixed;
  if (!read_leb128(raw, at, h.issued_at) || !read_leb128(raw, at, h.lifetime) ||
      !read_leb128(raw, at, h.idle)) {
    why = "native header times are truncated or not shortest-form LEB128";
    return std::nullopt;
  }
  h.header_bytes = at;
  const std::size_t body_min =
      h.encrypted() ? native::nonce_bytes + native::tag_bytes : native::tag_bytes;
  if (raw.size() - at < body_min) {
    why = "native token truncated: " + std::to_string(raw.size() - at) + " body bytes, " +
          std::string(h.encrypted() ? "encrypted" : "signed") + " mode needs at least " +
          std::to_string(body_min);
    return std::nullopt;
  }
  return h;
}

// ---- the django token's parts ---------------------------------------------------------

struct django_parts {
  bool compressed = false;
  std::string payload;  // decoded bytes
  std::int64_t timestamp = 0;
  std::size_t mac_bytes = 0;
};

std::optional<django_parts> parse_django(std::string_view token, std::string& why) {
  django_parts d;
  const std::size_t sig_at = token.rfind(':');
  const std::size_t ts_at = sig_at == 0 ? std::string_view::npos : token.rfind(':', sig_at - 1);
  if (sig_at == std::string_view::npos || ts_at == std::string_view::npos) {
    why = "django tokens are payload:timestamp:signature";
    return std::nullopt;
  }
  std::string mac;
  if (crumb::base64url::decode(token.substr(sig_at + 1), mac) != crumb::errc::ok ||
      (mac.size() != 32 && mac.size() != 20)) {
    why = "django signature is not base64url of an HMAC-SHA256 (or legacy SHA-1)";
    return std::nullopt;
  }
  d.mac_bytes = mac.size();
  if (crumb::profile::django::parse_timestamp(token.substr(ts_at + 1, sig_at - ts_at - 1),
                                              d.timestamp) != crumb::errc::ok) {
    why = "django timestamp is not base62";
    return std::nullopt;
  }
  std::string_view payload = token.substr(0, ts_at);
  d.compressed = !payload.empty() && payload.front() == crumb::profile::django::compressed_marker;
  if (d.compressed) payload.remove_prefix(1);
  if (crumb::base64url::decode(payload, d.payload) != crumb::errc::ok) {
    why = "django payload is not base64url";
    return std::nullopt;
  }
  return d;
}

// The payload as JSON, re-written by crumb's writer (so no raw bytes reach the terminal),
// or why it cannot be read.
std::string payload_json(std::string_view payload, bool compressed) {
  std::string inflated;
  if (compressed) {
    crumb::zlib_compression zlib;
    if (const crumb::errc e = zlib.inflate(payload, inflated, 1 << 20); e != crumb::errc::ok)
      return "(compressed, does not inflate: " + std::string(crumb::name(e)) + ")";
    payload = inflated;
  }
  crumb::json::reader reader;
  crumb::value v;
  if (const crumb::errc e = reader.read(payload, v); e != crumb::errc::ok)
    return "(" + std::to_string(payload.size()) +
           " bytes, not JSON crumb reads: " + std::string(crumb::name(e)) + ")";
  std::string json;
  if (const crumb::errc e = crumb::json::write(v, json); e != crumb::errc::ok)
    return "(" + std::string(crumb::name(e)) + ")";
  return json;
}

// "the current key" or "fallback key N" (1-based, in CRUMB_SECRET_FALLBACKS' order).
std::string key_name(std::size_t index) {
  return index == 0 ? "the current key" : "fallback key " + std::to_string(index);
}

// ---- sign and verify ------------------------------------------------------------------

int fail_django(crumb::errc e) {
  std::cerr << crumb::name(e) << '\n';
  return 1;
}

int fail_native(crumb::errc e, const std::string& why) {
  std::cerr << crumb::name(e) << ": " << why << '\n';
  return 1;
}

// Reads the JSON object to sign from stdin.
crumb::errc read_session(std::size_t max_bytes, std::size_t max_depth, crumb::value& session) {
  crumb::json::reader reader(crumb::json::limits{max_bytes, max_depth});
  if (const crumb::errc e = reader.read(read_stdin(), session); e != crumb::errc::ok) return e;
  return session.is_object() ? crumb::errc::ok : crumb::errc::type_mismatch;
}

int print_session(const crumb::value& session, std::size_t max_depth, bool native_errors) {
  std::string json;
  if (const crumb::errc e = crumb::json::write(session, json, max_depth); e != crumb::errc::ok)
    return native_errors ? fail_native(e, crumb::make_error_code(e).message()) : fail_django(e);
  std::cout << json << '\n';
  return 0;
}

int run_django(const arguments& args) {
  django_codec::options opts;
  opts.salt = args.salt;
  opts.max_age = args.max_age;
  opts.compress = args.compress;
  opts.accept_legacy_sha1 = args.legacy_sha1;
  const crumb::key_ring keys = load_keys(args);
  django_codec codec(keys, opts, args.clock);

  if (args.command == "sign") {
    crumb::value session;
    if (const crumb::errc e = read_session(opts.max_json_bytes, opts.max_depth, session);
        e != crumb::errc::ok)
      return fail_django(e);
    std::string token;
    if (const crumb::errc e = codec.encode_into(session, token); e != crumb::errc::ok)
      return fail_django(e);
    std::cout << token << '\n';
    return 0;
  }

  const std::string input = read_stdin();
  const std::string_view token = trim_whitespace(input);
  crumb::value session;
  crumb::token_info info;
  if (const crumb::errc e = codec.decode_into(token, session, info); e != crumb::errc::ok)
    return fail_django(e);
  if (info.needs_resign) {
    // Which key: each alone, without the age check (it passed already).
    std::size_t index = 0;
    django_codec::options one = opts;
    one.max_age.reset();
    for (std::size_t i = 0; i < keys.secrets().size(); ++i) {
      django_codec alone(crumb::key_ring(keys.secrets()[i]), one, args.clock);
      crumb::value ignored;
      if (alone.decode_into(token, ignored) == crumb::errc::ok) {
        index = i;
        break;
      }
    }
    std::cerr << "crumb: needs re-sign: verified with "
              << (index == 0 ? "the current key's legacy SHA-1 signature"
                             : key_name(index) + ", not the current key")
              << "; sign the session again\n";
  }
  return print_session(session, opts.max_depth, false);
}

// Why a native token was refused, from its header: which key, which time, which limit.
std::string explain_native(crumb::errc e, std::string_view token, const arguments& args,
                           const crumb::key_ring& keys) {
  std::string why;
  const std::optional<native_header> h = parse_native(token, why);
  const native::options& o = args.native_opts;
  const std::int64_t now = crumb::to_unix_seconds(args.clock.now());
  const std::int64_t skew = o.clock_skew.count();
  switch (e) {
    case crumb::errc::malformed:
      if (!h) return why;
      if (o.encrypt && !h->encrypted())
        return "the token is signed only, and --encrypt accepts encrypted tokens only";
      return "not a valid native token";
    case crumb::errc::unknown_key: {
      std::string ring;
      for (std::size_t i = 0; i < keys.secrets().size(); ++i)
        ring += (i == 0 ? "" : ", ") + key_id_hex(keys.secrets()[i]) +
                (i == 0 ? " (current)" : " (fallback " + std::to_string(i) + ")");
      return (h ? "the token's key id " + h->id_hex() : std::string("the token's key id")) +
             " is not in the ring: " + ring;
    }
    case crumb::errc::invalid_signature:
      return std::string(h && h->encrypted() ? "decryption fails" : "the tag does not match") +
             " under key " + (h ? h->id_hex() : "?") + " for purpose '" + o.purpose +
             "' and cookie name '" + o.cookie_name +
             "': tampered, or made for another purpose or cookie name";
    case crumb::errc::not_yet_valid:
      if (!h) break;
      return "issued at " + when(h->issued_at) + ", more than " + std::to_string(skew) +
             " s (--skew) after now, " + when(now);
    case crumb::errc::expired: {
      if (!h) break;
      std::int64_t end = h->end();
      std::string whose = "the token's absolute end";
      if (o.max_age && (end == 0 || add(h->issued_at, o.max_age->count()) < end)) {
        end = add(h->issued_at, o.max_age->count());
        whose = "its end by --ttl " + std::to_string(o.max_age->count()) + " s";
      }
      if (end != 0 && now >= end)
        return whose + ", " + when(end) + ", is reached; now is " + when(now);
      std::int64_t idle = h->idle;
      if (o.idle_timeout && (idle == 0 || o.idle_timeout->count() < idle))
        idle = o.idle_timeout->count();
      return "idle timeout of " + std::to_string(idle) + " s since it was issued at " +
             when(h->issued_at) + " is reached; now is " + when(now);
    }
    default:
      break;
  }
  return crumb::make_error_code(e).message();
}

int run_native(const arguments& args) {
  native_codec::options opts;
  static_cast<native::options&>(opts) = args.native_opts;
  opts.compress = args.compress;
  const crumb::key_ring keys = load_keys(args);

  if (args.command == "sign") {
    native_codec codec(keys, opts, args.clock);
    crumb::value session;
    if (const crumb::errc e = read_session(opts.max_json_bytes, opts.max_depth, session);
        e != crumb::errc::ok)
      return fail_native(e, crumb::make_error_code(e).message());
    std::string token;
    if (const crumb::errc e = codec.encode_into(session, token); e != crumb::errc::ok)
      return fail_native(e, crumb::make_error_code(e).message());
    std::cout << token << '\n';
    return 0;
  }

  const std::string input = read_stdin();
  const std::string_view token = trim_whitespace(input);
  // A codec reads both modes; --encrypt accepts encrypted tokens only. The codec is set to
  // the token's own mode, so a token is not reported for re-signing for its mode alone.
  {
    std::string ignored;
    if (const std::optional<native_header> h = parse_native(token, ignored)) {
      if (args.native_opts.encrypt && !h->encrypted())
        return fail_native(crumb::errc::malformed,
                           explain_native(crumb::errc::malformed, token, args, keys));
      opts.encrypt = h->encrypted();
    }
  }
  native_codec codec(keys, opts, args.clock);
  crumb::value session;
  crumb::token_info info;
  if (const crumb::errc e = codec.decode_into(token, session, info); e != crumb::errc::ok)
    return fail_native(e, explain_native(e, token, args, keys));
  if (info.needs_resign) {
    std::string ignored;
    const std::optional<native_header> h = parse_native(token, ignored);
    std::size_t index = 0;
    for (std::size_t i = 0; h && i < keys.secrets().size(); ++i)
      if (key_id_hex(keys.secrets()[i]) == h->id_hex()) index = i;
    std::cerr << "crumb: needs re-sign: verified with " << key_name(index) << " (id "
              << (h ? h->id_hex() : "?") << "), not the current key (id "
              << key_id_hex(keys.current()) << "); sign the session again\n";
  }
  return print_session(session, opts.max_depth, true);
}

// ---- inspect --------------------------------------------------------------------------

constexpr std::string_view unverified_banner =
    "UNVERIFIED: the fields below are what the token says; nothing has checked them yet\n";

// What the token's own times say at `now` (unverified; a verifier may shorten them with
// its --ttl and --idle). Ends are exclusive; the skew only admits tokens from the future.
std::string native_times(const native_header& h, std::int64_t now) {
  const std::int64_t skew = native::options{}.clock_skew.count();
  if (h.issued_at > add(now, skew))
    return "not yet valid (issued more than the default " + std::to_string(skew) +
           " s skew in the future)";
  if (h.end() != 0 && now >= h.end()) return "expired (absolute end reached)";
  if (h.idle != 0 && now >= add(h.issued_at, h.idle)) return "expired (idle timeout reached)";
  return "within its times";
}

void inspect_django_keys(std::string_view token, const django_parts& d, const arguments& args,
                         const crumb::key_ring& keys) {
  django_codec::options opts;
  opts.salt = args.salt;
  opts.max_age.reset();  // the signature only: the age is the verifier's rule
  opts.accept_legacy_sha1 = args.legacy_sha1;
  for (std::size_t i = 0; i < keys.secrets().size(); ++i) {
    django_codec alone(crumb::key_ring(keys.secrets()[i]), opts, args.clock);
    crumb::value session;
    const crumb::errc e = alone.decode_into(token, session);
    if (e == crumb::errc::invalid_signature) continue;
    std::cout << "authentic: yes, made with " << key_name(i)
              << (i != 0 ? " (needs re-sign with the current key)" : "");
    if (e != crumb::errc::ok) std::cout << ", but its payload is refused: " << crumb::name(e);
    std::cout << '\n';
    return;
  }
  std::cout << "authentic: NO: no key of the ring (" << keys.secrets().size()
            << (keys.secrets().size() == 1 ? " key" : " keys") << ", salt '" << args.salt
            << "') made this signature"
            << (d.mac_bytes == 20 && !args.legacy_sha1 ? " (SHA-1: try --accept-legacy-sha1)" : "")
            << '\n';
}

void inspect_native_keys(std::string_view token, const native_header& h, const arguments& args,
                         const crumb::key_ring& keys) {
  // Each key alone, with no time limits of its own, at the token's issued-at and with the
  // widest skew, so no time rule can refuse it: this answers "who made it" only (the
  // times are judged from the header, above).
  native_codec::options opts;
  static_cast<native::options&>(opts) = args.native_opts;
  opts.encrypt = h.encrypted();
  opts.max_age.reset();
  opts.idle_timeout.reset();
  opts.clock_skew = std::chrono::seconds::max();
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < keys.secrets().size(); ++i)
    if (key_id_hex(keys.secrets()[i]) == h.id_hex()) index = i;
  if (!index) {
    std::cout << "authentic: NO: unknown_key: key id " << h.id_hex()
              << " is the id of no key of the ring\n";
    return;
  }
  native_codec alone(crumb::key_ring(keys.secrets()[*index]), opts,
                     crumb::fixed_clock::at_unix(h.issued_at));
  crumb::value session;
  const crumb::errc e = alone.decode_into(token, session);
  if (e == crumb::errc::invalid_signature) {
    std::cout << "authentic: NO: " << crumb::name(e) << ": key id " << h.id_hex() << " is "
              << key_name(*index) << ", but "
              << (h.encrypted() ? "decryption fails" : "the tag does not match") << " for purpose '"
              << args.native_opts.purpose << "' and cookie name '" << args.native_opts.cookie_name
              << "'\n";
    return;
  }
  std::cout << "authentic: yes, made with " << key_name(*index)
            << (*index != 0 ? " (needs re-sign with the current key)" : "");
  if (e != crumb::errc::ok) {
    std::cout << ", but its payload is refused: " << crumb::name(e) << '\n';
    return;
  }
  std::cout << '\n';
  std::string json;
  if (crumb::json::write(session, json) == crumb::errc::ok)
    std::cout << "session (verified): " << json << '\n';
}

int run_inspect(const arguments& args) {
  std::string input = *args.token == "-" ? read_stdin() : *args.token;
  const std::string_view token = trim_whitespace(input);
  const std::size_t max_token = native_codec::options{}.max_token_bytes;
  if (token.size() > max_token) {
    std::cerr << "too_large: " << token.size() << " bytes, more than any token crumb reads ("
              << max_token << ")\n";
    return 1;
  }
  const std::optional<crumb::key_ring> keys = load_keys_if_any(args);
  const std::int64_t now = crumb::to_unix_seconds(args.clock.now());
  std::string why;

  if (token.find(':') != std::string_view::npos) {
    const std::optional<django_parts> d = parse_django(token, why);
    if (!d) {
      std::cerr << "malformed: " << why << '\n';
      return 1;
    }
    std::cout << "profile: django\n" << unverified_banner;
    std::cout << "timestamp: " << when(d->timestamp) << '\n';
    const std::int64_t age = add(now, -d->timestamp);
    std::cout << "age at " << when(now) << ": "
              << (age >= 0 ? std::to_string(age) + " s"
                           : "issued " + std::to_string(-age) + " s in the future")
              << '\n';
    std::cout << "compressed: " << (d->compressed ? "yes" : "no") << '\n';
    std::cout << "signature: " << (d->mac_bytes == 32 ? "HMAC-SHA256" : "HMAC-SHA1 (legacy)")
              << '\n';
    std::cout << "payload (UNVERIFIED): " << payload_json(d->payload, d->compressed) << '\n';
    if (keys)
      inspect_django_keys(token, *d, args, *keys);
    else
      std::cout << "authentic: not checked (no secret: set CRUMB_SECRET to check it)\n";
    return 0;
  }

  const std::optional<native_header> h = parse_native(token, why);
  if (!h) {
    std::cerr << "malformed: " << why << '\n';
    return 1;
  }
  std::cout << "profile: native\n" << unverified_banner;
  std::cout << "version: " << static_cast<int>(h->version) << '\n';
  std::cout << "mode: " << (h->encrypted() ? "encrypted" : "signed") << '\n';
  std::cout << "compressed: " << (h->compressed() ? "yes" : "no") << '\n';
  std::cout << "key id: " << h->id_hex() << '\n';
  std::cout << "issued at: " << when(h->issued_at) << '\n';
  if (h->lifetime == 0)
    std::cout << "absolute end: none\n";
  else
    std::cout << "absolute end: " << when(h->end()) << ", lifetime " << h->lifetime << " s\n";
  if (h->idle == 0)
    std::cout << "idle timeout: none\n";
  else
    std::cout << "idle timeout: " << h->idle << " s\n";
  std::cout << "at " << when(now) << ": " << native_times(*h, now) << '\n';
  if (h->encrypted())
    std::cout << "payload: encrypted, "
              << h->body().size() - native::nonce_bytes - native::tag_bytes << " bytes\n";
  else
    std::cout << "payload (UNVERIFIED): "
              << payload_json(h->body().substr(0, h->body().size() - native::tag_bytes),
                              h->compressed())
              << '\n';
  if (keys)
    inspect_native_keys(token, *h, args, *keys);
  else
    std::cout << "authentic: not checked (no secret: set CRUMB_SECRET to check it)\n";
  return 0;
}

// ---- keygen ---------------------------------------------------------------------------

int run_keygen() {
  if (sodium_init() < 0) {
    std::cerr << "crumb: libsodium failed to initialise\n";
    return 1;
  }
  std::uint8_t raw[32];
  randombytes_buf(raw, sizeof raw);
  std::string key =
      crumb::base64url::encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  sodium_memzero(raw, sizeof raw);
  // The id of the key as it will be configured: its base64url text is the secret.
  std::cout << "key: " << key << '\n' << "id: " << key_id_hex(key) << '\n';
  sodium_memzero(key.data(), key.size());
  return 0;
}

int run(const arguments& args) {
  if (args.command == "keygen") return run_keygen();
  if (args.command == "inspect") return run_inspect(args);
  return *args.profile == profile_kind::native ? run_native(args) : run_django(args);
}

bool is_help(std::string_view a) { return a == "--help" || a == "-h"; }

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && is_help(argv[1])) {
    std::cout << usage_text << secrets_text;
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::cout << "crumb " << crumb::version_string << '\n';
    return 0;
  }
  const std::string_view command = argc >= 2 ? argv[1] : "";
  if (help_for(command) != usage_text) {
    for (int i = 2; i < argc; ++i) {
      if (is_help(argv[i])) {
        std::cout << help_for(command) << secrets_text;
        return 0;
      }
    }
  }
  try {
    return run(parse_arguments(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "crumb: " << e.message << '\n' << help_for(command);
    return 2;
  } catch (const std::invalid_argument& e) {  // legacy SHA-1 without libcrypto, key id clash
    std::cerr << "crumb: " << e.what() << '\n';
    return 2;
  }
}
