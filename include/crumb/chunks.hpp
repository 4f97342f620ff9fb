// The chunk format: a token too long for one cookie, split over cookies named name,
// name.1, ..., name.(N-1). The first value is "~N.TAG." + part 0, each other one
// "TAG." + part k, where TAG is the token's last 8 characters (from its MAC), so parts of
// two different tokens never join. One MAC covers the whole token: a part alone proves
// nothing. Pure functions of strings: the session decides when to split.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crumb/error.hpp"

namespace crumb::chunks {

inline constexpr std::size_t tag_size = 8;

/// A chunk cookie of the request: its index k (from "name.k") and its value.
struct part {
  std::size_t index;
  std::string_view value;
  friend bool operator<(const part& a, const part& b) noexcept { return a.index < b.index; }
};

/// A cookie to send: "name" or "name.k", and its value.
struct piece {
  std::string name;
  std::string value;
};

/// Whether a main cookie's value starts a chunked token.
constexpr bool is_head(std::string_view value) noexcept {
  return !value.empty() && value.front() == '~';
}

/// k for a cookie named "name.k", k in 1..999 written without a leading zero, as split()
/// writes it; 0 for any other cookie name.
constexpr std::size_t index_of(std::string_view cookie, std::string_view name) noexcept {
  if (cookie.size() < name.size() + 2 || cookie.size() > name.size() + 4 ||
      !cookie.starts_with(name) || cookie[name.size()] != '.')
    return 0;
  const std::string_view digits = cookie.substr(name.size() + 1);
  if (digits.front() == '0') return 0;
  std::size_t index = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return 0;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

/// The cookie name of part k: name, or name.k.
inline std::string name_of(std::string_view name, std::size_t k) {
  std::string out(name);
  if (k != 0) out.append(".").append(std::to_string(k));
  return out;
}

/// The token `head` (the main cookie's value) and `parts` (sorted here) make; nullopt
/// when a part is missing or belongs to another token, or the head announces more than
/// `most` parts (never issued by these settings).
inline std::optional<std::string> reassemble(std::string_view head, std::vector<part>& parts,
                                             std::size_t most) {
  if (!is_head(head)) return std::nullopt;
  const std::size_t dot = head.find('.', 1);
  if (dot == std::string_view::npos || dot == 1 || dot > 4) return std::nullopt;
  std::size_t count = 0;
  for (const char c : head.substr(1, dot - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + static_cast<std::size_t>(c - '0');
  }
  const std::string_view rest = head.substr(dot + 1);
  if (count < 2 || count > most || rest.size() <= tag_size || rest[tag_size] != '.')
    return std::nullopt;
  const std::string_view tag = rest.substr(0, tag_size);
  std::string token(rest.substr(tag_size + 1));
  std::sort(parts.begin(), parts.end());
  if (parts.size() < count - 1) return std::nullopt;
  for (std::size_t k = 1; k < count; ++k) {
    const std::string_view v = parts[k - 1].value;
    if (parts[k - 1].index != k || v.size() <= tag_size || v.substr(0, tag_size) != tag ||
        v[tag_size] != '.')
      return std::nullopt;
    token.append(v.substr(tag_size + 1));
  }
  if (token.size() < tag_size || std::string_view(token).substr(token.size() - tag_size) != tag)
    return std::nullopt;
  return token;
}

/// `token` (at least tag_size long) split into the fewest cookies, 2 to `most`, each
/// "name=value" within `limit` bytes and all of them together ("a=1; b=2") within
/// `max_header_bytes`: errc::cookie_too_large when no count fits.
inline result<std::vector<piece>> split(std::string_view name, std::string_view token,
                                        std::size_t limit, std::size_t most,
                                        std::size_t max_header_bytes) {
  if (token.size() < tag_size) return errc::cookie_too_large;
  const std::string_view tag = token.substr(token.size() - tag_size);
  const std::string tail_prefix = std::string(tag) + ".";
  for (std::size_t count = 2; count <= most; ++count) {
    const std::string head = "~" + std::to_string(count) + "." + tail_prefix;
    std::vector<piece> pieces;
    std::size_t at = 0;
    for (std::size_t k = 0; k < count; ++k) {
      std::string cookie_name = name_of(name, k);
      const std::string& prefix = k == 0 ? head : tail_prefix;
      const std::size_t overhead = cookie_name.size() + prefix.size();
      if (overhead >= limit) return errc::cookie_too_large;
      const std::size_t take = std::min(limit - overhead, token.size() - at);
      if (take == 0) return errc::cookie_too_large;  // more cookies than the token has bytes
      pieces.push_back({std::move(cookie_name), prefix + std::string(token.substr(at, take))});
      at += take;
    }
    if (at < token.size()) continue;
    std::size_t header_bytes = 0;  // "name=value" plus "; " between cookies
    for (const piece& p : pieces) header_bytes += p.name.size() + 1 + p.value.size() + 2;
    if (header_bytes - 2 > max_header_bytes) return errc::cookie_too_large;
    return pieces;
  }
  return errc::cookie_too_large;
}

}  // namespace crumb::chunks
