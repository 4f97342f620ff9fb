// libsodium must be initialised once before its random generator and its fastest
// implementations are used; sodium_init() is idempotent and thread-safe.
#pragma once

#include <sodium.h>

#include <stdexcept>

#include "crumb/detail/raise.hpp"

namespace crumb::detail {

inline void ensure_sodium() {
  if (sodium_init() < 0) raise<std::runtime_error>("crumb: libsodium failed to initialise");
}

}  // namespace crumb::detail
