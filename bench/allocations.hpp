// Counts heap allocations in the bench binary (the C allocator is interposed in
// allocations.cpp, so libraries' own mallocs count too), so each case can report
// allocations per operation.
#pragma once

#include <cstdint>

namespace crumb_bench {
/// Allocations made so far by this thread.
std::uint64_t allocations() noexcept;
}  // namespace crumb_bench
