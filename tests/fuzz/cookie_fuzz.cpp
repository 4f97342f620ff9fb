// The Cookie-header parser. Properties: every name and value it reports is a piece of the
// header (no allocation, no copy, no reading outside it); names are non-empty and
// trimmed; find() agrees with the first for_each() hit.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header = crumb_fuzz::as_text(data, size);
  const auto inside = [&](std::string_view piece) {
    return piece.empty() ||
           (piece.data() >= header.data() && piece.data() + piece.size() <= header.data() + size);
  };
  std::string_view first_name;
  std::optional<std::string_view> first_value;
  crumb::cookie::for_each(header, [&](std::string_view name, std::string_view value) {
    crumb_fuzz::require(!name.empty(), "names are non-empty");
    crumb_fuzz::require(name.front() != ' ' && name.back() != ' ', "names are trimmed");
    crumb_fuzz::require(inside(name) && inside(value), "pieces of the header");
    if (!first_value) {
      first_name = name;
      first_value = value;
    }
  });
  if (first_value) {
    const auto found = crumb::cookie::find(header, first_name);
    crumb_fuzz::require(found && *found == *first_value, "find agrees with for_each");
  }
  return 0;
}
