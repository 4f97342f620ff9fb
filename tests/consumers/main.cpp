// A program that uses crumb as a consumer project would: signs a session, verifies it,
// and (built with CRUMB_CONSUMER_REDIS) links the Redis store. It prints "ok".
#include <crumb/crumb.hpp>
#if CRUMB_CONSUMER_REDIS
#  include <crumb/store/redis.hpp>
#endif

#include <iostream>

int main() {
  crumb::django_codec codec(crumb::key_ring("consumer-secret"));
  const auto token = codec.encode(crumb::object{{"consumer", true}});
  const auto back = token ? codec.decode(*token) : crumb::result<crumb::value>(token.error());
#if CRUMB_CONSUMER_REDIS
  const crumb::redis_store store;  // connects lazily: this proves it compiles and links
  if (store.settings().pool_size == 0) return 1;
#endif
  std::cout << (back ? "ok" : back.error().message()) << '\n';
  return back ? 0 : 1;
}
