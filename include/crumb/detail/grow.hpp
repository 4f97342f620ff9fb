// Growing a reused buffer within a bound the caller promised.
#pragma once

#include <cstddef>
#include <string>

namespace crumb::detail {

// Grows `s` to at least `n` bytes, keeping its contents. When it must reallocate, the new
// capacity is exactly n: std::string's own growth may double it, past the bound.
inline void grow_exactly(std::string& s, std::size_t n) {
  if (s.size() >= n) return;
  if (s.capacity() < n) {
    std::string exact;
    exact.reserve(n);
    exact.assign(s);
    s.swap(exact);
  }
  s.resize(n);
}

}  // namespace crumb::detail
