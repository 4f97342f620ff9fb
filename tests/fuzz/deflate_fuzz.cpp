// crumb's small-input deflater and the compression policy around it. Properties: every
// stream inflates back to the input (through crumb's own inflate, libdeflate's); the
// deflater's stream is never longer than a stored block; the policy keeps Django's rule
// (a compressed form only when it saves 2 bytes or more) and leaves the output as it was
// otherwise; inputs past the deflater's limit take libdeflate and round-trip too.
#include <crumb/detail/deflate.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crumb::detail::small_deflater deflater;
  static crumb::zlib_compression policy;
  const std::string_view in = crumb_fuzz::as_text(data, size);

  if (size <= crumb::detail::small_deflater::max_input) {
    std::string stream(crumb::detail::small_deflater::bound(size), '\0');
    stream.resize(deflater.compress(in, reinterpret_cast<unsigned char*>(stream.data())));
    crumb_fuzz::require(stream.size() <= size + 11, "no longer than a stored block");
    std::string back;
    crumb_fuzz::require(policy.inflate(stream, back, size) == crumb::errc::ok, "stream inflates");
    crumb_fuzz::require(back == in, "stream inflates to the input");
  }

  std::string out = "prefix";
  const bool used = policy.compress_if_smaller(in, out);
  if (!used) {
    crumb_fuzz::require(out == "prefix", "untouched when not compressed");
    return 0;
  }
  crumb_fuzz::require(out.size() - 6 + 2 <= size, "compressed only when it saves 2 bytes");
  std::string back;
  crumb_fuzz::require(
      policy.inflate(std::string_view(out).substr(6), back, size) == crumb::errc::ok,
      "policy's stream inflates");
  crumb_fuzz::require(back == in, "policy's stream inflates to the input");
  return 0;
}
