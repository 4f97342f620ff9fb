// What a signed token is for. Each purpose signs with its own keys (the codec derives them
// from the salt and the purpose), so a token made for one purpose is refused as any other:
// a session store's entry never works as a cookie, even for Django sharing the secret.
#pragma once

#include <string_view>

namespace crumb {

enum class purpose {
  cookie,       ///< the session in a cookie: the profile's own salt, readable by its peers
  store_entry,  ///< a session kept in a store: the salt + store_entry_salt_suffix
};

/// Appended to the codec's salt for store entries. Django never signs with this salt.
inline constexpr std::string_view store_entry_salt_suffix = ":crumb.store-entry";

}  // namespace crumb
