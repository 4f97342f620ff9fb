// An asynchronous Boost.Beast server with crumb sessions: a visit counter, log in, log out.
// The io_context runs on several threads and every connection's handlers on its own
// strand; one session manager serves them all.
//
//   CRUMB_SECRET=... beast_server [PORT] [THREADS]
//
//   GET  /                  visits (and the user, if logged in)
//   POST /login?user=NAME   log in (cycle_key: a fresh identity), NAME of [A-Za-z0-9_-]
//   POST /logout            flush: the session and its cookie go
#include <crumb/adapter/beast.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using sessions = crumb::django_sessions<>;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

bool valid_user(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

// tag::beast_handle[]
// The application: the response to one request, given its session.
response handle(const request& req, sessions::session& session) {
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain");
  const std::string_view target(req.target().data(), req.target().size());
  const bool read = req.method() == http::verb::get || req.method() == http::verb::head;
  if (read && target == "/") {
    const int visits = session.get("visits", 0) + 1;
    session.set("visits", visits);
    res.body() = "visits: " + std::to_string(visits) +
                 ", user: " + session.get<std::string>("user", "-") + "\n";
  } else if (req.method() == http::verb::post && target.starts_with("/login?user=")) {
    const std::string_view user = target.substr(12);
    if (!valid_user(user)) {
      res.result(http::status::bad_request);
      res.body() = "user: 1 to 64 of [A-Za-z0-9_-]\n";
      return res;
    }
    session.cycle_key();
    session.set("user", std::string(user));
    res.body() = "logged in\n";
  } else if (req.method() == http::verb::post && target == "/logout") {
    session.flush();
    res.body() = "logged out\n";
  } else {
    res.result(http::status::not_found);
    res.body() = "not found\n";
  }
  return res;
}
// end::beast_handle[]

// One connection: read a request, answer it with its session committed, repeat.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, const crumb::beast_sessions<sessions>& web)
      : stream_(std::move(socket)), web_(web) {}

  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&connection::on_read, shared_from_this()));
  }

 private:
  // tag::beast_read[]
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return close();
    auto session = web_.open(req_);
    res_ = handle(req_, session);
    web_.commit(session, res_);
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    if (req_.method() == http::verb::head) res_.body().clear();  // GET's headers, no body
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&connection::on_write, shared_from_this()));
  }
  // end::beast_read[]

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive()) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  request req_;
  response res_;
  const crumb::beast_sessions<sessions>& web_;
};

void accept(tcp::acceptor& acceptor, const crumb::beast_sessions<sessions>& web) {
  acceptor.async_accept(asio::make_strand(acceptor.get_executor()),
                        [&acceptor, &web](beast::error_code ec, tcp::socket socket) {
                          if (!ec) std::make_shared<connection>(std::move(socket), web)->read();
                          accept(acceptor, web);
                        });
}

}  // namespace

int main(int argc, char** argv) {
  const char* secret = std::getenv("CRUMB_SECRET");
  if (secret == nullptr || *secret == '\0') {
    std::cerr << "usage: CRUMB_SECRET=... beast_server [PORT] [THREADS]\n";
    return 2;
  }
  const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 8080);
  const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 2;

  const sessions manager{crumb::key_ring(secret)};
  crumb::beast_sessions web(manager);
  web.on_failure([](const crumb::commit_outcome& failed) {
    std::cerr << "session not saved: " << failed.error.message() << " " << failed.cause << "\n";
  });

  asio::io_context io{threads};
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  accept(acceptor, web);
  std::cout << "beast_server listening on http://127.0.0.1:" << port << std::endl;
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
}
