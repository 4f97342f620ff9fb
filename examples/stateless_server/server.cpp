// A stateless web server on cpp-httplib with crumb sessions. Run several of them with one
// secret and one store: any of them can serve any visitor, because the session travels in
// the cookie (or, when too big for one, in the shared store).
//
//   CRUMB_SECRET=... stateless_server --port 8101 --store DIR|redis://HOST:PORT|unix:///SOCKET
//                                     [--name A] [--host ADDR]
//
//   --store   a directory (private to this user; default ~/.cache/crumb/sessions), or a
//             Redis server: redis://HOST:PORT[/DB] or unix:///path/to/redis.sock
//             (password from CRUMB_REDIS_PASSWORD, ACL user from CRUMB_REDIS_USER)
//
//   GET  /health            "ok", no session
//   GET  /                  visit counter and the session as JSON (an HTML page with forms
//                           for every action below when the request accepts text/html)
//   POST /login?user=NAME   log in (cycle_key: fresh identity against fixation)
//   POST /logout            flush: empty the session, expire the cookie
//   POST /cart/add?item=X   POST /cart/remove?item=X
//   POST /history?n=K       append K page views, 1..1000 (grows the session past 4 KB)
//   POST /history/clear     forget them (the session moves back into the cookie)
//
// Parameters come in the query string or in a form's body (application/x-www-form-urlencoded).
// A browser (Accept: text/html) gets HTML: the page, an error page, and after a successful
// POST a 303 redirect to / (Post/Redirect/Get); every other client gets JSON as above.
//
// Replies: 400 for bad input, 409 when a concurrent request (a logout) deleted the session
// mid-request, 503 (Retry-After) when the session cannot be saved (the store cannot
// answer or is full, the session is too big): the visitor's cookie is then left untouched.
#include <crumb/adapter/httplib.hpp>
#include <crumb/crumb.hpp>
#if CRUMB_EXAMPLE_REDIS
#  include <crumb/store/redis.hpp>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "page.hpp"

namespace {

struct config {
  int port = 8101;
  std::string store;  // a directory, redis://..., or unix://...
  std::string name = "server";
  std::string host = "127.0.0.1";
};

int usage(const std::string& why) {
  std::cerr << "stateless_server: " << why << "\n"
            << "usage: CRUMB_SECRET=... stateless_server [--port N] [--host ADDR] [--name NAME]\n"
               "         [--store DIR | redis://HOST:PORT[/DB] | unix:///path/to/redis.sock]\n";
  return 2;
}

std::optional<config> parse_args(int argc, char** argv) {
  config c;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    c.store = std::string(home) + "/.cache/crumb/sessions";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i], v = argv[i + 1];
    if (flag == "--port") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), c.port);
      if (ec != std::errc() || end != v.data() + v.size() || c.port < 0 || c.port > 65535)
        return {};
    } else if (flag == "--store") {
      c.store = v;
    } else if (flag == "--name") {
      c.name = v;
    } else if (flag == "--host") {
      c.host = v;
    } else {
      return {};
    }
  }
  if (argc % 2 == 0 || c.store.empty()) return {};
  return c;
}

// --- input: every parameter is checked before it reaches the session -----------------

// The parameter, when present, 1..max bytes of printable UTF-8; nullopt otherwise.
std::optional<std::string> text_param(const httplib::Request& req, const char* name,
                                      std::size_t max) {
  if (!req.has_param(name)) return std::nullopt;
  std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > max || !simdjson::validate_utf8(v.data(), v.size()))
    return std::nullopt;
  for (const char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  return v;
}

std::optional<int> int_param(const httplib::Request& req, const char* name, int lo, int hi) {
  if (!req.has_param(name)) return std::nullopt;
  const std::string v = req.get_param_value(name);
  int n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) return std::nullopt;
  return n;
}

// What a handler decided: a note for the page, or a client error.
struct outcome {
  std::string note;
  int status = 200;
};
outcome bad_request(std::string why) { return {std::move(why), 400}; }

// --- the store: a directory or Redis, chosen at run time ------------------------------

crumb::store_limits example_limits() {
  crumb::store_limits limits;
  limits.max_entry_bytes = 64 * 1024;
  limits.max_bytes = 256u << 20;
  limits.max_entries = 100000;
  return limits;
}

// Runs `sweep` every minute until the server stops: expired entries leave the store.
class sweeper {
 public:
  template <class Sweep>
  explicit sweeper(Sweep sweep)
      : thread_([this, sweep]() mutable {
          std::unique_lock lock(mutex_);
          while (!stop_.load()) {
            wake_.wait_for(lock, std::chrono::seconds(60));
            if (!stop_.load()) sweep();
          }
        }) {}
  ~sweeper() {
    stop_ = true;
    wake_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

template <class Store>
using manager = crumb::django_sessions<Store>;
template <class Store>
using session = typename manager<Store>::session;

// What the page shows, including where the session lives now that it has been saved.
template <class Store>
page::view describe(const config& cfg, session<Store>& s, const httplib::Response& res,
                    std::string_view note) {
  page::view v;
  v.server = cfg.name;
  v.note = note;
  v.visits = s.template get<int>("visits", 0);
  if (s.contains("user")) v.user = s.template get<std::string>("user", "?");
  v.cart = s.template get<std::vector<std::string>>("cart", {});
  v.history = static_cast<std::int64_t>(
      s.template get<std::vector<std::string>>("history", {}).size());
  v.lives_in = s.in_store() ? "store" : "cookie";
  const auto [first, last] = res.headers.equal_range("Set-Cookie");
  for (auto it = first; it != last; ++it)
    v.set_cookie_bytes += static_cast<std::int64_t>(it->second.find(';'));
  if (s.load_error())
    v.rejected_cookie = crumb::name(static_cast<crumb::errc>(s.load_error().value()));
  return v;
}

// The response body for everyone but browsers.
std::string json_body(const page::view& v) {
  crumb::object body{{"server", v.server}, {"note", v.note}};
  body["visits"] = v.visits;
  body["user"] = v.user ? crumb::value(*v.user) : crumb::value(nullptr);
  body["cart"] = crumb::to_value(v.cart);
  body["history"] = v.history;
  body["lives_in"] = v.lives_in;
  body["set_cookie_bytes"] = v.set_cookie_bytes;
  if (v.rejected_cookie) body["rejected_cookie"] = *v.rejected_cookie;
  return crumb::json::to_string(body).value_or("{}") + "\n";
}

// A browser asks for HTML; curl, scripts and the tests ask for anything (or JSON).
bool wants_html(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/html") != std::string::npos;
}

template <class Store>
int serve(const config& cfg, const crumb::key_ring& keys, Store& store) {
  const manager<Store> sessions(keys, store);  // sessionid, HttpOnly, SameSite=Lax, spill
  crumb::httplib_sessions web(sessions);
  web.on_failure([&cfg](const crumb::commit_outcome& failed) {
    std::cerr << cfg.name << ": session not saved: " << failed.error.message() << " ("
              << failed.cause << ")\n";
  });
  const sweeper sweeps([&store] { store.sweep(); });

  httplib::Server server;
  server.set_tcp_nodelay(true);  // small responses on keep-alive: no Nagle delay
  server.set_keep_alive_max_count(1000);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  // A failure nobody planned for: a short 500, never an exception's text in a header.
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error\n", "text/plain");
  });

  // The adapter opens and commits; the page is written after the commit, so that it can
  // tell where the session now lives.
  const auto with_session = [&](auto action) {
    return [&, action](const httplib::Request& req, httplib::Response& res) {
      const bool html = wants_html(req);
      res.set_header("X-Crumb-Server", cfg.name);
      res.set_header("Vary", "Accept");  // the commit adds Cookie
      session<Store> s = web.open(req);
      const outcome done = action(req, s);
      if (done.status != 200) {
        res.status = done.status;
        res.set_content(done.note + "\n", "text/plain");
      } else if (html && req.method == "POST") {
        res.status = 303;  // Post/Redirect/Get: reloading the page posts nothing again
      }
      web.commit(s, res);  // may turn any of these into 503 or 409
      if (res.status == 303) {
        res.set_redirect("/", 303);
      } else if (res.status <= 0 || res.status == 200) {
        const page::view v = describe<Store>(cfg, s, res, done.note);
        if (html)
          res.set_content(page::html(v), "text/html; charset=utf-8");
        else
          res.set_content(json_body(v), "application/json");
      } else if (html) {
        res.set_content(page::error(res.status, res.body), "text/html; charset=utf-8");
      }
    };
  };

  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");  // no session: the baseline for benchmarks
  });
  server.Get("/", with_session([](const httplib::Request&, session<Store>& s) {
    s.set("visits", s.template get<int>("visits", 0) + 1);
    return outcome{"visit counted"};
  }));
  server.Post("/login", with_session([](const httplib::Request& req, session<Store>& s) {
    const auto user = req.has_param("user") ? text_param(req, "user", 64)
                                            : std::optional<std::string>("guest");
    if (!user) return bad_request("user: 1 to 64 printable UTF-8 bytes");
    s.cycle_key();  // a fresh identity at every privilege change
    s.set("user", *user);
    return outcome{"logged in"};
  }));
  server.Post("/logout", with_session([](const httplib::Request&, session<Store>& s) {
    s.flush();
    return outcome{"logged out"};
  }));
  server.Post("/cart/add", with_session([](const httplib::Request& req, session<Store>& s) {
    const auto item = text_param(req, "item", 64);
    if (!item) return bad_request("item: 1 to 64 printable UTF-8 bytes");
    auto cart = s.template get<std::vector<std::string>>("cart", {});
    if (cart.size() >= 100) return bad_request("the cart is full");
    cart.push_back(*item);
    s.set("cart", cart);
    return outcome{"added " + *item};
  }));
  server.Post("/cart/remove", with_session([](const httplib::Request& req, session<Store>& s) {
    const auto item = text_param(req, "item", 64);
    if (!item) return bad_request("item: 1 to 64 printable UTF-8 bytes");
    auto cart = s.template get<std::vector<std::string>>("cart", {});
    std::erase(cart, *item);
    s.set("cart", cart);
    return outcome{"removed " + *item};
  }));
  server.Post("/history", with_session([](const httplib::Request& req, session<Store>& s) {
    const auto n = req.has_param("n") ? int_param(req, "n", 1, 1000) : 1;
    if (!n) return bad_request("n: a whole number from 1 to 1000");
    auto history = s.template get<std::vector<std::string>>("history", {});
    for (int i = 0; i < *n; ++i)
      history.push_back("/products/" + std::to_string(history.size()) +
                        "?ref=recommendations&utm_source=newsletter&utm_campaign=winter-sale-" +
                        crumb::new_store_id());
    s.set("history", history);
    return outcome{"viewed " + std::to_string(*n) + " pages"};
  }));
  server.Post("/history/clear", with_session([](const httplib::Request&, session<Store>& s) {
    s.erase("history");
    return outcome{"history cleared"};
  }));

  if (!server.bind_to_port(cfg.host, cfg.port)) {
    std::cerr << "stateless_server: cannot listen on " << cfg.host << ":" << cfg.port << "\n";
    return 1;
  }
  // cpp-httplib listens with a backlog of 5; a burst of visitors needs more (Linux lets a
  // listening socket's backlog be raised by calling listen() again).
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  std::cout << cfg.name << " listening on http://" << cfg.host << ":" << cfg.port << std::endl;
  return server.listen_after_bind() ? 0 : 1;
}

#if CRUMB_EXAMPLE_REDIS
// redis://HOST:PORT[/DB] or unix:///path/to/redis.sock; nullopt when neither.
std::optional<crumb::redis_store::options> redis_options(std::string_view url) {
  crumb::redis_store::options opts;
  if (const char* p = std::getenv("CRUMB_REDIS_PASSWORD")) opts.password = p;
  if (const char* u = std::getenv("CRUMB_REDIS_USER")) opts.username = u;
  opts.limits = example_limits();
  if (url.starts_with("unix://")) {
    opts.unix_socket = url.substr(7);
    return opts.unix_socket.empty() ? std::nullopt : std::optional(opts);
  }
  url.remove_prefix(8);  // "redis://"
  const std::size_t slash = url.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view db = url.substr(slash + 1);
    if (std::from_chars(db.data(), db.data() + db.size(), opts.database).ptr != db.end())
      return std::nullopt;
    url = url.substr(0, slash);
  }
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  opts.host = url.substr(0, colon);
  const std::string_view port = url.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), opts.port);
  if (ec != std::errc() || end != port.data() + port.size()) return std::nullopt;
  return opts;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const auto cfg = parse_args(argc, argv);
  if (!cfg) return usage("bad arguments");
  const char* secret = std::getenv("CRUMB_SECRET");
  if (secret == nullptr || *secret == '\0') return usage("set CRUMB_SECRET");
  std::vector<std::string> fallbacks;
  if (const char* f = std::getenv("CRUMB_SECRET_FALLBACKS")) {
    std::string all = f;
    for (std::size_t at = 0; at <= all.size();) {
      const std::size_t nl = std::min(all.find('\n', at), all.size());
      if (nl > at) fallbacks.push_back(all.substr(at, nl - at));
      at = nl + 1;
    }
  }
  const crumb::key_ring keys(secret, fallbacks);

  if (cfg->store.starts_with("redis://") || cfg->store.starts_with("unix://")) {
#if CRUMB_EXAMPLE_REDIS
    const auto opts = redis_options(cfg->store);
    if (!opts) return usage("--store: redis://HOST:PORT[/DB] or unix:///path/to/redis.sock");
    crumb::redis_store store(*opts);
    return serve(*cfg, keys, store);
#else
    return usage("this build has no Redis store (hiredis was not found)");
#endif
  }
  try {
    crumb::file_store store(cfg->store, example_limits());
    return serve(*cfg, keys, store);
  } catch (const std::system_error& e) {  // not a private directory: refuse to start
    std::cerr << "stateless_server: " << e.what() << "\n";
    return 1;
  }
}
