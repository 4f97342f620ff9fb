// Counts every heap allocation of the bench process, including those made inside
// libcrypto, libdeflate or simdjson: the C allocator is interposed (glibc resolves these
// symbols to the executable's first), not only operator new, which calls malloc.
#include "allocations.hpp"

#include <cerrno>
#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
thread_local std::uint64_t count = 0;
}  // namespace

std::uint64_t crumb_bench::allocations() noexcept { return count; }

extern "C" {
void* malloc(std::size_t n) noexcept {
  ++count;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  ++count;
  return __libc_calloc(n, size);
}
// A realloc that moves or grows is an allocation; one that frees (size 0) is not.
void* realloc(void* p, std::size_t n) noexcept {
  if (n != 0) ++count;
  return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) noexcept {
  ++count;
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) noexcept {
  ++count;
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  ++count;
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) noexcept { __libc_free(p); }
}
