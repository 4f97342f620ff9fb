// What a wire profile is: a token's framing, its keys and its time rules. The codec
// (codec.hpp) does what every profile shares: JSON, compression, bounds, buffers. Profiles
// live in profile/*.hpp and meet the wire_profile concept below.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crumb/clock.hpp"
#include "crumb/error.hpp"
#include "crumb/mac.hpp"
#include "crumb/purpose.hpp"

namespace crumb {

/// What a verified token says about itself, beside its payload.
struct token_info {
  /// Unix seconds the token was made at (Django: its timestamp).
  std::int64_t issued_at = 0;
  /// The session's absolute end, Unix seconds; 0 when the profile has none (Django). A
  /// token re-issued for the same session keeps it.
  std::int64_t expires_at = 0;
  /// From this Unix second on, re-issue the token even if the session did not change, to
  /// keep an idle timeout from ending an active session; 0: never needed.
  std::int64_t refresh_at = 0;
  /// Verified with a fallback key: re-issue it with the current one.
  bool needs_resign = false;
};

/// A token a profile has verified: its payload bytes (in the caller's scratch buffer),
/// whether they are compressed, and what the token says of itself.
struct opened_token {
  std::string_view payload;
  bool compressed = false;
  token_info info;
};

/// A wire profile P, for the MAC policy Mac: a name, its options (with a max_age),
/// the rules for a session's own expiry kept in its data, how many bytes compression must
/// save to be used, and a sealer: the keys prepared from a key_ring, which
/// - seal(payload, compressed, now, renewing, purpose, token) writes the token for
///   `payload` (renewing: the info of the token being re-issued, or null for a new one);
/// - open(token, now, purpose, scratch, padding, opened) verifies a token, checks its
///   times and puts its payload in `scratch`, followed by `padding` bytes of room.
/// Neither throws on bad input. A profile may also name the order of JSON object members
/// it writes (`static constexpr json::key_order key_order`; as inserted when it does not),
/// and check what it can carry (`static errc check_tags(const value&, std::size_t
/// max_depth)`, run before encoding). A sealer may keep scratch buffers: one per codec, like
/// the codec itself.
template <class P, class Mac>
concept wire_profile =
    requires {
      { P::name } -> std::convertible_to<std::string_view>;
      { P::compression_must_save } -> std::convertible_to<std::size_t>;
      typename P::options;
      typename P::session_expiry;
      typename P::template sealer<Mac>;
    } &&
    std::constructible_from<typename P::template sealer<Mac>, const key_ring&,
                            const typename P::options&> &&
    requires(typename P::template sealer<Mac>& s, typename P::options& o,
             std::string_view bytes, time_point now, const token_info* renewing, purpose p,
             std::string& out, opened_token& opened) {
      o.max_age;
      { s.seal(bytes, true, now, renewing, p, out) } -> std::same_as<errc>;
      { s.open(bytes, now, p, out, std::size_t{}, opened) } -> std::same_as<errc>;
    };

}  // namespace crumb
