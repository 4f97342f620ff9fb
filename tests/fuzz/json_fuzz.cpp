// The JSON reader. Properties: reading into a value used before (which reuses its storage)
// gives what reading into a fresh one does, the same error included; a parsed value writes
// (Python's format) and reads back to an equal value, and writing is then a fixed point.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static crumb::json::reader reader;
  static crumb::value v;  // holds what earlier inputs left in it
  const std::string_view text = crumb_fuzz::as_text(data, size);
  const crumb::errc error = reader.read(text, v);
  crumb::value fresh;
  crumb_fuzz::require(reader.read(text, fresh) == error, "a used value reads as a fresh one");
  if (error != crumb::errc::ok) return 0;
  std::string once, twice, from_fresh;
  crumb_fuzz::require(crumb::json::write(v, once) == crumb::errc::ok, "a parsed value writes");
  crumb_fuzz::require(crumb::json::write(fresh, from_fresh) == crumb::errc::ok && once == from_fresh,
                      "a used value reads as a fresh one, keys in the same order");
  crumb::value back;
  crumb_fuzz::require(reader.read(once, back) == crumb::errc::ok, "written JSON reads back");
  crumb_fuzz::require(back == v, "written JSON reads back to the same value");
  crumb_fuzz::require(crumb::json::write(back, twice) == crumb::errc::ok && once == twice,
                      "writing is a fixed point");
  return 0;
}
