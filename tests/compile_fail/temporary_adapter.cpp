// Must not compile: a handler wrapped by a temporary cpp-httplib adapter refers to the
// adapter after it is gone (it compiled, then crashed on every request). With
// -DCRUMB_CONTROL the adapter is an lvalue and it compiles.
#include <crumb/adapter/httplib.hpp>

int main() {
  const crumb::django_sessions<> sessions(crumb::key_ring("secret"));
  const auto handler = [](const httplib::Request&, httplib::Response&,
                          crumb::django_sessions<>::session&) {};
#if defined(CRUMB_CONTROL)
  const crumb::httplib_sessions web(sessions);
  const httplib::Server::Handler wrapped = web.wrap(handler);
#else
  const httplib::Server::Handler wrapped = crumb::httplib_sessions(sessions).wrap(handler);
#endif
  return wrapped ? 0 : 1;
}
