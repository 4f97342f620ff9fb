// Flash messages from hostile input: the fuzzer's bytes become, by a leading byte, the
// messages cookie as sent (any text), the JSON inside a messages cookie signed with the
// real key (what a key holder or a bug could make), or the session's "_messages" string.
// Properties: never a crash, an exception or unbounded work; what is read is dropped by
// commit(), so the next request sees none of it; a message added after reading survives
// the round trip, alone.
#include <crumb/messages.hpp>

#include "fuzz_support.hpp"

namespace {
using session_type = crumb::basic_session<crumb_fuzz::codec, crumb::memory_store, crumb::fixed_clock>;
using config_type = crumb::messages::basic_config<crumb::default_hmac_sha256, crumb::fixed_clock>;

const config_type& config() {
  static const config_type c(crumb::key_ring(crumb_fuzz::secret, {crumb_fuzz::fallback}), {}, {},
                             crumb::fixed_clock::at_unix(crumb_fuzz::now));
  return c;
}

// The messages cookie signed with the config's current key around `json` (raw bytes).
std::string signed_cookie(std::string_view json) {
  static const std::string key = crumb::profile::django::derive_key<crumb::default_hmac_sha256>(
      std::string(crumb::messages::cookie_key_prefix) + crumb_fuzz::secret,
      crumb::messages::options{}.salt);
  static const crumb::default_hmac_sha256::key mac_key{key};
  std::string token = crumb::base64url::encode(json) + ":1r31eq";
  std::uint8_t mac[crumb::default_hmac_sha256::digest_size];
  mac_key.sign(token, mac);
  token += ':';
  crumb::base64url::encode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac), token);
  return token;
}

std::string header_of(const std::vector<crumb::cookie::set_cookie>& cookies) {
  std::string h;
  for (const auto& c : cookies)
    if (!c.deletes()) h += (h.empty() ? "" : "; ") + c.name + "=" + c.value;
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static auto codec = crumb_fuzz::make_codec();
  static crumb::memory_store store;
  static const crumb::session_settings settings;
  const std::string_view body = crumb_fuzz::as_text(data + 1, size - 1);

  session_type s(codec, &store, settings, crumb::fixed_clock::at_unix(crumb_fuzz::now));
  s.load("");
  std::string header;
  switch (data[0] % 3) {
    case 0:  // the cookie as a browser could send it
      header = "messages=" + std::string(body);
      break;
    case 1:  // signed JSON, ending in the sentinel half the time so "_messages" is read too
      header = "messages=" + signed_cookie(body);
      s.set(crumb::messages::session_key, std::string(body));
      break;
    default:  // the session's fallback, after a cookie that says more are there
      header = "messages=" + signed_cookie(R"(["__messagesnotfinished__"])");
      s.set(crumb::messages::session_key, std::string(body));
      break;
  }

  crumb::messages::storage<session_type, crumb::default_hmac_sha256, crumb::fixed_clock> box(
      config(), header, s);
  const std::size_t pending = box.read().size();
  crumb_fuzz::require(pending <= crumb::messages::options{}.max_json_bytes, "a bounded count");
  const crumb::errc added = box.add(crumb::messages::info, "after");
  crumb_fuzz::require(added == crumb::errc::ok, "a plain message can always be added");
  const auto cookies = box.commit();
  crumb_fuzz::require(cookies.has_value(), "commit succeeds with default options");

  // The next request: only the message added after reading.
  session_type next(codec, &store, settings, crumb::fixed_clock::at_unix(crumb_fuzz::now));
  next.load("");
  if (const crumb::value* held = s.data().find(crumb::messages::session_key))
    next.set(crumb::messages::session_key, *held);
  crumb::messages::storage<session_type, crumb::default_hmac_sha256, crumb::fixed_clock> later(
      config(), header_of(*cookies), next);
  const auto& shown = later.read();
  crumb_fuzz::require(shown.size() == 1 && shown[0].text == "after", "only the new message");
  return 0;
}
