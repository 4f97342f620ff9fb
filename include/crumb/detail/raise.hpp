// Misuse by the programmer (an empty secret, a reserved key) throws, as the house style
// allows; under -fno-exceptions the same calls print the reason and abort instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace crumb::detail {

template <class Exception, class... Args>
[[noreturn]] void raise(Args&&... args) {
#if defined(__cpp_exceptions)
  throw Exception(std::forward<Args>(args)...);
#else
  const Exception e(std::forward<Args>(args)...);
  std::fprintf(stderr, "%s\n", e.what());
  std::abort();
#endif
}

}  // namespace crumb::detail
