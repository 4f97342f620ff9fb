// base64url. Properties: decoding accepts only canonical text (decode then encode gives
// the input back); encoding always decodes to the input.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = crumb_fuzz::as_text(data, size);
  const auto decoded = crumb::base64url::decode(text);
  if (decoded) crumb_fuzz::require(crumb::base64url::encode(*decoded) == text, "canonical decode");
  const std::string encoded = crumb::base64url::encode(text);
  const auto back = crumb::base64url::decode(encoded);
  crumb_fuzz::require(back && *back == text, "encode round-trips");
  return 0;
}
