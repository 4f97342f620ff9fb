// Must not compile: a type without crumb::value_traits cannot go into a session.
// With -DCRUMB_CONTROL it does compile, which proves the harness itself works.
#include <crumb/value_traits.hpp>

struct no_traits {};

#if defined(CRUMB_CONTROL)
template <>
struct crumb::value_traits<no_traits> {
  static crumb::value to_value(const no_traits&) { return nullptr; }
};
#endif

int main() { return crumb::to_value(no_traits{}).is_null() ? 0 : 1; }
