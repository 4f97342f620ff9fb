// Bounded inflate. Properties: output never passes the bound (nor does the buffer's
// capacity); an error leaves the output as it was.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crumb::zlib_compression z;
  constexpr std::size_t bound = 64 * 1024;
  std::string out = "prefix";
  const crumb::errc e = z.inflate(crumb_fuzz::as_text(data, size), out, bound);
  crumb_fuzz::require(out.size() <= 6 + bound, "output within the bound");
  crumb_fuzz::require(out.capacity() <= 6 + bound || out.capacity() <= 32, "buffer within the bound");
  if (e != crumb::errc::ok) crumb_fuzz::require(out == "prefix", "untouched on error");
  return 0;
}
