// What a logged-in request costs beyond its session: crumb::auth's check of the login
// hash (one HMAC-SHA256 per secret), and with revocations the one store read per request
// it adds, on each store; CSRF's verify and get_token. Every row opens the session from
// its cookie (verify + decode of a small session) first, and `session/open` is that alone,
// so each row's extra over it is what the feature costs. The file store reads a page-cached
// file; Redis (when CRUMB_REDIS_PORT names a running server) is a round trip on loopback.
#include <benchmark/benchmark.h>

#include <crumb/crumb.hpp>
#if defined(CRUMB_BENCH_REDIS) && CRUMB_BENCH_REDIS
#  include <crumb/store/redis.hpp>
#endif
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace {

const std::string secret = "django-insecure-bench-secret-0123456789abcdefghijklmnop";
const std::string password_field =
    "pbkdf2_sha256$260000$W2mBuP0fZbmzkQyPlvMYnl$w2DpaE/kZIbcrAuFCH5Nb4OJmy+JdT4dhEbu3sVRkXI=";

// A site's sessions and one logged-in visitor's cookie (a small cart, the login keys, a
// CSRF secret, as the example's), logged in through `auth`.
struct visitor {
  crumb::memory_store sessions;
  const crumb::basic_session_manager<crumb::profile::django, crumb::memory_store> m{
      crumb::key_ring(secret), sessions};
  std::string cookie;

  template <class Auth>
  explicit visitor(const Auth& auth) {
    auto s = m.open("");
    s.set("cart", std::vector<std::string>{"tea", "cake"});
    if (auth.login(s, "42", password_field) != crumb::errc::ok) std::abort();
    (void)crumb::csrf::get_token(s);
    cookie = "sessionid=" + m.commit(s, 200).cookies.at(0).value;
  }
};

// A visitor logged in without revocations.
visitor plain_visitor() { return visitor(crumb::auth::authenticator{crumb::key_ring(secret)}); }

const auto lookup = [](const std::string&) -> std::optional<std::string> { return password_field; };

template <class Store>
void run_current_user(benchmark::State& state, Store* revocations) {
  const crumb::auth::basic_authenticator<Store> auth(crumb::key_ring(secret), {}, revocations);
  const visitor v(auth);
  if (revocations != nullptr && !auth.revoke_all("someone else")) std::abort();
  for (auto _ : state) {
    auto s = v.m.open(v.cookie);
    auto user = auth.current_user(s, lookup);
    if (!user) state.SkipWithError("not logged in");
    benchmark::DoNotOptimize(user);
  }
}

void session_open(benchmark::State& state) {
  const visitor v = plain_visitor();
  for (auto _ : state) {
    auto s = v.m.open(v.cookie);
    benchmark::DoNotOptimize(s.data().size());
  }
}
BENCHMARK(session_open)->Name("session/open");

void current_user_plain(benchmark::State& state) {
  run_current_user<crumb::memory_store>(state, nullptr);
}
BENCHMARK(current_user_plain)->Name("auth/current_user");

void current_user_memory(benchmark::State& state) {
  crumb::memory_store store;
  run_current_user(state, &store);
}
BENCHMARK(current_user_memory)->Name("auth/current_user+revocations/memory_store");

void current_user_file(benchmark::State& state) {
  char tmpl[] = "/tmp/crumb-auth-bench-XXXXXX";
  const std::filesystem::path dir = mkdtemp(tmpl);
  {
    crumb::file_store store(dir);
    run_current_user(state, &store);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(current_user_file)->Name("auth/current_user+revocations/file_store");

#if defined(CRUMB_BENCH_REDIS) && CRUMB_BENCH_REDIS
void current_user_redis(benchmark::State& state) {
  const char* port = std::getenv("CRUMB_REDIS_PORT");
  if (port == nullptr || *port == '\0') {
    state.SkipWithError("set CRUMB_REDIS_PORT to a running redis-server");
    for (auto _ : state) {
    }
    return;
  }
  crumb::redis_store::options opts;
  opts.port = std::atoi(port);
  opts.prefix = "crumb-bench:";
  crumb::redis_store store(opts);
  run_current_user(state, &store);
}
BENCHMARK(current_user_redis)->Name("auth/current_user+revocations/redis_store");
#endif

void csrf_verify(benchmark::State& state) {
  const visitor v = plain_visitor();
  auto first = v.m.open(v.cookie);
  const std::string token = crumb::csrf::get_token(first).value();
  for (auto _ : state) {
    auto s = v.m.open(v.cookie);
    if (crumb::csrf::verify(s, token) != crumb::errc::ok) state.SkipWithError("refused");
  }
}
BENCHMARK(csrf_verify)->Name("csrf/verify");

void csrf_get_token(benchmark::State& state) {
  const visitor v = plain_visitor();
  for (auto _ : state) {
    auto s = v.m.open(v.cookie);
    auto token = crumb::csrf::get_token(s);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(csrf_get_token)->Name("csrf/get_token");

}  // namespace

BENCHMARK_MAIN();
