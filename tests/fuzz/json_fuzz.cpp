// The JSON reader. Properties: a parsed value writes (Python's format) and reads back to
// an equal value, and writing is then a fixed point.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crumb::json::reader reader;
  static crumb::value v;
  if (reader.read(crumb_fuzz::as_text(data, size), v) != crumb::errc::ok) return 0;
  std::string once, twice;
  crumb_fuzz::require(crumb::json::write(v, once) == crumb::errc::ok, "a parsed value writes");
  crumb::value back;
  crumb_fuzz::require(reader.read(once, back) == crumb::errc::ok, "written JSON reads back");
  crumb_fuzz::require(back == v, "written JSON reads back to the same value");
  crumb_fuzz::require(crumb::json::write(back, twice) == crumb::errc::ok && once == twice,
                      "writing is a fixed point");
  return 0;
}
