// tag::hello_beast[]
// The shortest crumb server on Boost.Beast: a visit counter, sessions in a signed cookie,
// one connection at a time (examples/beast_server is the asynchronous one).
//   CRUMB_SECRET=... hello_beast [PORT]
#include <crumb/adapter/beast.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <cstdlib>
#include <string>

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

int main(int argc, char** argv) {
  const char* secret = std::getenv("CRUMB_SECRET");
  if (secret == nullptr || *secret == '\0') return 2;
  const crumb::django_sessions<> sessions{crumb::key_ring(secret)};
  const crumb::beast_sessions web(sessions);
  boost::asio::io_context io;
  const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 8080);
  tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), port});
  for (;;) {
    tcp::socket socket = acceptor.accept();
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    boost::beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    auto session = web.open(req);
    const int visits = session.get("visits", 0) + 1;
    session.set("visits", visits);
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = "visits: " + std::to_string(visits) + "\n";
    web.commit(session, res);
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
  }
}
// end::hello_beast[]
