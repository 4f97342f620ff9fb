// Must not compile: a session manager over a temporary store, a session opened on a
// temporary manager, and a session over temporary settings or a temporary codec would all
// dangle. With -DCRUMB_CONTROL the same code with lvalues compiles, which proves the
// harness itself works.
#include <crumb/codec.hpp>
#include <crumb/manager.hpp>
#include <crumb/session.hpp>

int main() {
#if defined(CRUMB_CONTROL)
  crumb::memory_store store;
  const crumb::django_sessions<> sessions(crumb::key_ring("secret"), store);
  auto s = sessions.open("");
  crumb::django_codec codec(crumb::key_ring("secret"));
  const crumb::session_settings settings;
  crumb::basic_session<crumb::django_codec> alone(codec, &store, settings);
#elif defined(CRUMB_TEMPORARY_STORE)
  const crumb::django_sessions<> sessions(crumb::key_ring("secret"), crumb::memory_store{});
  auto s = sessions.open("");
#elif defined(CRUMB_TEMPORARY_MANAGER)
  auto s = crumb::django_sessions<>(crumb::key_ring("secret")).open("");
#elif defined(CRUMB_TEMPORARY_SETTINGS)
  crumb::memory_store store;
  crumb::django_codec codec(crumb::key_ring("secret"));
  crumb::basic_session<crumb::django_codec> s(codec, &store, crumb::session_settings{});
#elif defined(CRUMB_TEMPORARY_CODEC)
  crumb::memory_store store;
  const crumb::session_settings settings;
  crumb::basic_session<crumb::django_codec> s(crumb::django_codec(crumb::key_ring("secret")),
                                              &store, settings);
#endif
  return s.empty() ? 0 : 1;
}
