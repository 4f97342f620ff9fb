// crumb::value: the JSON-shaped data a session holds. null, bool, int64, double, string,
// array and object, where an object keeps insertion order like a Python dict, so what
// Django writes and crumb rewrites comes out in the same order. Knows nothing of encodings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace crumb {

class value;

/// A JSON array.
using array = std::vector<value>;

/// A JSON object: string keys, insertion order kept, at most one entry per key.
/// Lookups are linear, which is the fast choice for the dozens of keys a session holds.
class object {
 public:
  using entry = std::pair<std::string, value>;
  using iterator = std::vector<entry>::iterator;
  using const_iterator = std::vector<entry>::const_iterator;

  object() = default;
  object(std::initializer_list<entry> entries);

  /// The value under `key`, or nullptr. Does not allocate.
  value* find(std::string_view key) noexcept;
  const value* find(std::string_view key) const noexcept;
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  /// Sets `key` to `v`; an existing key keeps its position, as in a Python dict.
  value& insert_or_assign(std::string_view key, value v);
  /// The value under `key`, inserting null at the end when it is absent.
  value& operator[](std::string_view key);
  /// Removes `key`; returns whether it was there. Later entries keep their order.
  bool erase(std::string_view key);

  std::size_t size() const noexcept;
  bool empty() const noexcept;
  void clear() noexcept;
  void reserve(std::size_t n);

  iterator begin() noexcept;
  iterator end() noexcept;
  const_iterator begin() const noexcept;
  const_iterator end() const noexcept;

  /// Appends without looking for the key: for builders that have ruled out duplicates.
  value& append_unchecked(std::string key, value v);

  /// Builds an object from key/value pairs as Python's dict(pairs) does: when a key repeats,
  /// the last value wins and the key keeps its first position. Linear for a few keys,
  /// hashed for many, so 10 000 keys cost no more than a hash table's work.
  static object from_entries(std::vector<entry>&& entries);

  /// For builders that reuse storage (the JSON reader): the entries, which may hold
  /// duplicate keys until collapse_duplicates() is called.
  std::vector<entry>& unchecked_entries() noexcept {
    keys_checked_ = false;
    return entries_;
  }
  /// Applies from_entries()' rule in place. Allocates only when there are duplicates.
  void collapse_duplicates();
  /// Whether the keys are known to be distinct: true from collapse_duplicates() or
  /// mark_keys_distinct() until the keys could have been changed behind the object's back
  /// (unchecked_entries(), append_unchecked(), a non-const iterator). For the JSON
  /// reader, which skips the duplicate check for keys that are those already in place.
  bool keys_known_distinct() const noexcept { return keys_checked_; }
  /// For builders that know the keys are distinct (the JSON reader, when it has rewritten
  /// a prefix of keys known distinct with the same keys).
  void mark_keys_distinct() noexcept { keys_checked_ = true; }

  friend bool operator==(const object& a, const object& b) noexcept;

 private:
  std::vector<entry> entries_;
  bool keys_checked_ = true;  // see keys_known_distinct()
};

/// Which alternative a value holds, in the order of value::storage.
enum class kind : std::uint8_t { null, boolean, integer, floating, string, array, object };

/// A JSON value. Integers and floats are kept apart (1 and 1.0 differ, as in Python).
class value {
 public:
  using storage =
      std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, array, object>;

  value() noexcept : v_(nullptr) {}
  value(std::nullptr_t) noexcept : v_(nullptr) {}  // NOLINT: implicit like JSON literals
  value(bool b) noexcept : v_(b) {}                // NOLINT
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char> &&
             (sizeof(I) < sizeof(std::int64_t) || std::is_signed_v<I>))
  value(I i) noexcept : v_(static_cast<std::int64_t>(i)) {}  // NOLINT
  value(double d) noexcept : v_(d) {}                          // NOLINT
  value(std::string s) noexcept : v_(std::move(s)) {}          // NOLINT
  value(std::string_view s) : v_(std::string(s)) {}            // NOLINT
  value(const char* s) : v_(std::string(s)) {}                 // NOLINT
  value(array a) noexcept : v_(std::move(a)) {}                // NOLINT
  value(object o) noexcept : v_(std::move(o)) {}               // NOLINT

  crumb::kind kind() const noexcept { return static_cast<crumb::kind>(v_.index()); }
  bool is_null() const noexcept { return kind() == kind::null; }
  bool is_bool() const noexcept { return kind() == kind::boolean; }
  bool is_int() const noexcept { return kind() == kind::integer; }
  bool is_double() const noexcept { return kind() == kind::floating; }
  bool is_number() const noexcept { return is_int() || is_double(); }
  bool is_string() const noexcept { return kind() == kind::string; }
  bool is_array() const noexcept { return kind() == kind::array; }
  bool is_object() const noexcept { return kind() == kind::object; }

  /// Pointers to the alternative, or nullptr when the value holds another one.
  const bool* if_bool() const noexcept { return std::get_if<bool>(&v_); }
  const std::int64_t* if_int() const noexcept { return std::get_if<std::int64_t>(&v_); }
  const double* if_double() const noexcept { return std::get_if<double>(&v_); }
  const std::string* if_string() const noexcept { return std::get_if<std::string>(&v_); }
  std::string* if_string() noexcept { return std::get_if<std::string>(&v_); }
  const crumb::array* if_array() const noexcept { return std::get_if<crumb::array>(&v_); }
  crumb::array* if_array() noexcept { return std::get_if<crumb::array>(&v_); }
  const crumb::object* if_object() const noexcept { return std::get_if<crumb::object>(&v_); }
  crumb::object* if_object() noexcept { return std::get_if<crumb::object>(&v_); }

  const storage& raw() const noexcept { return v_; }
  storage& raw() noexcept { return v_; }

  friend bool operator==(const value& a, const value& b) noexcept { return a.v_ == b.v_; }

 private:
  storage v_;
};

// object's members are defined here, where value is complete (clang insists).
inline std::size_t object::size() const noexcept { return entries_.size(); }
inline bool object::empty() const noexcept { return entries_.empty(); }
inline void object::clear() noexcept {
  entries_.clear();
  keys_checked_ = true;
}
inline void object::reserve(std::size_t n) { entries_.reserve(n); }
// A non-const iterator can rename keys.
inline object::iterator object::begin() noexcept {
  keys_checked_ = false;
  return entries_.begin();
}
inline object::iterator object::end() noexcept {
  keys_checked_ = false;
  return entries_.end();
}
inline object::const_iterator object::begin() const noexcept { return entries_.begin(); }
inline object::const_iterator object::end() const noexcept { return entries_.end(); }

inline object::object(std::initializer_list<entry> entries) {
  for (const auto& [k, v] : entries) insert_or_assign(k, v);
}

inline value* object::find(std::string_view key) noexcept {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

inline const value* object::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

inline value& object::insert_or_assign(std::string_view key, value v) {
  if (value* existing = find(key)) return *existing = std::move(v);
  return entries_.emplace_back(std::string(key), std::move(v)).second;
}

inline value& object::operator[](std::string_view key) {
  if (value* existing = find(key)) return *existing;
  return entries_.emplace_back(std::string(key), value()).second;
}

inline bool object::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

inline value& object::append_unchecked(std::string key, value v) {
  keys_checked_ = false;
  return entries_.emplace_back(std::move(key), std::move(v)).second;
}

inline object object::from_entries(std::vector<entry>&& entries) {
  object o;
  o.entries_ = std::move(entries);
  o.collapse_duplicates();
  return o;
}

inline void object::collapse_duplicates() {
  keys_checked_ = true;  // so it is when this returns
  const std::size_t n = entries_.size();
  if (n < 2) return;
  bool has_duplicates = false;
  if (n <= 8) {  // at most 28 pairs: comparing them all is cheapest
    for (std::size_t i = 1; i < n && !has_duplicates; ++i)
      for (std::size_t j = 0; j < i && !has_duplicates; ++j)
        has_duplicates = entries_[i].first == entries_[j].first;
  } else if (n <= 32) {
    // A 64-slot open-addressing table of entry indices, hashed on the length and three
    // sampled bytes: only keys that meet in a slot are compared (all pairs cost ~10% of
    // a 20-key decode).
    std::uint8_t slot_of[64] = {};  // entry index + 1; 0 is empty
    for (std::size_t i = 0; i < n && !has_duplicates; ++i) {
      const std::string& key = entries_[i].first;
      std::size_t h = key.size() * 0x9E3779B1u;
      if (!key.empty()) {
        h ^= static_cast<unsigned char>(key.front()) * 0x85EBCA77u;
        h ^= static_cast<unsigned char>(key.back()) * 0xC2B2AE3Du;
        h ^= static_cast<unsigned char>(key[key.size() / 2]) * 0x27D4EB2Fu;
      }
      for (std::size_t at = (h ^ (h >> 7)) & 63;; at = (at + 1) & 63) {
        if (slot_of[at] == 0) {
          slot_of[at] = static_cast<std::uint8_t>(i + 1);
          break;
        }
        if (entries_[slot_of[at] - 1].first == key) {
          has_duplicates = true;
          break;
        }
      }
    }
  } else {
    // Sorted (hash, index) pairs in a per-thread buffer: the usual no-duplicates answer
    // costs no allocation once the buffer has grown.
    thread_local std::vector<std::pair<std::size_t, std::size_t>> hashed;
    hashed.clear();
    for (std::size_t i = 0; i < n; ++i)
      hashed.emplace_back(std::hash<std::string_view>{}(entries_[i].first), i);
    std::sort(hashed.begin(), hashed.end());
    for (std::size_t k = 1; k < n && !has_duplicates; ++k)
      for (std::size_t j = k; j-- > 0 && hashed[j].first == hashed[k].first && !has_duplicates;)
        has_duplicates = entries_[hashed[j].second].first == entries_[hashed[k].second].first;
  }
  if (!has_duplicates) return;

  // Where each key first appeared; the views stay valid because nothing moves in this pass.
  std::unordered_map<std::string_view, std::size_t> first_index;
  first_index.reserve(n);
  std::vector<std::size_t> first_of(n);
  for (std::size_t i = 0; i < n; ++i)
    first_of[i] = first_index.try_emplace(entries_[i].first, i).first->second;
  if (first_index.size() == n) return;
  std::vector<entry> kept;
  std::vector<std::size_t> position(n);
  kept.reserve(first_index.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (first_of[i] == i) {
      position[i] = kept.size();
      kept.push_back(std::move(entries_[i]));
    } else {
      kept[position[first_of[i]]].second = std::move(entries_[i].second);
    }
  }
  entries_ = std::move(kept);
}

// Python compares dicts regardless of order; so does crumb.
inline bool operator==(const object& a, const object& b) noexcept {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    const value* other = b.find(k);
    if (other == nullptr || !(*other == v)) return false;
  }
  return true;
}

}  // namespace crumb
