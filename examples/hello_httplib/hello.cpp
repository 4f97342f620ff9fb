// tag::hello_httplib[]
// The shortest crumb server: a visit counter on cpp-httplib, sessions in a signed cookie.
//   CRUMB_SECRET=... hello_httplib [PORT]
#include <crumb/adapter/httplib.hpp>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const char* secret = std::getenv("CRUMB_SECRET");
  if (secret == nullptr || *secret == '\0') return 2;
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::httplib_sessions web(sessions);
  httplib::Server server;
  server.Get("/", web.wrap([](const httplib::Request&, httplib::Response& res, auto& session) {
    const int visits = session.get("visits", 0) + 1;
    session.set("visits", visits);
    res.set_content("visits: " + std::to_string(visits) + "\n", "text/plain");
  }));
  server.listen("127.0.0.1", argc > 1 ? std::atoi(argv[1]) : 8080);
}
// end::hello_httplib[]
