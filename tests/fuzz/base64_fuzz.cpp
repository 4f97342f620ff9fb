// base64url. Properties: decoding accepts only canonical text (decode then encode gives
// the input back); encoding always decodes to the input; the AVX2 loops (where the CPU has
// them) and the table loops agree on every input, both ways.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = crumb_fuzz::as_text(data, size);
  const auto decoded = crumb::base64url::decode(text);
  if (decoded) crumb_fuzz::require(crumb::base64url::encode(*decoded) == text, "canonical decode");
  const std::string encoded = crumb::base64url::encode(text);
  const auto back = crumb::base64url::decode(encoded);
  crumb_fuzz::require(back && *back == text, "encode round-trips");

  std::string table(crumb::base64url::decoded_size(size), '\0');
  const bool table_ok = crumb::detail::base64url_decode_table(
      text.data(), size, reinterpret_cast<std::uint8_t*>(table.data()));
  crumb_fuzz::require(table_ok == decoded.has_value(), "decoders agree on validity");
  if (table_ok) crumb_fuzz::require(table.substr(0, decoded->size()) == *decoded, "decoders agree");
  std::string table_text(encoded.size(), '\0');
  crumb::detail::base64url_encode_table(data, size, table_text.data());
  crumb_fuzz::require(table_text == encoded, "encoders agree");
  return 0;
}
