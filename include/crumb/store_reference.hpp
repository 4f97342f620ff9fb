// How a session kept in a store is reached. The cookie carries a reference,
// {"_crumb_store": "<id>"}, signed as any session cookie; the store keeps an entry,
// {"id": "<id>", "data": {...session...}}, signed for purpose::store_entry. An entry moved
// under another id, or sent as a cookie, is refused; the store itself sees opaque bytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "crumb/error.hpp"
#include "crumb/store.hpp"
#include "crumb/value.hpp"

namespace crumb {

/// The key a reference cookie holds. Reserved: a session may not set it.
inline constexpr std::string_view store_reference_key = "_crumb_store";
inline constexpr std::string_view entry_id_key = "id";
inline constexpr std::string_view entry_data_key = "data";

/// The cookie's data for a session stored under `id`.
inline value make_store_reference(std::string_view id) {
  return object{{std::string(store_reference_key), std::string(id)}};
}

/// Whether a cookie's data is a reference rather than a session of its own.
inline bool is_store_reference(const object& data) {
  return data.size() == 1 && data.begin()->first == store_reference_key;
}

/// The id a reference points at: errc::malformed unless one valid_store_id() accepts.
inline result<std::string> store_reference_id(const object& reference) {
  const value* id = reference.find(store_reference_key);
  const std::string* text = id != nullptr ? id->if_string() : nullptr;
  if (text == nullptr || !valid_store_id(*text)) return errc::malformed;
  return *text;
}

/// The entry for `data` stored under `id`; open_store_entry() gives the data back.
inline value make_store_entry(std::string_view id, object data) {
  object entry;
  entry.insert_or_assign(entry_id_key, value(std::string(id)));
  entry.insert_or_assign(entry_data_key, value(std::move(data)));
  return entry;
}

/// The session data of an entry read under `id`, moved out of it: errc::malformed when
/// `entry` was not made for this id.
inline result<object> open_store_entry(value& entry, std::string_view id) {
  object* fields = entry.if_object();
  const value* bound = fields != nullptr ? fields->find(entry_id_key) : nullptr;
  value* data = fields != nullptr ? fields->find(entry_data_key) : nullptr;
  if (bound == nullptr || bound->if_string() == nullptr || *bound->if_string() != id ||
      data == nullptr || data->if_object() == nullptr)
    return errc::malformed;
  return std::move(*data->if_object());
}

}  // namespace crumb
