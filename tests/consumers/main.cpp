// A program that uses an installed crumb: signs a session and verifies it.
#include <crumb/crumb.hpp>

#include <iostream>

int main() {
  crumb::django_codec codec(crumb::key_ring("consumer-secret"));
  const auto token = codec.encode(crumb::object{{"consumer", true}});
  const auto back = token ? codec.decode(*token) : crumb::result<crumb::value>(token.error());
  std::cout << (back ? "ok" : back.error().message()) << '\n';
  return back ? 0 : 1;
}
