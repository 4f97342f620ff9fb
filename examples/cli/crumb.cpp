// `crumb`: make, check and read session tokens from the shell.
//   crumb sign    --profile django|flask|native [options]  < object.json   prints a token
//   crumb verify  --profile django|flask|native [options]  < token         prints the session
//   crumb inspect TOKEN|- [options]    a token's fields, unverified (checked if a secret is set)
//   crumb keygen                       a fresh random key and its native key id
// Django's and Flask's profiles are byte-compatible with them; native is crumb's own format.
// Flask's HMAC-SHA1 needs OpenSSL's libcrypto: built without it, `--profile flask` is a
// usage error (inspect still reads flask tokens, and says it cannot check them).
// Secrets never come from argv: CRUMB_SECRET or --secret-file; fallbacks (one per line)
// from CRUMB_SECRET_FALLBACKS or --fallback-file. Exit: 0 ok, 1 rejected input, 2 usage.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <crumb/auth.hpp>
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
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
#  include <crumb/profile/flask.hpp>
#endif

namespace {

using django_codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression,
                                        crumb::default_hmac_sha256, crumb::fixed_clock>;
using native_codec = crumb::basic_codec<crumb::profile::native, crumb::zlib_compression,
                                        crumb::default_hmac_sha256, crumb::fixed_clock>;
using native = crumb::profile::native;

// Flask's defaults, spelled here too: the CLI names them in builds without the profile.
constexpr std::string_view flask_salt = "cookie-session";
constexpr std::chrono::seconds flask_max_age{2678400};  // 31 days
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
using flask_codec = crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression,
                                       crumb::openssl_hmac_sha256, crumb::fixed_clock>;
static_assert(flask_salt == crumb::profile::flask::session_salt);
static_assert(flask_max_age == crumb::profile::flask::default_max_age);
constexpr bool have_flask = true;
#else
constexpr bool have_flask = false;
#endif

constexpr std::string_view no_flask_text =
    "--profile flask needs OpenSSL's libcrypto (Flask signs with HMAC-SHA1, which libsodium "
    "lacks), and this crumb was built without it: rebuild with -DCRUMB_WITH_OPENSSL=on";

constexpr std::string_view secrets_text =
    "Secrets never go on the command line: the current secret comes from $CRUMB_SECRET or\n"
    "--secret-file FILE, fallback secrets (one per line) from $CRUMB_SECRET_FALLBACKS or\n"
    "--fallback-file FILE. Any secret works for every profile (`crumb keygen` makes one).\n"
    "A secret is used byte for byte, less trailing newlines: a blank one, or one with\n"
    "spaces or tabs around it, is refused.\n"
    "Exit status: 0 success, 1 token or input refused (reason on stderr), 2 usage error.\n";

constexpr std::string_view usage_text =
    "usage: crumb sign    --profile django|flask|native [OPTIONS] < object.json\n"
    "       crumb verify  --profile django|flask|native [OPTIONS] < token\n"
    "       crumb inspect TOKEN|- [OPTIONS]\n"
    "       crumb keygen\n"
    "       crumb COMMAND --help      (each command's options)\n"
    "  sign     reads a JSON object on stdin and prints its token;\n"
    "  verify   reads a token on stdin and prints its session as compact JSON;\n"
    "  inspect  prints a token's profile (django, flask or native) and fields WITHOUT\n"
    "           verifying them (and, when a secret is set, whether and with which key of the\n"
    "           ring it verifies);\n"
    "  keygen   prints a fresh random key for CRUMB_SECRET and its native key id.\n"
    "  --profile django: Django's signed_cookies format, byte-compatible with Django.\n"
    "  --profile flask:  Flask's session cookie (itsdangerous), byte-compatible with Flask;\n"
    "                    needs a crumb built with OpenSSL's libcrypto (HMAC-SHA1).\n"
    "  --profile native: crumb's own format: key ids, bound to its purpose and cookie name,\n"
    "                    absolute and idle timeouts, optional encryption.\n"
    "--now UNIX_SECONDS fixes the clock; a fraction is allowed, as Python's time.time()\n"
    "prints it (1701209600.5).\n";

constexpr std::string_view sign_text =
    "usage: crumb sign --profile django|flask [--salt SALT] [--now UNIX_SECONDS]\n"
    "                  [--no-compress]\n"
    "       crumb sign --profile native [--encrypt] [--purpose P] [--cookie-name NAME]\n"
    "                  [--ttl SECONDS|none] [--idle SECONDS|none] [--now UNIX_SECONDS]\n"
    "                  [--no-compress]\n"
    "Reads a JSON object on stdin and prints its token, made with the current secret.\n"
    "  --now UNIX_SECONDS   sign as at this time (default: the system clock); a fraction is\n"
    "                       allowed (1701209600.5); tokens hold whole seconds (rounded down)\n"
    "  --no-compress        never compress (default: compress when it shortens the token)\n"
    "django and flask:\n"
    "  --salt SALT          default django.contrib.sessions.backends.signed_cookies (django),\n"
    "                       cookie-session (flask)\n"
    "flask: object members are written sorted, as Flask writes them; needs a crumb built\n"
    "       with OpenSSL's libcrypto (HMAC-SHA1), a usage error otherwise.\n"
    "native:\n"
    "  --encrypt            encrypt the session (XChaCha20-Poly1305), not only sign it\n"
    "  --purpose P          what the token is for (default crumb.session)\n"
    "  --cookie-name NAME   the cookie it travels in (default sessionid)\n"
    "                       (a token is refused under another purpose or cookie name)\n"
    "  --ttl SECONDS|none   absolute lifetime: refused from issued-at + SECONDS on\n"
    "                       (default 1209600, two weeks)\n"
    "  --idle SECONDS|none  idle timeout: refused from issued-at + SECONDS on (default none)\n";

constexpr std::string_view verify_text =
    "usage: crumb verify --profile django|flask [--salt SALT] [--max-age SECONDS|none]\n"
    "                    [--now UNIX_SECONDS] [--accept-legacy-sha1 (django)]\n"
    "                    [--password-hash HASH (django)]\n"
    "       crumb verify --profile native [--encrypt] [--purpose P] [--cookie-name NAME]\n"
    "                    [--ttl SECONDS|none] [--idle SECONDS|none] [--skew SECONDS]\n"
    "                    [--now UNIX_SECONDS]\n"
    "Reads a token on stdin, verifies it against every key of the ring and prints its session\n"
    "as compact JSON. Verified with a fallback key, it says so on stderr: re-sign it. Refused,\n"
    "it prints `name: why` on stderr (`expired: signed 3 h ago, max age 2 h; ...`).\n"
    "  --now UNIX_SECONDS   verify as at this time (default: the system clock); a fraction\n"
    "                       is allowed, as Python's time.time() (1701209600.5)\n"
    "django and flask:\n"
    "  --salt SALT          as signed (defaults as for sign)\n"
    "  --max-age SECONDS|none  oldest token accepted; none: no time check at all.\n"
    "                       django: default 1209600 (14 d); expired when now - timestamp >\n"
    "                         SECONDS, with the fraction of now, as Django compares floats;\n"
    "                         a timestamp in the future is accepted, as by Django.\n"
    "                       flask: default 2678400 (31 d); expired when int(now) - timestamp\n"
    "                         > SECONDS, in whole seconds as itsdangerous; a timestamp even\n"
    "                         1 s in the future is refused (not_yet_valid), as by Flask.\n"
    "django:\n"
    "  --accept-legacy-sha1 also accept Django 3.1/3.2 SHA-1 signatures (OpenSSL builds)\n"
    "  --password-hash HASH the logged-in user's password field (Django's user.password):\n"
    "                       check the session's login (_auth_user_hash, made with a key of\n"
    "                       the ring) and print the user id instead of the session; refused:\n"
    "                       auth_hash_mismatch (the password changed since), or not_found\n"
    "                       (nobody logged in). HASH shows in `ps`: use on trusted hosts.\n"
    "                       With --accept-legacy-sha1, Django 3.1/3.2's SHA-1 hash passes too.\n"
    "native (the token's own lifetime and idle timeout always apply):\n"
    "  --encrypt            accept only encrypted tokens (default: the token's own mode)\n"
    "  --purpose P          as signed (default crumb.session)\n"
    "  --cookie-name NAME   as signed (default sessionid)\n"
    "  --ttl SECONDS|none   also refuse tokens issued SECONDS ago or more (default 1209600)\n"
    "  --idle SECONDS|none  also refuse tokens idle SECONDS or more (default none)\n"
    "  --skew SECONDS       accept tokens issued up to SECONDS in the future, from a clock\n"
    "                       running ahead (default 5); expiries are never applied late\n";

constexpr std::string_view inspect_text =
    "usage: crumb inspect [--now UNIX_SECONDS] [--salt SALT] [--max-age SECONDS|none]\n"
    "                     [--accept-legacy-sha1] [--purpose P] [--cookie-name NAME]\n"
    "                     [--] TOKEN|-\n"
    "Prints which profile TOKEN (or stdin, with -) looks like and the fields it states, WITHOUT\n"
    "verifying them: they are marked UNVERIFIED.\n"
    "The profile is told by the separators, which base64url never holds: a ':' anywhere makes\n"
    "it django (payload:timestamp:signature; its compressed payloads start with '.' too, so a\n"
    "leading '.' alone says nothing), else a '.' makes it flask (payload.timestamp.signature),\n"
    "else it is native (base64url alone).\n"
    "  django: timestamp (ISO 8601, Unix, age), compression, signature algorithm, the payload\n"
    "          JSON, and its times at --now against --max-age (default 1209600);\n"
    "  flask:  the same (timestamp: big-endian seconds in base64url; HMAC-SHA1; --max-age\n"
    "          default 2678400, whole seconds, a future timestamp refused);\n"
    "  native: version, mode, compression, key id, issued at, absolute end, idle timeout, and\n"
    "          the payload JSON in signed mode.\n"
    "When a secret is set, also checks the signature with each key of the ring alone and\n"
    "says which one made it (current or fallback N); flask needs a crumb built with OpenSSL.\n"
    "--salt (django, flask), --purpose and --cookie-name (native) are the verifier's, as for\n"
    "verify; --accept-legacy-sha1 is django's.\n"
    "Exit 0 when the token parses (verified or not), 1 when it is no token crumb knows.\n";

constexpr std::string_view keygen_text =
    "usage: crumb keygen\n"
    "Prints a fresh key, 32 random bytes (libsodium) in base64url without padding, and its\n"
    "native key id (hex), the id native tokens made with it carry:\n"
    "  key: <43 characters>\n"
    "  id: <8 hex digits>\n"
    "Use the key as CRUMB_SECRET (or a server's secret) for any profile (django, flask,\n"
    "native); keep it out of shell history.\n";

struct usage_error {
  std::string message;
};

enum class profile_kind { django, flask, native };

std::string_view profile_name(profile_kind p) {
  return p == profile_kind::django ? "django" : p == profile_kind::flask ? "flask" : "native";
}

// Which profiles an option is for, as a mask of these bits.
constexpr unsigned for_django = 1, for_flask = 2, for_native = 4;

unsigned bit(profile_kind p) {
  return p == profile_kind::django ? for_django : p == profile_kind::flask ? for_flask : for_native;
}

struct arguments {
  std::string command;
  std::optional<profile_kind> profile;
  crumb::fixed_clock clock;  // --now, or the system clock read once
  bool compress = true;
  std::optional<std::string> secret_file;
  std::optional<std::string> fallback_file;
  std::optional<std::string> token;  // inspect's operand
  // django and flask (each has its own defaults)
  std::optional<std::string> salt;
  std::optional<std::optional<std::chrono::seconds>> max_age;  // nullopt: not given
  bool legacy_sha1 = false;                                    // django
  std::optional<std::string> password_hash;                    // django, verify
  // native
  native::options native_opts;
  // The profile options given, with the profiles each is for, to refuse them under others.
  std::vector<std::pair<std::string, unsigned>> profile_flags;

  std::string salt_for(profile_kind p) const {
    if (salt) return *salt;
    return std::string(p == profile_kind::flask ? flask_salt
                                                : crumb::profile::django::session_salt);
  }
  std::optional<std::chrono::seconds> max_age_for(profile_kind p) const {
    if (max_age) return *max_age;
    return p == profile_kind::flask ? flask_max_age : crumb::profile::django::default_max_age;
  }
};

std::string_view help_for(std::string_view command) {
  if (command == "sign") return sign_text;
  if (command == "verify") return verify_text;
  if (command == "inspect") return inspect_text;
  if (command == "keygen") return keygen_text;
  return usage_text;
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

std::int64_t add(std::int64_t a, std::int64_t b) { return crumb::detail::saturating_add(a, b); }

// A time, or a span of time, to the nanosecond: s + ns / 1e9, with 0 <= ns < 1e9.
struct instant {
  std::int64_t s = 0;
  std::int64_t ns = 0;
};

instant instant_of(crumb::time_point t) {
  const std::int64_t s = crumb::to_unix_seconds(t);
  return {s, std::chrono::duration_cast<std::chrono::nanoseconds>(
                 t - crumb::time_point(std::chrono::seconds(s)))
                 .count()};
}

// The span from the whole second `then` to `now` (negative when `then` is later).
instant since(instant now, std::int64_t then) { return {add(now.s, -then), now.ns}; }

// The size of a negative span (s < 0), as a positive one.
instant negated(instant d) {
  if (d.ns == 0) return {-d.s, 0};
  return {-d.s - 1, 1'000'000'000 - d.ns};
}

// ".5" for 500000000 ns; "" for none.
std::string fraction(std::int64_t ns) {
  if (ns == 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(ns));
  std::string digits = buf;
  while (digits.back() == '0') digits.pop_back();
  return "." + digits;
}

// Unix seconds (>= 0) as ISO 8601 UTC, with `ns` as a fraction when not 0; years past 9999
// get ISO's expanded '+' form. Whole-second arithmetic on days (Howard Hinnant's
// civil_from_days): any int64 works.
std::string iso8601(std::int64_t t, std::int64_t ns = 0) {
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
  std::snprintf(buf, sizeof buf, "%s%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                year > 9999 ? "+" : "", static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf + fraction(ns) + "Z";
}

std::string when(std::int64_t t) { return iso8601(t) + " (" + std::to_string(t) + ")"; }
std::string when(instant t) {
  return iso8601(t.s, t.ns) + " (" + std::to_string(t.s) + fraction(t.ns) + ")";
}

// A span (s >= 0) for people: "3 h", "2 h 1 s", "1 min 0.5 s", "14 d", "0 s".
std::string human(instant d) {
  std::string out;
  const auto part = [&](std::int64_t n, std::string_view unit) {
    if (n == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(n);
    out += unit;
  };
  part(d.s / 86400, " d");
  part(d.s / 3600 % 24, " h");
  part(d.s / 60 % 60, " min");
  if (d.s % 60 != 0 || d.ns != 0 || out.empty()) {
    if (!out.empty()) out += ' ';
    out += std::to_string(d.s % 60) + fraction(d.ns) + " s";
  }
  return out;
}
std::string human(std::chrono::seconds d) { return human(instant{d.count(), 0}); }

// "100 s (1 min 40 s)": the exact seconds, and for people when a minute or longer.
std::string seconds_and_human(instant d) {
  std::string out = std::to_string(d.s) + fraction(d.ns) + " s";
  if (d.s >= 60) out += " (" + human(d) + ")";
  return out;
}

// ---- arguments ------------------------------------------------------------------------

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

// --now: Unix seconds as Python's time.time() and float() write them: digits, an optional
// fraction and an optional exponent (1701209600, 1701209600.5, 1.7012096005e9), read exactly
// as decimal to the nanosecond (further digits dropped), never through a double; from 0 to
// the last second both the clock (system_clock's range) and year 9999 allow.
crumb::time_point parse_now(std::string_view text) {
  const auto junk = [&] {
    return usage_error{"--now wants Unix seconds such as 1701209600 or 1701209600.5, got '" +
                       std::string(text) + "'"};
  };
  constexpr std::int64_t year_9999_end = 253402300799;  // 9999-12-31T23:59:59Z
  const std::int64_t last = std::min(crumb::max_unix_seconds, year_9999_end);
  const auto out_of_range = [&] {
    return usage_error{"--now must be between 0 and " + std::to_string(last) + " (" +
                       iso8601(last) + "), got '" + std::string(text) + "'"};
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;      // the mantissa's digits, without its point
  std::int64_t point = 0;  // how many of them come before the point
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      if (!seen_point) ++point;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) throw junk();
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    std::int64_t exponent = 0;
    const std::size_t exponent_at = i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      exponent = std::min<std::int64_t>(exponent * 10 + (text[i] - '0'), 1'000'000);
    if (i == exponent_at) throw junk();
    point += negative_exponent ? -exponent : exponent;
  }
  if (i != text.size()) throw junk();
  std::size_t zeros = 0;
  while (zeros < digits.size() && digits[zeros] == '0') ++zeros;
  digits.erase(0, zeros);
  point -= static_cast<std::int64_t>(zeros);
  if (digits.empty()) return crumb::time_point{};  // 0, -0, 0.000
  if (negative) throw out_of_range();
  if (point > 18) throw out_of_range();  // 10^18 s and more: far past both limits
  const auto digit = [&](std::int64_t k) -> std::int64_t {
    return k >= 0 && k < static_cast<std::int64_t>(digits.size()) ? digits[k] - '0' : 0;
  };
  std::int64_t seconds = 0;
  for (std::int64_t k = 0; k < point; ++k) seconds = seconds * 10 + digit(k);
  std::int64_t nanos = 0;
  for (std::int64_t k = point; k < point + 9; ++k) nanos = nanos * 10 + digit(k);
  if (seconds > last) throw out_of_range();
  const crumb::time_point whole{std::chrono::seconds(seconds)};
  const auto frac =
      std::chrono::floor<crumb::time_point::duration>(std::chrono::nanoseconds(nanos));
  if (crumb::time_point::max() - whole < frac) throw out_of_range();
  return whole + frac;
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
  std::optional<crumb::time_point> now;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const auto operand = [&]() -> std::string_view {
      if (i + 1 >= argc) throw usage_error{std::string(flag) + " needs a value"};
      return argv[++i];
    };
    const auto for_profiles = [&](unsigned profiles) {
      args.profile_flags.emplace_back(std::string(flag), profiles);
    };
    if (flag == "--profile" && (sign || verify)) {
      const std::string_view p = operand();
      if (p == "django")
        args.profile = profile_kind::django;
      else if (p == "flask")
        args.profile = profile_kind::flask;
      else if (p == "native")
        args.profile = profile_kind::native;
      else
        throw usage_error{"unknown profile '" + std::string(p) + "': django, flask or native"};
    } else if (flag == "--now" && !keygen) {
      now = parse_now(operand());
    } else if (flag == "--no-compress" && sign) {
      args.compress = false;
    } else if ((flag == "--secret-file" || flag == "--fallback-file") && !keygen) {
      (flag == "--secret-file" ? args.secret_file : args.fallback_file) = operand();
    } else if (flag == "--salt" && !keygen) {
      args.salt = operand();
      for_profiles(for_django | for_flask);
    } else if (flag == "--max-age" && (verify || inspect)) {
      const std::string_view v = operand();
      if (v == "none") {
        args.max_age.emplace(std::nullopt);
      } else {
        const std::int64_t seconds = parse_int(flag, v);
        if (seconds < 0) throw usage_error{"--max-age must not be negative"};
        args.max_age.emplace(std::chrono::seconds(seconds));
      }
      for_profiles(for_django | for_flask);
    } else if (flag == "--password-hash" && verify) {
      args.password_hash = operand();
      for_profiles(for_django);
    } else if (flag == "--accept-legacy-sha1" && (verify || inspect)) {
      args.legacy_sha1 = true;
      for_profiles(for_django);
    } else if ((flag == "--purpose" || flag == "--cookie-name") && !keygen) {
      (flag == "--purpose" ? args.native_opts.purpose : args.native_opts.cookie_name) = operand();
      for_profiles(for_native);
    } else if (flag == "--encrypt" && (sign || verify)) {
      args.native_opts.encrypt = true;
      for_profiles(for_native);
    } else if (flag == "--ttl" && (sign || verify)) {
      args.native_opts.max_age = parse_duration(flag, operand());
      for_profiles(for_native);
    } else if (flag == "--idle" && (sign || verify)) {
      args.native_opts.idle_timeout = parse_duration(flag, operand());
      for_profiles(for_native);
    } else if (flag == "--skew" && verify) {
      const std::int64_t seconds = parse_int(flag, operand());
      if (seconds < 0) throw usage_error{"--skew must not be negative"};
      args.native_opts.clock_skew = std::chrono::seconds(seconds);
      for_profiles(for_native);
    } else if (inspect && !args.token && flag == "--" && i + 1 < argc) {
      args.token = argv[++i];
    } else if (inspect && !args.token && !flag.starts_with("--")) {
      args.token = flag;  // "-" (stdin), or a token: base64url may start with '-'
    } else {
      throw usage_error{"unknown option '" + std::string(flag) + "' for " + cmd};
    }
  }
  if (sign || verify) {
    if (!args.profile) throw usage_error{"--profile is required (django, flask or native)"};
    if (*args.profile == profile_kind::flask && !have_flask)
      throw usage_error{std::string(no_flask_text)};
    for (const auto& [flag, profiles] : args.profile_flags) {
      if ((profiles & bit(*args.profile)) != 0) continue;
      std::string message = flag + " is for --profile ";
      message += profiles == for_native   ? "native"
                 : profiles == for_django ? "django"
                                          : "django or flask";
      if (flag == "--max-age") message += " (native: --ttl)";
      if (flag == "--ttl") message += " (django, flask: --max-age)";
      throw usage_error{message};
    }
  }
  if (inspect && !args.token) throw usage_error{"inspect needs a TOKEN, or - to read stdin"};
  // The system clock to the microsecond, as Python's time.time() gives it.
  args.clock = crumb::fixed_clock{
      now ? *now : std::chrono::floor<std::chrono::microseconds>(crumb::system_clock{}.now())};
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

// A secret is used byte for byte, so a blank one (anyone can sign with " ") or one with
// spaces around it (a different key from the one meant) is refused, not trimmed.
std::string checked_secret(std::string secret, const std::string& where) {
  const std::string_view trimmed = trim_whitespace(secret);
  if (trimmed.empty()) throw usage_error{where + " is blank"};
  if (trimmed.size() != secret.size())
    throw usage_error{where + " has spaces or tabs around it; a secret is used byte for byte"};
  return secret;
}

// One secret per line; empty lines are skipped.
std::vector<std::string> secrets_of(const std::string& text, const std::string& source) {
  std::vector<std::string> secrets;
  std::istringstream in(text);
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    line = strip_trailing_newlines(line);
    if (!line.empty())
      secrets.push_back(checked_secret(line, "line " + std::to_string(number) + " of " + source));
  }
  return secrets;
}

// The key ring, or nullopt when no secret is given (inspect then verifies nothing). The
// environment is read as a file is: trailing newlines are not part of the secret.
std::optional<crumb::key_ring> load_keys_if_any(const arguments& args) {
  std::string secret;
  if (args.secret_file) {
    secret = strip_trailing_newlines(read_file(*args.secret_file));
    if (secret.empty()) throw usage_error{"the secret file " + *args.secret_file + " is empty"};
    secret = checked_secret(std::move(secret), "the secret in " + *args.secret_file);
  } else if (const char* env = std::getenv("CRUMB_SECRET"); env && *env) {
    secret = checked_secret(strip_trailing_newlines(env), "$CRUMB_SECRET");
  }
  if (secret.empty()) return std::nullopt;
  std::vector<std::string> fallbacks;
  if (args.fallback_file) {
    fallbacks = secrets_of(read_file(*args.fallback_file), *args.fallback_file);
  } else if (const char* env = std::getenv("CRUMB_SECRET_FALLBACKS")) {
    fallbacks = secrets_of(env, "$CRUMB_SECRET_FALLBACKS");
  }
  return crumb::key_ring(std::move(secret), std::move(fallbacks));
}

// The first secret of the ring with this native key id (a secret listed twice counts once,
// as the library reads the ring), or nullopt.
std::optional<std::size_t> first_key_with_id(const crumb::key_ring& keys, const std::string& id) {
  for (std::size_t i = 0; i < keys.secrets().size(); ++i)
    if (key_id_hex(keys.secrets()[i]) == id) return i;
  return std::nullopt;
}

crumb::key_ring load_keys(const arguments& args) {
  std::optional<crumb::key_ring> keys = load_keys_if_any(args);
  if (!keys) throw usage_error{"no secret: set CRUMB_SECRET or pass --secret-file"};
  return std::move(*keys);
}

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

// The header of a native token, or why it is none (`why` then says so).
std::optional<native_header> parse_native(std::string_view token, std::string& why) {
  native_header h;
  if (crumb::base64url::decode(token, h.raw) != crumb::errc::ok) {
    why =
        "not base64url (native), payload:timestamp:signature (django) or "
        "payload.timestamp.signature (flask)";
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
  // The codec's own reader of the format's varints (shortest form, at most 63 bits).
  if (!crumb::detail::read_varint(raw, at, h.issued_at) ||
      !crumb::detail::read_varint(raw, at, h.lifetime) ||
      !crumb::detail::read_varint(raw, at, h.idle)) {
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

// ---- the django and flask tokens' parts ------------------------------------------------

// The profile a token looks like, told by its separators, which base64url never holds:
// any ':' makes it django's (whose compressed payloads start with '.' too, so a '.' says
// nothing then), else any '.' flask's, else native (base64url alone).
profile_kind guess_profile(std::string_view token) {
  if (token.find(':') != std::string_view::npos) return profile_kind::django;
  if (token.find('.') != std::string_view::npos) return profile_kind::flask;
  return profile_kind::native;
}

struct signed_parts {
  bool compressed = false;
  std::string payload;  // decoded bytes
  std::int64_t timestamp = 0;
  std::size_t mac_bytes = 0;
};

// payload ":" base62(seconds) ":" base64url(HMAC-SHA256, or legacy SHA-1), the payload
// after a "." when compressed (django.core.signing).
std::optional<signed_parts> parse_django(std::string_view token, std::string& why) {
  signed_parts d;
  const std::size_t sig_at = token.rfind(':');
  const std::size_t ts_at = sig_at == 0 || sig_at == std::string_view::npos
                                ? std::string_view::npos
                                : token.rfind(':', sig_at - 1);
  if (ts_at == std::string_view::npos) {
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

// payload "." base64url(seconds as big-endian bytes, leading zero bytes dropped) "."
// base64url(HMAC-SHA1), the payload after a "." when compressed (itsdangerous'
// URLSafeTimedSerializer as Flask sets it up). Read here without the profile's header, so
// builds without libcrypto inspect flask tokens too.
std::optional<signed_parts> parse_flask(std::string_view token, std::string& why) {
  signed_parts f;
  const std::size_t sig_at = token.rfind('.');
  const std::size_t ts_at = sig_at == 0 || sig_at == std::string_view::npos
                                ? std::string_view::npos
                                : token.rfind('.', sig_at - 1);
  if (ts_at == std::string_view::npos) {
    why = "flask tokens are payload.timestamp.signature";
    return std::nullopt;
  }
  std::string mac;
  if (crumb::base64url::decode(token.substr(sig_at + 1), mac) != crumb::errc::ok ||
      mac.size() != 20) {
    why = "flask signature is not base64url of an HMAC-SHA1 (27 characters)";
    return std::nullopt;
  }
  f.mac_bytes = mac.size();
  std::string ts;
  if (crumb::base64url::decode(token.substr(ts_at + 1, sig_at - ts_at - 1), ts) !=
          crumb::errc::ok ||
      ts.size() > 8 || (ts.size() == 8 && static_cast<std::uint8_t>(ts[0]) >= 0x80)) {
    why = "flask timestamp is not base64url of at most 8 big-endian bytes below 2^63";
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (const char c : ts) n = n << 8 | static_cast<std::uint8_t>(c);
  f.timestamp = static_cast<std::int64_t>(n);
  std::string_view payload = token.substr(0, ts_at);
  f.compressed = !payload.empty() && payload.front() == '.';
  if (f.compressed) payload.remove_prefix(1);
  if (crumb::base64url::decode(payload, f.payload) != crumb::errc::ok) {
    why = "flask payload is not base64url";
    return std::nullopt;
  }
  return f;
}

std::optional<signed_parts> parse_signed(profile_kind p, std::string_view token, std::string& why) {
  return p == profile_kind::django ? parse_django(token, why) : parse_flask(token, why);
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

std::string ring_size(const crumb::key_ring& keys) {
  const std::size_t n = keys.secrets().size();
  return std::to_string(n) + (n == 1 ? " key" : " keys");
}

// A django or flask token's time at `now` under `max_age`, as its verifier judges it:
// ok, expired or not_yet_valid, and why. Django: age = now - timestamp with now's fraction
// (a float comparison), a future timestamp accepted. Flask: age = int(now) - timestamp, in
// whole seconds, a future one refused.
std::pair<crumb::errc, std::string> judge_times(profile_kind p, std::int64_t timestamp, instant now,
                                                std::optional<std::chrono::seconds> max_age) {
  if (!max_age) return {crumb::errc::ok, "not checked (--max-age none)"};
  const bool flask = p == profile_kind::flask;
  const instant age = since(flask ? instant{now.s, 0} : now, timestamp);
  const std::string limit = ", max age " + human(*max_age);
  if (age.s < 0) {
    const std::string ahead = "signed " + human(negated(age)) + " in the future";
    if (flask)
      return {crumb::errc::not_yet_valid,
              ahead + " (Flask refuses any timestamp after now, in whole seconds)"};
    return {crumb::errc::ok, ahead + limit + " (Django accepts a future timestamp)"};
  }
  // Django compares floats: the same double the profile computes, so that inspect's verdict
  // is verify's at every --now (a fraction under a microsecond included).
  const double now_seconds = std::chrono::duration<double>(
      (crumb::time_point(std::chrono::seconds(now.s)) + std::chrono::nanoseconds(now.ns))
          .time_since_epoch()).count();
  const bool expired =
      flask ? age.s > max_age->count()
            : now_seconds - static_cast<double>(timestamp) > static_cast<double>(max_age->count());
  // At the boundary, say why the fraction of now does not count.
  const bool boundary = flask && now.ns != 0 && age.s == max_age->count();
  return {expired ? crumb::errc::expired : crumb::errc::ok,
          "signed " + human(age) + " ago" + limit +
              (boundary ? " (Flask counts whole seconds: int(now))" : "")};
}

// ---- sign and verify ------------------------------------------------------------------

int fail(crumb::errc e, const std::string& why) {
  std::cerr << crumb::name(e) << ": " << why << '\n';
  return 1;
}

// Why the JSON to sign, or the session to print, is refused.
std::string json_reason(crumb::errc e, std::string_view where) {
  switch (e) {
    case crumb::errc::type_mismatch:
      return std::string(where) + " holds JSON that is not an object; a session is an object";
    case crumb::errc::invalid_json:
      return std::string(where) + " is not JSON (or not JSON crumb accepts: one value, " +
             "UTF-8, no duplicate keys)";
    default:
      return std::string(where) + ": " + crumb::make_error_code(e).message();
  }
}

// Reads the JSON object to sign from stdin.
crumb::errc read_session(std::size_t max_bytes, std::size_t max_depth, crumb::value& session) {
  crumb::json::reader reader(crumb::json::limits{max_bytes, max_depth});
  if (const crumb::errc e = reader.read(read_stdin(), session); e != crumb::errc::ok) return e;
  return session.is_object() ? crumb::errc::ok : crumb::errc::type_mismatch;
}

int print_session(const crumb::value& session, std::size_t max_depth) {
  std::string json;
  if (const crumb::errc e = crumb::json::write(session, json, max_depth); e != crumb::errc::ok)
    return fail(e, json_reason(e, "the session"));
  std::cout << json << '\n';
  return 0;
}

// verify --password-hash: the user a Django session logs in, checked as Django's get_user()
// checks it against the user's password field, under every key of the ring.
int print_login(const crumb::value& session, std::string_view password_hash,
                const crumb::key_ring& keys, bool legacy_sha1) {
  crumb::auth::auth_options any_backend;
  any_backend.backends.clear();
  any_backend.accept_legacy_sha1 = legacy_sha1 && crumb::has_sha1<crumb::default_hmac_sha256>;
  const crumb::auth::basic_authenticator<crumb::memory_store, crumb::default_hmac_sha256> auth(
      keys, any_backend);
  const crumb::object empty;
  const crumb::object& data = session.is_object() ? *session.if_object() : empty;
  const crumb::result<std::string> user = auth.logged_in_user(data);
  if (!user)
    return fail(crumb::errc::not_found,
                "nobody is logged in: the session has no _auth_user_id and _auth_user_backend");
  const crumb::auth::hash_match matched = auth.matching_secret(data, password_hash);
  if (!matched)
    return fail(crumb::errc::auth_hash_mismatch,
                "user " + *user +
                    "'s _auth_user_hash was not made from this password hash by "
                    "any key of the ring (" +
                    ring_size(keys) + "): the password changed since");
  if (matched.legacy_sha1)
    std::cerr << "crumb: the login hash is Django 3.1/3.2's legacy SHA-1 one, made with "
              << key_name(matched.key) << "\n";
  else if (matched.key > 0)
    std::cerr << "crumb: the login hash was made with " << key_name(matched.key)
              << ": Django 4.1+ re-makes it with the current key\n";
  std::cout << *user << '\n';
  return 0;
}

// "it looks like a flask token (--profile flask)", when it reads as another profile's.
std::optional<std::string> other_profile(profile_kind p, std::string_view token) {
  const profile_kind looks = guess_profile(token);
  if (looks == p) return std::nullopt;
  std::string ignored;
  if (looks == profile_kind::native ? !parse_native(token, ignored)
                                    : !parse_signed(looks, token, ignored))
    return std::nullopt;
  const std::string_view name = profile_name(looks);
  return "it looks like a " + std::string(name) + " token (--profile " + std::string(name) +
         "), not a " + std::string(profile_name(p)) + " one";
}

// Why a django or flask token was refused: the separators, the signature, the times.
std::string explain_signed(profile_kind p, crumb::errc e, std::string_view token,
                           const arguments& args, const crumb::key_ring& keys) {
  const bool django = p == profile_kind::django;
  std::string why;
  const std::optional<signed_parts> parts = parse_signed(p, token, why);
  switch (e) {
    case crumb::errc::malformed:
      if (auto other = other_profile(p, token)) return *other;
      return parts ? "not a valid " + std::string(profile_name(p)) + " token" : why;
    case crumb::errc::invalid_signature: {
      if (auto other = other_profile(p, token)) return *other;
      const std::string_view sig = token.substr(token.rfind(django ? ':' : '.') + 1);
      if (django && sig.size() == 27 && !args.legacy_sha1)
        return "a 27-character signature is Django 3.1/3.2's legacy HMAC-SHA1: "
               "--accept-legacy-sha1 checks it";
      if (django && sig.size() != 43 && sig.size() != 27)
        return "the signature has " + std::to_string(sig.size()) +
               " characters; an HMAC-SHA256 has 43 in base64url";
      if (!django && sig.size() != 27)
        return "the signature has " + std::to_string(sig.size()) +
               " characters; Flask's HMAC-SHA1 has 27 in base64url";
      return "no key of the ring (" + ring_size(keys) + ") made this signature with salt '" +
             args.salt_for(p) + "': tampered, or signed with another secret or salt";
    }
    case crumb::errc::expired:
    case crumb::errc::not_yet_valid: {
      if (!parts) break;
      const instant now = instant_of(args.clock.now());
      return judge_times(p, parts->timestamp, now, args.max_age_for(p)).second + "; signed " +
             when(parts->timestamp) + ", now " + when(now);
    }
    case crumb::errc::invalid_compression:
      return "the payload does not inflate (zlib)";
    case crumb::errc::too_large:
      return "the token, or its inflated payload, is over crumb's bounds (64 KiB, 1 MiB)";
    default:
      break;
  }
  return json_reason(e, "the payload");
}

// The first key of the ring whose signature `token` carries, each key tried alone with no
// time limit, and the error its decode then gives (ok, or the payload's); nullopt: none.
template <class Codec>
std::optional<std::size_t> which_key(std::string_view token, const crumb::key_ring& keys,
                                     typename Codec::options opts, const crumb::fixed_clock& clock,
                                     crumb::errc& error) {
  opts.max_age.reset();
  for (std::size_t i = 0; i < keys.secrets().size(); ++i) {
    Codec alone(crumb::key_ring(keys.secrets()[i]), opts, clock);
    crumb::value ignored;
    const crumb::errc e = alone.decode_into(token, ignored);
    if (e == crumb::errc::invalid_signature) continue;
    error = e;
    return i;
  }
  return std::nullopt;
}

// sign and verify for django and flask, whose rules differ only inside their codecs.
template <class Codec>
int run_signed(const arguments& args, const typename Codec::options& opts) {
  const profile_kind p = *args.profile;
  const crumb::key_ring keys = load_keys(args);
  Codec codec(keys, opts, args.clock);

  if (args.command == "sign") {
    crumb::value session;
    if (const crumb::errc e = read_session(opts.max_json_bytes, opts.max_depth, session);
        e != crumb::errc::ok)
      return fail(e, json_reason(e, "stdin"));
    std::string token;
    if (const crumb::errc e = codec.encode_into(session, token); e != crumb::errc::ok) {
      // Writing valid JSON, only a tag Flask could not read is invalid_json.
      if (p == profile_kind::flask && e == crumb::errc::invalid_json)
        return fail(e,
                    "the session holds a one-member object under one of Flask's tags (\" t\", "
                    "\" b\", \" d\", \" u\", \" m\", \" di\") whose value Flask cannot read");
      return fail(e, json_reason(e, "the session"));
    }
    std::cout << token << '\n';
    return 0;
  }

  const std::string input = read_stdin();
  const std::string_view token = trim_whitespace(input);
  crumb::value session;
  crumb::token_info info;
  if (const crumb::errc e = codec.decode_into(token, session, info); e != crumb::errc::ok)
    return fail(e, explain_signed(p, e, token, args, keys));
  if (info.needs_resign) {
    crumb::errc ignored = crumb::errc::ok;
    const std::size_t index = which_key<Codec>(token, keys, opts, args.clock, ignored).value_or(0);
    std::cerr << "crumb: needs re-sign: verified with "
              << (index == 0 ? "the current key's legacy SHA-1 signature"
                             : key_name(index) + ", not the current key")
              << "; sign the session again\n";
  }
  if (args.password_hash) return print_login(session, *args.password_hash, keys, args.legacy_sha1);
  return print_session(session, opts.max_depth);
}

int run_django(const arguments& args) {
  django_codec::options opts;
  opts.salt = args.salt_for(profile_kind::django);
  opts.max_age = args.max_age_for(profile_kind::django);
  opts.compress = args.compress;
  opts.accept_legacy_sha1 = args.legacy_sha1;
  return run_signed<django_codec>(args, opts);
}

#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
int run_flask(const arguments& args) {
  flask_codec::options opts;
  opts.salt = args.salt_for(profile_kind::flask);
  opts.max_age = args.max_age_for(profile_kind::flask);
  opts.compress = args.compress;
  return run_signed<flask_codec>(args, opts);
}
#endif

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
      if (auto other = other_profile(profile_kind::native, token)) return *other;
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
      return fail(e, json_reason(e, "stdin"));
    std::string token;
    if (const crumb::errc e = codec.encode_into(session, token); e != crumb::errc::ok)
      return fail(e, json_reason(e, "the session"));
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
        return fail(crumb::errc::malformed,
                    explain_native(crumb::errc::malformed, token, args, keys));
      opts.encrypt = h->encrypted();
    }
  }
  native_codec codec(keys, opts, args.clock);
  crumb::value session;
  crumb::token_info info;
  if (const crumb::errc e = codec.decode_into(token, session, info); e != crumb::errc::ok)
    return fail(e, explain_native(e, token, args, keys));
  if (info.needs_resign) {
    std::string ignored;
    const std::optional<native_header> h = parse_native(token, ignored);
    const std::size_t index = h ? first_key_with_id(keys, h->id_hex()).value_or(0) : 0;
    std::cerr << "crumb: needs re-sign: verified with " << key_name(index) << " (id "
              << (h ? h->id_hex() : "?") << "), not the current key (id "
              << key_id_hex(keys.current()) << "); sign the session again\n";
  }
  return print_session(session, opts.max_depth);
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

// Which key of the ring made a django or flask token, each key alone, the age unchecked.
template <class Codec>
void inspect_signed_keys(profile_kind p, std::string_view token, const signed_parts& d,
                         typename Codec::options opts, const arguments& args,
                         const crumb::key_ring& keys) {
  crumb::errc e = crumb::errc::ok;
  const std::optional<std::size_t> index = which_key<Codec>(token, keys, opts, args.clock, e);
  const bool legacy = p == profile_kind::django && d.mac_bytes == 20;
  if (!index) {
    std::cout << "authentic: NO: invalid_signature: no key of the ring (" << ring_size(keys)
              << ") made this signature with salt '" << args.salt_for(p) << "'"
              << (legacy && !args.legacy_sha1 ? " (SHA-1: try --accept-legacy-sha1)" : "") << '\n';
    return;
  }
  std::cout << "authentic: yes, made with " << key_name(*index)
            << (*index != 0 ? " (needs re-sign with the current key)"
                : legacy    ? " (legacy SHA-1: needs re-sign with SHA-256)"
                            : "");
  if (e != crumb::errc::ok) std::cout << ", but its payload is refused: " << crumb::name(e);
  std::cout << '\n';
}

int inspect_signed(profile_kind p, std::string_view token, const arguments& args,
                   const std::optional<crumb::key_ring>& keys) {
  std::string why;
  const std::optional<signed_parts> d = parse_signed(p, token, why);
  if (!d) {
    std::cerr << "malformed: " << why << '\n';
    return 1;
  }
  const instant now = instant_of(args.clock.now());
  const instant age = since(now, d->timestamp);
  std::cout << "profile: " << profile_name(p) << '\n' << unverified_banner;
  std::cout << "timestamp: " << when(d->timestamp) << '\n';
  std::cout << "age at " << when(now) << ": "
            << (age.s >= 0 ? seconds_and_human(age)
                           : "signed " + human(negated(age)) + " in the future")
            << '\n';
  std::cout << "compressed: " << (d->compressed ? "yes" : "no") << '\n';
  std::cout << "signature: "
            << (d->mac_bytes == 32          ? "HMAC-SHA256"
                : p == profile_kind::django ? "HMAC-SHA1 (legacy)"
                                            : "HMAC-SHA1")
            << '\n';
  std::cout << "payload (UNVERIFIED): " << payload_json(d->payload, d->compressed) << '\n';
  const auto [e, times] = judge_times(p, d->timestamp, now, args.max_age_for(p));
  std::cout << "times: " << (e == crumb::errc::ok ? "valid" : crumb::name(e)) << ": " << times
            << '\n';
  if (!keys) {
    std::cout << "authentic: not checked (no secret: set CRUMB_SECRET to check it)\n";
    return 0;
  }
  if (p == profile_kind::django) {
    django_codec::options opts;
    opts.salt = args.salt_for(p);
    opts.accept_legacy_sha1 = args.legacy_sha1;
    inspect_signed_keys<django_codec>(p, token, *d, opts, args, *keys);
    return 0;
  }
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
  flask_codec::options opts;
  opts.salt = args.salt_for(p);
  inspect_signed_keys<flask_codec>(p, token, *d, opts, args, *keys);
#else
  std::cout << "authentic: not checked (this crumb is built without OpenSSL's libcrypto, "
               "whose HMAC-SHA1 flask needs)\n";
#endif
  return 0;
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
  // The whole ring first: two secrets with one key id are refused here as verify refuses
  // them, rather than the token being judged by whichever of the two comes first.
  [[maybe_unused]] const native_codec whole(keys, opts, crumb::fixed_clock::at_unix(h.issued_at));
  const std::optional<std::size_t> index = first_key_with_id(keys, h.id_hex());
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
  const profile_kind p = guess_profile(token);
  if (p != profile_kind::native) return inspect_signed(p, token, args, keys);

  const std::int64_t now = crumb::to_unix_seconds(args.clock.now());
  std::string why;
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
  std::cout << "at " << when(instant_of(args.clock.now())) << ": " << native_times(*h, now) << '\n';
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
  switch (*args.profile) {
    case profile_kind::native:
      return run_native(args);
    case profile_kind::flask:
#if defined(CRUMB_WITH_OPENSSL) && CRUMB_WITH_OPENSSL
      return run_flask(args);
#else
      throw usage_error{std::string(no_flask_text)};  // parse_arguments refused it already
#endif
    case profile_kind::django:
      break;
  }
  return run_django(args);
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
    std::cerr << e.what() << '\n';  // the library's messages start with "crumb: "
    return 2;
  }
}
