// `crumb`: sign and verify session tokens from the shell, byte-compatible with Django.
//   crumb sign   --profile django [--salt S] [--now UNIX] [--no-compress]        < object.json
//   crumb verify --profile django [--salt S] [--max-age SECONDS|none] [--now UNIX] < token
// Secrets never come from argv: CRUMB_SECRET or --secret-file; fallbacks (one per line)
// from CRUMB_SECRET_FALLBACKS or --fallback-file. Exit: 0 ok, 1 rejected input, 2 usage.
#include <crumb/crumb.hpp>

#include <charconv>
#include <chrono>
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

using cli_codec = crumb::basic_codec<crumb::profile::django, crumb::zlib_compression,
                                     crumb::default_hmac_sha256, crumb::fixed_clock>;

constexpr std::string_view usage_text =
    "usage: crumb sign   --profile django [--salt SALT] [--now UNIX_SECONDS] [--no-compress]\n"
    "       crumb verify --profile django [--salt SALT] [--max-age SECONDS|none]\n"
    "                    [--now UNIX_SECONDS] [--accept-legacy-sha1]\n"
    "  sign reads a JSON object on stdin and prints the token;\n"
    "  verify reads a token on stdin and prints the session as compact JSON.\n"
    "  secret: $CRUMB_SECRET or --secret-file FILE; fallback secrets, one per line:\n"
    "  $CRUMB_SECRET_FALLBACKS or --fallback-file FILE.\n"
    "  exit status: 0 success, 1 input rejected (reason on stderr), 2 usage error\n";

struct usage_error {
  std::string message;
};

struct arguments {
  std::string command;
  std::string salt = std::string(crumb::profile::django::session_salt);
  std::optional<std::int64_t> now;
  std::optional<std::chrono::seconds> max_age = crumb::profile::django::default_max_age;
  bool compress = true;
  bool legacy_sha1 = false;
  std::optional<std::string> secret_file;
  std::optional<std::string> fallback_file;
};

std::int64_t parse_int(std::string_view flag, std::string_view text) {
  std::int64_t n = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw usage_error{std::string(flag) + " wants an integer, got '" + std::string(text) + "'"};
  return n;
}

arguments parse_arguments(int argc, char** argv) {
  if (argc < 2) throw usage_error{"missing command"};
  arguments args;
  args.command = argv[1];
  if (args.command != "sign" && args.command != "verify")
    throw usage_error{"unknown command '" + args.command + "'"};
  bool profile_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const auto operand = [&]() -> std::string_view {
      if (i + 1 >= argc) throw usage_error{std::string(flag) + " needs a value"};
      return argv[++i];
    };
    if (flag == "--profile") {
      if (operand() != "django") throw usage_error{"only --profile django is supported"};
      profile_given = true;
    } else if (flag == "--salt") {
      args.salt = operand();
    } else if (flag == "--now") {
      args.now = parse_int(flag, operand());
      if (*args.now < 0 || *args.now > crumb::max_unix_seconds)
        throw usage_error{"--now must be between 0 and " + std::to_string(crumb::max_unix_seconds)};
    } else if (flag == "--max-age" && args.command == "verify") {
      const std::string_view v = operand();
      if (v == "none") {
        args.max_age.reset();
      } else {
        const std::int64_t seconds = parse_int(flag, v);
        if (seconds < 0) throw usage_error{"--max-age must not be negative"};
        args.max_age = std::chrono::seconds(seconds);
      }
    } else if (flag == "--no-compress" && args.command == "sign") {
      args.compress = false;
    } else if (flag == "--accept-legacy-sha1" && args.command == "verify") {
      args.legacy_sha1 = true;
    } else if (flag == "--secret-file") {
      args.secret_file = operand();
    } else if (flag == "--fallback-file") {
      args.fallback_file = operand();
    } else {
      throw usage_error{"unknown option '" + std::string(flag) + "' for " + args.command};
    }
  }
  if (!profile_given) throw usage_error{"--profile is required"};
  return args;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error{"cannot read " + path};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
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

crumb::key_ring load_keys(const arguments& args) {
  std::string secret;
  if (args.secret_file) {
    secret = strip_trailing_newlines(read_file(*args.secret_file));
  } else if (const char* env = std::getenv("CRUMB_SECRET")) {
    secret = env;
  }
  if (secret.empty()) throw usage_error{"no secret: set CRUMB_SECRET or pass --secret-file"};
  std::vector<std::string> fallbacks;
  if (args.fallback_file) {
    fallbacks = lines_of(read_file(*args.fallback_file));
  } else if (const char* env = std::getenv("CRUMB_SECRET_FALLBACKS")) {
    fallbacks = lines_of(env);
  }
  return crumb::key_ring(std::move(secret), std::move(fallbacks));
}

int fail(crumb::errc e) {
  std::cerr << crumb::name(e) << '\n';
  return 1;
}

int run(const arguments& args) {
  cli_codec::options opts;
  opts.salt = args.salt;
  opts.max_age = args.max_age;
  opts.compress = args.compress;
  opts.accept_legacy_sha1 = args.legacy_sha1;
  const crumb::fixed_clock clock =
      args.now ? crumb::fixed_clock::at_unix(*args.now) : crumb::fixed_clock{crumb::system_clock{}.now()};
  cli_codec codec(load_keys(args), opts, clock);
  const std::string input{std::istreambuf_iterator<char>(std::cin),
                          std::istreambuf_iterator<char>()};

  if (args.command == "sign") {
    crumb::json::reader reader(crumb::json::limits{opts.max_json_bytes, opts.max_depth});
    crumb::value session;
    if (const crumb::errc e = reader.read(input, session); e != crumb::errc::ok) return fail(e);
    if (!session.is_object()) return fail(crumb::errc::type_mismatch);
    std::string token;
    if (const crumb::errc e = codec.encode_into(session, token); e != crumb::errc::ok)
      return fail(e);
    std::cout << token << '\n';
    return 0;
  }

  crumb::value session;
  if (const crumb::errc e = codec.decode_into(trim_whitespace(input), session);
      e != crumb::errc::ok)
    return fail(e);
  std::string json;
  if (const crumb::errc e = crumb::json::write(session, json, opts.max_depth); e != crumb::errc::ok)
    return fail(e);
  std::cout << json << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << usage_text;
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::cout << "crumb " << crumb::version_string << '\n';
    return 0;
  }
  try {
    return run(parse_arguments(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "crumb: " << e.message << '\n' << usage_text;
    return 2;
  } catch (const std::invalid_argument& e) {  // e.g. legacy SHA-1 without libcrypto
    std::cerr << "crumb: " << e.what() << '\n';
    return 2;
  }
}
