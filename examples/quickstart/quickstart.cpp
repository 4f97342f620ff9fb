// The quick start: make a session, sign it as Django would, verify it, print both.
#include <crumb/crumb.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main() {
  const char* env_secret = std::getenv("CRUMB_SECRET");
  const std::string secret = env_secret != nullptr ? env_secret : "an example secret, use your own";
  crumb::django_codec codec(crumb::key_ring{secret});

  crumb::object session{{"_auth_user_id", "42"}, {"theme", "dark"}, {"cart", crumb::array{1, 2, 3}}};
  session["greeting"] = "Grüß Gott 👋";
  session["visits"] = 17;

  const auto token = codec.encode(session);
  if (!token) {
    std::cerr << "encode failed: " << token.error().message() << '\n';
    return 1;
  }
  std::cout << "token:   " << *token << " (" << token->size() << " bytes)\n";

  const auto decoded = codec.decode(*token);
  if (!decoded) {
    std::cerr << "decode failed: " << decoded.error().message() << '\n';
    return 1;
  }
  std::cout << "session: " << crumb::json::to_string(*decoded).value() << '\n';

  std::string tampered = *token;
  tampered[0] = tampered[0] == 'e' ? 'f' : 'e';
  std::cout << "tampered token: " << codec.decode(tampered).error().message() << '\n';
  return *decoded == crumb::value(session) ? 0 : 1;
}
