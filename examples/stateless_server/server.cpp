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
//   GET  /                  visit counter, the session as JSON with the flash messages and a
//                           CSRF token (an HTML page with a form for every action below when
//                           the request accepts text/html)
//   POST /login user=NAME password=PW   log in (the first login under a name creates the
//                           account); a fresh identity and CSRF token (crumb::auth)
//   POST /logout            flush: empty the session, expire the cookie (the next page
//                           makes a new session for its CSRF token)
//   POST /logout/everywhere end every session of this user, on every server (revocation)
//   POST /password password=OLD new_password=NEW   change it: every other session of the
//                           user ends at its next request, this one stays logged in
//   POST /cart/add item=X   POST /cart/remove item=X
//   POST /history n=K       append K page views, 1..1000 (grows the session past 4 KB)
//   POST /history/clear     forget them (the session moves back into the cookie)
//
// Every POST carries the session's CSRF token (the form field csrfmiddlewaretoken or the
// header X-CSRFToken, Django's names): 403 without it. Parameters come in the query string
// or in a form's body (application/x-www-form-urlencoded; multipart forms are not read);
// the token and passwords only in the body, so that they never land in logs. A browser (Accept:
// text/html) gets HTML: the page, an error page, and after a successful POST a 303 redirect to /
// (Post/Redirect/Get); every other client gets JSON as above. Flash messages (login,
// logout, password change) are shown once, on the next page.
//
// Replies: 400 for bad input, 403 for a missing or wrong CSRF token or password, 409 when a
// concurrent request (a logout) deleted the session mid-request, 503 (Retry-After) when the
// session cannot be read or saved (the store cannot answer or is full, the session is too
// big): the visitor's cookies (session and messages) are then left untouched. A logged-in
// visitor's requests read the store (the account's password field and the revocation
// generation), so they answer 503 while it is down, even for a session in the cookie.
// Accounts and generations are entries of the session store and count against its limits.
#include <crumb/adapter/httplib.hpp>
#include <crumb/crumb.hpp>
#include <crumb/messages.hpp>
#if CRUMB_EXAMPLE_REDIS
#  include <crumb/store/redis.hpp>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accounts.hpp"
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

// A field of the request's form body only (application/x-www-form-urlencoded), never of
// the query string: what must not land in logs and Referer headers (the CSRF token, as
// Django reads it from request.POST, and passwords). Checked as text_param().
std::optional<std::string> body_param(const httplib::Request& req, const char* name,
                                      std::size_t max) {
  // The media type is case-insensitive (RFC 9110), parameters (charset) may follow.
  std::string type = req.get_header_value("Content-Type");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!type.starts_with("application/x-www-form-urlencoded")) return std::nullopt;
  httplib::Request form;
  httplib::detail::parse_query_text(req.body, form.params);
  return text_param(form, name, max);
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
outcome forbidden(std::string why) { return {std::move(why), 403}; }
outcome unavailable(std::string why) { return {std::move(why), 503}; }

// The reply to a password check that did not pass; nullopt when it did.
std::optional<outcome> refusal(example::login_check check) {
  switch (check) {
    case example::login_check::ok:
      return std::nullopt;
    case example::login_check::wrong_password:
      return forbidden("wrong password");
    case example::login_check::busy:
      return unavailable("too many logins at once");
    case example::login_check::store_error:
      break;
  }
  return unavailable("account store unavailable");
}

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

// What a request's handler works with: its session, the user it is logged in as (checked
// by crumb::auth against the account's password field and revocations), its flash
// messages.
template <class Store>
struct request_context {
  session<Store>& s;
  crumb::messages::storage<session<Store>>& messages;
  std::optional<std::string> user;
};

// What the page shows, including where the session lives now that it has been saved.
template <class Store>
page::view describe(const config& cfg, request_context<Store>& ctx, const httplib::Response& res,
                    std::string_view note, std::string csrf_token,
                    std::vector<crumb::messages::message> shown) {
  session<Store>& s = ctx.s;
  page::view v;
  v.server = cfg.name;
  v.note = note;
  v.visits = s.template get<int>("visits", 0);
  v.user = ctx.user;
  v.cart = s.template get<std::vector<std::string>>("cart", {});
  v.history =
      static_cast<std::int64_t>(s.template get<std::vector<std::string>>("history", {}).size());
  v.lives_in = s.in_store() ? "store" : "cookie";
  const auto [first, last] = res.headers.equal_range("Set-Cookie");
  for (auto it = first; it != last; ++it)
    if (it->second.starts_with("sessionid"))
      v.set_cookie_bytes += static_cast<std::int64_t>(it->second.find(';'));
  if (s.load_error())
    v.rejected_cookie = crumb::name(static_cast<crumb::errc>(s.load_error().value()));
  v.csrf_token = std::move(csrf_token);
  for (crumb::messages::message& m : shown)
    v.messages.push_back({std::string(m.level_tag()), std::move(m.text)});
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
  body["csrf_token"] = v.csrf_token;
  crumb::array shown;
  for (const page::flash& m : v.messages)
    shown.emplace_back(crumb::object{{"level", m.level}, {"text", m.text}});
  body["messages"] = std::move(shown);
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
  // Logins as Django's, revoked through the shared store; accounts in the same store.
  const crumb::auth::basic_authenticator<Store> auth(keys, {}, &store);
  const example::accounts<Store> accounts(store);
  const auto password_of = [&accounts](const std::string& user) {
    return accounts.password_field(user);
  };
  const crumb::messages::config flash(keys, sessions.settings());
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
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain");
      });

  // Before any action: a POST must carry the session's CSRF token, and the login the
  // session holds is checked (a changed password or a revocation ends it here).
  const auto prepare = [&](const httplib::Request& req, request_context<Store>& ctx) -> outcome {
    if (req.method == "POST") {
      const std::string field =
          body_param(req, std::string(crumb::csrf::form_field).c_str(), 64).value_or("");
      const std::string header =
          req.get_header_value(std::string(crumb::csrf::header_name).c_str());
      const crumb::errc e = crumb::csrf::verify(ctx.s, crumb::csrf::submitted_token(field, header));
      if (e == crumb::errc::store_unavailable) return unavailable("session store unavailable");
      if (e != crumb::errc::ok) return forbidden("CSRF token missing or incorrect");
    }
    auto user = auth.current_user(ctx.s, password_of);
    if (user) {
      ctx.user = std::move(*user);
    } else if (user.error() == crumb::errc::auth_hash_mismatch) {
      (void)ctx.messages.add(crumb::messages::warning, "Your password was changed: log in again.");
    } else if (user.error() == crumb::errc::revoked) {
      (void)ctx.messages.add(crumb::messages::warning, "You were logged out everywhere.");
    } else if (user.error() != crumb::errc::not_found) {
      return unavailable("session store unavailable");
    }
    return outcome{};
  };

  // The adapter opens and commits; the page is written after the commit, so that it can
  // tell where the session now lives.
  const auto with_session = [&](auto action) {
    return [&, action](const httplib::Request& req, httplib::Response& res) {
      const bool html = wants_html(req);
      res.set_header("X-Crumb-Server", cfg.name);
      res.set_header("Vary", "Accept");  // the commit adds Cookie
      session<Store> s = web.open(req);
      crumb::messages::storage<session<Store>> messages(flash, web.cookie_header(req), s);
      request_context<Store> ctx{s, messages, std::nullopt};
      outcome done = prepare(req, ctx);
      if (done.status == 200) done = action(req, ctx);
      const bool redirect = done.status == 200 && html && req.method == "POST";
      // A page shows the messages (once) and carries a CSRF token for its forms; both may
      // change the session, so they come before the commit.
      // A session emptied by the action (a logout) gets no token: its cookie is deleted,
      // and the next page makes one.
      std::string csrf_token;
      std::vector<crumb::messages::message> shown;
      if (done.status == 200 && !redirect) {
        shown = messages.read();
        if (req.method != "POST" || !s.empty()) csrf_token = crumb::csrf::get_token(s).value_or("");
      }
      if (done.status != 200) {
        res.status = done.status;
        if (done.status == 503) res.set_header("Retry-After", "1");
        res.set_content(done.note + "\n", "text/plain");
      } else if (redirect) {
        res.status = 303;  // Post/Redirect/Get: reloading the page posts nothing again
      }
      // The messages' commit may move some into the session, so it comes first; their
      // cookie is sent only if the session is saved too, so that a failed request (503,
      // 409) changes no cookie at all and no message is lost unseen.
      std::vector<crumb::cookie::set_cookie> flash_cookies;
      if (done.status < 500) {
        if (auto c = messages.commit())
          flash_cookies = std::move(*c);
        else
          std::cerr << cfg.name << ": messages not saved: " << c.error().message() << "\n";
      }
      web.commit(s, res);  // may turn any of these into 500, 503 or 409
      if (res.status < 500 && res.status != 409)
        for (const crumb::cookie::set_cookie& c : flash_cookies)
          res.set_header("Set-Cookie", c.render());
      if (res.status == 303) {
        res.set_redirect("/", 303);
      } else if (res.status <= 0 || res.status == 200) {
        const page::view v =
            describe<Store>(cfg, ctx, res, done.note, std::move(csrf_token), std::move(shown));
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
  using context = request_context<Store>;
  server.Get("/", with_session([](const httplib::Request&, context& ctx) {
               ctx.s.set("visits", ctx.s.template get<int>("visits", 0) + 1);
               return outcome{"visit counted"};
             }));
  server.Post("/login", with_session([&](const httplib::Request& req, context& ctx) {
                const auto user = text_param(req, "user", 64);
                if (!user) return bad_request("user: 1 to 64 printable UTF-8 bytes");
                const auto password = body_param(req, "password", 256);
                if (!password)
                  return bad_request("password (in the form body): 1 to 256 printable UTF-8 bytes");
                std::string field;
                if (auto refused = refusal(accounts.log_in(*user, *password, field)))
                  return *refused;
                // A fresh identity (against fixation), Django's three keys, a fresh CSRF token.
                if (auth.login(ctx.s, *user, field) != crumb::errc::ok)
                  return unavailable("account store unavailable");
                ctx.user = *user;
                (void)ctx.messages.add(crumb::messages::success, "Welcome, " + *user + ".");
                return outcome{"logged in"};
              }));
  server.Post("/logout", with_session([](const httplib::Request&, context& ctx) {
                crumb::auth::logout(ctx.s);
                ctx.user.reset();
                (void)ctx.messages.add(crumb::messages::info, "Logged out.");
                return outcome{"logged out"};
              }));
  server.Post("/logout/everywhere", with_session([&](const httplib::Request&, context& ctx) {
                if (!ctx.user) return forbidden("not logged in");
                if (!auth.revoke_all(*ctx.user)) return unavailable("revocation store unavailable");
                crumb::auth::logout(ctx.s);
                ctx.user.reset();
                (void)ctx.messages.add(crumb::messages::info, "Logged out everywhere.");
                return outcome{"logged out everywhere"};
              }));
  server.Post("/password", with_session([&](const httplib::Request& req, context& ctx) {
                if (!ctx.user) return forbidden("not logged in");
                const auto old_password = body_param(req, "password", 256);
                const auto new_password = body_param(req, "new_password", 256);
                if (!old_password || !new_password)
                  return bad_request(
                      "password, new_password (in the form body): 1 to 256 printable UTF-8 bytes");
                std::string field;
                if (auto refused = refusal(accounts.check(*ctx.user, *old_password, field)))
                  return *refused;
                auto changed = accounts.set_password(*ctx.user, *new_password);
                if (!changed) return unavailable("account store unavailable");
                // This session stays logged in under the new password; every other one fails its
                // hash check from now on.
                if (auth.update_session_hash(ctx.s, *ctx.user, *changed) != crumb::errc::ok)
                  return forbidden("not logged in");
                (void)ctx.messages.add(crumb::messages::success,
                                       "Password changed: your other sessions are logged out.");
                return outcome{"password changed"};
              }));
  server.Post("/cart/add", with_session([](const httplib::Request& req, context& ctx) {
                session<Store>& s = ctx.s;
                const auto item = text_param(req, "item", 64);
                if (!item) return bad_request("item: 1 to 64 printable UTF-8 bytes");
                auto cart = s.template get<std::vector<std::string>>("cart", {});
                if (cart.size() >= 100) return bad_request("the cart is full");
                cart.push_back(*item);
                s.set("cart", cart);
                return outcome{"added " + *item};
              }));
  server.Post("/cart/remove", with_session([](const httplib::Request& req, context& ctx) {
                session<Store>& s = ctx.s;
                const auto item = text_param(req, "item", 64);
                if (!item) return bad_request("item: 1 to 64 printable UTF-8 bytes");
                auto cart = s.template get<std::vector<std::string>>("cart", {});
                std::erase(cart, *item);
                s.set("cart", cart);
                return outcome{"removed " + *item};
              }));
  server.Post(
      "/history", with_session([](const httplib::Request& req, context& ctx) {
        session<Store>& s = ctx.s;
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
  server.Post("/history/clear", with_session([](const httplib::Request&, context& ctx) {
                session<Store>& s = ctx.s;
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
