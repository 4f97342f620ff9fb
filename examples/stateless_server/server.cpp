// A stateless web server on cpp-httplib with crumb sessions. Run several of them with one
// secret and one store directory: any of them can serve any visitor, because the session
// travels in the cookie (or, when too big for one, in the shared file store).
//
//   CRUMB_SECRET=... stateless_server --port 8101 --store /tmp/crumb-store [--name A]
//
//   GET  /                  visit counter and the session as JSON
//   POST /login?user=NAME   log in (cycle_key: fresh identity against fixation)
//   POST /logout            flush: empty the session, expire the cookie
//   POST /cart/add?item=X   POST /cart/remove?item=X
//   POST /history?n=K       append K page views (grows the session past 4 KB)
//   POST /history/clear     forget them (the session moves back into the cookie)
#include <crumb/crumb.hpp>
#include <httplib.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <algorithm>
#include <string>
#include <vector>

namespace {

struct config {
  int port = 8101;
  std::string store_dir = "/tmp/crumb-store";
  std::string name = "server";
  std::string host = "127.0.0.1";
};

int usage(const char* why) {
  std::cerr << "stateless_server: " << why << "\n"
            << "usage: CRUMB_SECRET=... stateless_server [--port N] [--store DIR] [--name NAME]"
               " [--host ADDR]\n";
  return 2;
}

std::optional<config> parse_args(int argc, char** argv) {
  config c;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i], v = argv[i + 1];
    if (flag == "--port") {
      if (std::from_chars(v.data(), v.data() + v.size(), c.port).ec != std::errc()) return {};
    } else if (flag == "--store") {
      c.store_dir = v;
    } else if (flag == "--name") {
      c.name = v;
    } else if (flag == "--host") {
      c.host = v;
    } else {
      return {};
    }
  }
  if (argc % 2 == 0) return {};
  return c;
}

using session = crumb::basic_session<crumb::django_codec, crumb::file_store>;

// The response body: what the page would show, plus where the session lives.
std::string describe(const config& cfg, session& s, const std::vector<std::string>& cookies,
                     std::string_view note) {
  crumb::object body{{"server", cfg.name}, {"note", note}};
  body["visits"] = s.get<int>("visits", 0);
  body["user"] = s.contains("user") ? crumb::value(s.get<std::string>("user", "?"))
                                     : crumb::value(nullptr);
  body["cart"] = crumb::to_value(s.get<std::vector<std::string>>("cart", {}));
  body["history"] = static_cast<std::int64_t>(s.get<std::vector<std::string>>("history", {}).size());
  body["lives_in"] = s.in_store() ? "store" : "cookie";
  std::size_t cookie_bytes = 0;
  for (const auto& c : cookies) cookie_bytes += c.substr(0, c.find(';')).size();
  body["set_cookie_bytes"] = static_cast<std::int64_t>(cookie_bytes);
  if (s.load_error()) body["rejected_cookie"] = crumb::name(static_cast<crumb::errc>(s.load_error().value()));
  return crumb::json::to_string(body).value() + "\n";
}

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
  crumb::file_store store(cfg->store_dir);
  crumb::session_settings settings;  // defaults: sessionid, HttpOnly, SameSite=Lax, spill

  httplib::Server server;
  // One codec per worker thread: a codec holds reusable buffers and is not thread-safe.
  const auto with_session = [&](auto action) {
    return [&, action](const httplib::Request& req, httplib::Response& res) {
      thread_local crumb::django_codec codec(keys);
      std::string cookie_header;
      for (std::size_t i = 0; i < req.get_header_value_count("Cookie"); ++i)
        cookie_header += (i ? "; " : "") + req.get_header_value("Cookie", i);
      session s(codec, &store, settings);
      s.load(cookie_header);
      const std::string note = action(req, s);
      const auto cookies = s.save();
      if (!cookies) {
        res.status = 500;
        res.set_content("session not saved: " + cookies.error().message() + "\n", "text/plain");
        return;
      }
      for (const auto& c : *cookies) res.set_header("Set-Cookie", c);
      res.set_header("X-Crumb-Server", cfg->name);
      res.set_content(describe(*cfg, s, *cookies, note), "application/json");
    };
  };

  server.Get("/", with_session([](const httplib::Request&, session& s) {
    s.set("visits", s.get<int>("visits", 0) + 1);
    return std::string("visit counted");
  }));
  server.Post("/login", with_session([](const httplib::Request& req, session& s) {
    s.cycle_key();  // a fresh identity at every privilege change
    s.set("user", req.has_param("user") ? req.get_param_value("user") : std::string("guest"));
    return std::string("logged in");
  }));
  server.Post("/logout", with_session([](const httplib::Request&, session& s) {
    s.flush();
    return std::string("logged out");
  }));
  server.Post("/cart/add", with_session([](const httplib::Request& req, session& s) {
    auto cart = s.get<std::vector<std::string>>("cart", {});
    cart.push_back(req.get_param_value("item"));
    s.set("cart", cart);
    return "added " + req.get_param_value("item");
  }));
  server.Post("/cart/remove", with_session([](const httplib::Request& req, session& s) {
    auto cart = s.get<std::vector<std::string>>("cart", {});
    std::erase(cart, req.get_param_value("item"));
    s.set("cart", cart);
    return "removed " + req.get_param_value("item");
  }));
  server.Post("/history", with_session([](const httplib::Request& req, session& s) {
    auto history = s.get<std::vector<std::string>>("history", {});
    const int n = req.has_param("n") ? std::atoi(req.get_param_value("n").c_str()) : 1;
    for (int i = 0; i < n && i < 10000; ++i)
      history.push_back("/products/" + std::to_string(history.size()) +
                        "?ref=recommendations&utm_source=newsletter&utm_campaign=winter-sale-" +
                        crumb::new_store_id());
    s.set("history", history);
    return "viewed " + std::to_string(n) + " pages";
  }));
  server.Post("/history/clear", with_session([](const httplib::Request&, session& s) {
    s.erase("history");
    return std::string("history cleared");
  }));

  std::cout << cfg->name << " listening on http://" << cfg->host << ":" << cfg->port << std::endl;
  if (!server.listen(cfg->host, cfg->port)) {
    std::cerr << "stateless_server: cannot listen on " << cfg->host << ":" << cfg->port << "\n";
    return 1;
  }
}
