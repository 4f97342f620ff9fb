// Session load from a whole Cookie header (chunked cookies and store references included),
// then use and save. Properties: no crash or unbounded allocation; a session read from the
// header saves and reads back to the same data; save never reports an undocumented error,
// and never answers with more cookies than the settings can issue, plus two.
#include "fuzz_support.hpp"

namespace {
using session = crumb::basic_session<crumb_fuzz::codec, crumb::memory_store, crumb::fixed_clock>;

std::string header_of(const std::vector<std::string>& set_cookies) {
  std::string h;
  for (const auto& line : set_cookies) {
    if (line.find("Max-Age=0;") != std::string::npos) continue;
    h += (h.empty() ? "" : "; ") + line.substr(0, line.find(';'));
  }
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto codec = crumb_fuzz::make_codec();
  static crumb::memory_store store;
  static crumb::session_settings settings = [] {
    crumb::session_settings s;
    s.oversize = crumb::oversize_policy::chunk;
    return s;
  }();
  const std::string_view header = crumb_fuzz::as_text(data, size);
  session s(codec, &store, settings, crumb::fixed_clock::at_unix(crumb_fuzz::now));
  s.load(header);
  if (s.empty()) return 0;
  const crumb::object before = s.data();
  s.set("touched", true);
  const auto saved = s.save();
  if (!saved) {
    const auto e = static_cast<crumb::errc>(saved.error().value());
    crumb_fuzz::require(e == crumb::errc::cookie_too_large || e == crumb::errc::too_large ||
                            e == crumb::errc::too_deep,
                        "save fails only for documented reasons");
    return 0;
  }
  crumb_fuzz::require(saved->size() <= s.max_chunks() + 2, "a bounded number of cookies");
  session again(codec, &store, settings, crumb::fixed_clock::at_unix(crumb_fuzz::now));
  again.load(header_of(*saved));
  crumb::object expected = before;
  expected.insert_or_assign("touched", true);
  crumb_fuzz::require(again.data() == expected, "a saved session reads back the same");
  return 0;
}
