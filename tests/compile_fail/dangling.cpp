// Must not compile: a session manager over a temporary store, or a session opened on a
// temporary manager, would dangle. With -DCRUMB_CONTROL the same code with lvalues
// compiles, which proves the harness itself works.
#include <crumb/manager.hpp>

int main() {
#if defined(CRUMB_CONTROL)
  crumb::memory_store store;
  const crumb::django_sessions<> sessions(crumb::key_ring("secret"), store);
  auto s = sessions.open("");
#elif defined(CRUMB_TEMPORARY_STORE)
  const crumb::django_sessions<> sessions(crumb::key_ring("secret"), crumb::memory_store{});
  auto s = sessions.open("");
#elif defined(CRUMB_TEMPORARY_MANAGER)
  auto s = crumb::django_sessions<>(crumb::key_ring("secret")).open("");
#endif
  return s.empty() ? 0 : 1;
}
