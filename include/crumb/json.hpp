// JSON for sessions. The writer is byte-identical to Python's
// json.dumps(obj, separators=(',', ':')), so tokens match Django's; the reader runs on
// simdjson with limits, because everything it reads comes from a client.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "crumb/detail/json_scan.hpp"
#include "crumb/detail/python_float.hpp"
#include "crumb/error.hpp"
#include "crumb/value.hpp"

namespace crumb::json {

/// Limits on what the reader accepts. The defaults are generous for sessions and small
/// enough that a hostile cookie cannot make crumb work hard.
/// The order the writer puts an object's members in: as inserted (json.dumps' default,
/// Django), or sorted by key (sort_keys=True, Flask).
enum class key_order { insertion, sorted };

struct limits {
  std::size_t max_bytes = 1 << 20;  ///< longest JSON text accepted
  std::size_t max_depth = 64;       ///< deepest nesting of arrays and objects (`[]` is 1)
};

namespace detail {

// 0: copy as is; 1: short escape (second table); 2: \u00XX; 3: first byte of UTF-8.
inline constexpr auto escape_class = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 2;
  for (const char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'})
    t[static_cast<unsigned char>(c)] = 1;
  t[0x7f] = 2;  // Python escapes everything outside ' '..'~'
  for (int c = 0x80; c < 0x100; ++c) t[c] = 3;
  return t;
}();

inline char short_escape(char c) noexcept {
  switch (c) {
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return c;  // '"' and '\\'
  }
}

inline char* write_u_escape(char* out, std::uint32_t unit) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  out[0] = '\\';
  out[1] = 'u';
  out[2] = hex[(unit >> 12) & 0xf];
  out[3] = hex[(unit >> 8) & 0xf];
  out[4] = hex[(unit >> 4) & 0xf];
  out[5] = hex[unit & 0xf];
  return out + 6;
}

// Writes into a std::string through a pointer: room() makes the string long enough ahead
// (growing it, zero-filled, only past the largest size it has had), and the text is the
// string's first length() bytes. Appending (write()) trims the rest at the end; a reused
// scratch buffer (write_into()) keeps its size, so steady state costs no fill at all.
class text_sink {
 public:
  text_sink(std::string& s, std::size_t at) noexcept
      : s_(s), at_(s.data() + at), end_(s.data() + s.size()) {}
  // A pointer with `n` bytes of room; say how far was written with advance_to().
  char* room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) < n) [[unlikely]]
      grow(n);
    return at_;
  }
  void advance_to(char* end) noexcept { at_ = end; }
  void put(char c) { *room(1) = c, ++at_; }
  void put(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    at_ += text.size();
  }
  std::size_t length() const noexcept { return static_cast<std::size_t>(at_ - s_.data()); }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t at = length();
    s_.resize(std::max(at + n, s_.size() * 2 + 256));
    at_ = s_.data() + at;
    end_ = s_.data() + s_.size();
  }

  std::string& s_;
  char* at_;   // where the next character goes
  char* end_;  // the end of the string's room
};

// Decodes one UTF-8 sequence at s[i], strictly (no overlongs, surrogates or > U+10FFFF).
// Returns its length, or 0 when the bytes are not UTF-8.
inline std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[i + k]); };
  const std::uint8_t b0 = byte(0);
  std::size_t len;
  std::uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, min = 0x80, cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, min = 0x800, cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, min = 0x10000, cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Whether any of the 8 bytes of `w` needs more than a copy: below 0x20, '"', '\\', 0x7f,
// or 0x80 and up (UTF-8, checked and escaped). Exact for "any": the borrows and carries
// of these tricks only ever add false hits next to a true one (0x7f + 1 sets the high
// bit; only a byte of 0xff, itself a hit, carries into the next).
constexpr bool any_byte_to_escape(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  const auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v; };
  const std::uint64_t below_space = (w - ones * 0x20) & ~w;
  return ((below_space | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\')) |
           (w + ones) | w) &
          high) != 0;
}

#if defined(__SSE2__)
// Whether any of the 16 bytes of `v` needs more than a copy, as any_byte_to_escape() for
// 8 (SSE2, in every x86-64 CPU): half the instructions per byte. Bytes from 0x80 are
// negative as signed bytes, so the signed "below 0x20" catches them with the controls.
inline bool any_byte_to_escape(__m128i v) noexcept {
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
  return _mm_movemask_epi8(special) != 0;
}
#endif

// Output room for `bytes` of string input: 6 characters per byte (\u00XX), the quotes,
// and a UTF-8 sequence that starts within the bytes and ends past them.
constexpr std::size_t max_string_chars(std::size_t bytes) noexcept { return bytes * 6 + 2 + 12; }

// A string of up to 16 bytes (most keys and values) in two words that together hold every
// byte of it, without a loop or a memcpy call: the first and last 8 bytes (overlapping
// below 16), the first and last 4 in one word below 8, bytes 0, n/2 and n-1 below 4.
// Spaces where no byte goes, which need no escape; two strings of the same length are
// equal when their words are.
struct short_words {
  std::uint64_t first = 0x2020202020202020u, last = 0x2020202020202020u;
};
[[gnu::always_inline]] inline short_words load_short(const char* p, std::size_t n) noexcept {
  short_words w;
  if (n >= 8) {
    std::memcpy(&w.first, p, 8);  // fixed sizes: single loads
    std::memcpy(&w.last, p + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    w.first = a | std::uint64_t{b} << 32;
  } else if (n > 0) {
    w.first = 0x2020202020000000u | static_cast<std::uint8_t>(p[0]) |
              std::uint64_t{static_cast<std::uint8_t>(p[n / 2])} << 8 |
              std::uint64_t{static_cast<std::uint8_t>(p[n - 1])} << 16;
  }
  return w;
}

// Copies the n <= 16 bytes at `from` to `to` in the pieces load_short() reads.
[[gnu::always_inline]] inline void copy_short(char* to, const char* from, std::size_t n) noexcept {
  if (n >= 8) {
    std::memcpy(to, from, 8);
    std::memcpy(to + n - 8, from + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(to, from, 4);
    std::memcpy(to + n - 4, from + n - 4, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

// Strings of up to 16 bytes, checked and copied as short_words. Returns false, writing
// nothing, when the string is longer or has a byte to escape. A member's key comes with
// its separators, in the same room: a ',' before it unless it is the first, ':' after.
enum class string_role : std::uint8_t { value, key };
template <string_role Role = string_role::value>
[[gnu::always_inline]] inline bool write_short_plain_string(text_sink& sink, std::string_view s,
                                                            bool comma = false) {
  const std::size_t n = s.size();
  if (n > 16) return false;
  const char* p = s.data();
  const auto [first, last] = load_short(p, n);
#if defined(__SSE2__)
  if (any_byte_to_escape(_mm_set_epi64x(static_cast<long long>(last), static_cast<long long>(first))))
    return false;
#else
  if (any_byte_to_escape(first) || any_byte_to_escape(last)) return false;
#endif
  char* out = sink.room(4 + 16);
  if constexpr (Role == string_role::key) {
    *out = ',';
    out += comma;
  }
  *out++ = '"';
  copy_short(out, p, n);
  out[n] = '"';
  if constexpr (Role == string_role::key) {
    out[n + 1] = ':';
    sink.advance_to(out + n + 2);
  } else {
    sink.advance_to(out + n + 1);
  }
  return true;
}

// Any string write_short_plain_string() does not take.
inline errc write_long_string(text_sink& sink, std::string_view s) {
  // Long strings go in pieces, so the room asked for stays small (6x a piece, not 6x s).
  constexpr std::size_t piece = 4096;
  char* out = sink.room(max_string_chars(std::min(s.size(), piece)));
  *out++ = '"';
  std::size_t i = 0;
  // The input from `verbatim` on has been copied as it is, so the output for any of it
  // may be written again from the input (the last word, below).
  std::size_t verbatim = 0;
  for (;;) {
    const std::size_t end = std::min(s.size(), i + piece);
    while (i < end) {
      // Most session text is plain ASCII: checked and copied 8 bytes at a time. The last
      // few bytes go in the word that ends with them, written over the copy of the bytes
      // before (when those were copied as they are).
      std::uint64_t w;
      std::size_t n = end - i;
#if defined(__SSE2__)
      if (n >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        if (!any_byte_to_escape(v)) {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
          out += 16;
          i += 16;
          continue;
        }
      }
#endif
      if (n >= 8) {
        std::memcpy(&w, s.data() + i, 8);
        if (!any_byte_to_escape(w)) {
          std::memcpy(out, &w, 8);
          out += 8;
          i += 8;
          continue;
        }
        n = 8;
      } else if (end >= 8 && end - 8 >= verbatim) {
        std::memcpy(&w, s.data() + end - 8, 8);
        if (!any_byte_to_escape(w)) {
          std::memcpy(out + n - 8, &w, 8);
          out += n;
          i = end;
          continue;
        }
      }
      // Byte by byte through the bytes that hold something to escape.
      for (const std::size_t stop = i + n; i < stop;) {
        const std::uint8_t cls = escape_class[static_cast<std::uint8_t>(s[i])];
        if (cls == 0) {
          *out++ = s[i++];
          continue;
        }
        if (cls == 1) {
          *out++ = '\\';
          *out++ = short_escape(s[i]);
          ++i;
        } else if (cls == 2) {
          out = write_u_escape(out, static_cast<std::uint8_t>(s[i]));
          ++i;
        } else {
          std::uint32_t cp = 0;
          const std::size_t len = decode_utf8(s, i, cp);
          if (len == 0) return errc::invalid_utf8;
          if (cp >= 0x10000) {  // astral: a UTF-16 surrogate pair, as Python writes it
            cp -= 0x10000;
            out = write_u_escape(out, 0xD800 + (cp >> 10));
            out = write_u_escape(out, 0xDC00 + (cp & 0x3FF));
          } else {
            out = write_u_escape(out, cp);
          }
          i += len;  // may pass `end` by up to 3 bytes: max_string_chars has room for it
        }
        verbatim = i;
      }
    }
    if (i >= s.size()) break;
    sink.advance_to(out);
    out = sink.room(max_string_chars(std::min(s.size() - i, piece)));
  }
  *out++ = '"';
  sink.advance_to(out);
  return errc::ok;
}

// The short path inline where strings are written, the rest a call.
[[gnu::always_inline]] inline errc write_string(text_sink& sink, std::string_view s) {
  return write_short_plain_string(sink, s) ? errc::ok : write_long_string(sink, s);
}

inline errc write_value(const value& v, text_sink& sink, std::size_t depth_left,
                        key_order order = key_order::insertion);

// One member "key":value, after a ',' unless it is the object's first.
inline errc write_member(const object::entry& m, text_sink& sink, std::size_t depth_left,
                         key_order order, bool comma) {
  if (!write_short_plain_string<string_role::key>(sink, m.first, comma)) {
    if (comma) sink.put(',');
    if (const errc e = write_long_string(sink, m.first); e != errc::ok) return e;
    sink.put(':');
  }
  return write_value(m.second, sink, depth_left, order);
}

// A member to sort, with its key's first 8 bytes as a big-endian number (zero-padded):
// numbers compare as those bytes do, so only keys that share them compare as strings
// (sorting 20 keys by std::string compares took longer than writing them).
struct member_by_key {
  std::uint64_t prefix;
  const object::entry* member;
};

inline member_by_key sort_handle(const object::entry& m) noexcept {
  const std::string& k = m.first;
  std::uint8_t b[8] = {};
  if (k.size() >= 8) std::memcpy(b, k.data(), 8);
  else
    for (std::size_t i = 0; i < k.size(); ++i) b[i] = static_cast<std::uint8_t>(k[i]);
  std::uint64_t prefix = 0;
  for (const std::uint8_t c : b) prefix = prefix << 8 | c;
  return {prefix, &m};
}

inline bool operator<(const member_by_key& a, const member_by_key& b) noexcept {
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.member->first < b.member->first;
}

// An object's members by key, as Python's sort_keys (code points, which UTF-8 bytes
// compare alike). Up to 32 members are sorted on the stack, more in one allocation.
inline errc write_sorted_members(const object& o, text_sink& sink, std::size_t depth_left) {
  std::array<member_by_key, 32> small;
  std::vector<member_by_key> large;
  member_by_key* first = small.data();
  if (o.size() > small.size()) {
    large.resize(o.size());
    first = large.data();
  }
  member_by_key* last = first;
  for (const object::entry& m : o) *last++ = sort_handle(m);
  std::sort(first, last);
  for (member_by_key* m = first; m != last; ++m)
    if (const errc e = write_member(*m->member, sink, depth_left, key_order::sorted, m != first);
        e != errc::ok)
      return e;
  return errc::ok;
}

inline errc write_value(const value& v, text_sink& sink, std::size_t depth_left,
                        key_order order) {
  switch (v.kind()) {
    case kind::null: sink.put("null"); return errc::ok;
    case kind::boolean: sink.put(*v.if_bool() ? "true" : "false"); return errc::ok;
    case kind::integer: {
      char* out = sink.room(24);
      sink.advance_to(std::to_chars(out, out + 24, *v.if_int()).ptr);
      return errc::ok;
    }
    case kind::floating: {
      const double d = *v.if_double();
      if (!std::isfinite(d)) return errc::not_finite;
      char* out = sink.room(crumb::detail::max_python_float_chars);
      sink.advance_to(crumb::detail::write_python_float(out, d));
      return errc::ok;
    }
    case kind::string: return write_string(sink, *v.if_string());
    case kind::array: {
      if (depth_left == 0) return errc::too_deep;
      sink.put('[');
      bool first = true;
      for (const value& item : *v.if_array()) {
        if (!first) sink.put(',');
        first = false;
        if (const errc e = write_value(item, sink, depth_left - 1, order); e != errc::ok)
          return e;
      }
      sink.put(']');
      return errc::ok;
    }
    case kind::object: {
      if (depth_left == 0) return errc::too_deep;
      sink.put('{');
      if (order == key_order::sorted) {
        if (const errc e = write_sorted_members(*v.if_object(), sink, depth_left - 1);
            e != errc::ok)
          return e;
      } else {
        bool comma = false;
        for (const object::entry& m : *v.if_object()) {
          if (const errc e = write_member(m, sink, depth_left - 1, order, comma); e != errc::ok)
            return e;
          comma = true;
        }
      }
      sink.put('}');
      return errc::ok;
    }
  }
  return errc::invalid_json;
}

}  // namespace detail

/// Appends `v` to `out` exactly as Python's json.dumps(v, separators=(',', ':')) would
/// (ensure_ascii, dict order, repr floats). Errors: errc::not_finite for NaN/infinity,
/// errc::invalid_utf8 for a string that is not UTF-8, errc::too_deep past
/// `max_depth`. On error `out` holds a partial text. Allocates only to grow `out`.
[[nodiscard]] inline errc write(const value& v, std::string& out,
                                std::size_t max_depth = limits{}.max_depth) {
  detail::text_sink sink(out, out.size());
  const errc e = detail::write_value(v, sink, max_depth);
  out.resize(sink.length());
  return e;
}

/// As write(), into a scratch buffer reused from call to call: `text` views the JSON at
/// the buffer's start. The buffer keeps the largest size it has had (its tail is
/// unspecified), so a steady stream of writes neither allocates nor fills memory.
/// `order`: key_order::sorted writes each object's members by key, as json.dumps(...,
/// sort_keys=True) (Flask's sessions).
[[nodiscard]] inline errc write_into(const value& v, std::string& scratch, std::string_view& text,
                                     std::size_t max_depth = limits{}.max_depth,
                                     key_order order = key_order::insertion) {
  detail::text_sink sink(scratch, 0);
  const errc e = detail::write_value(v, sink, max_depth, order);
  text = e == errc::ok ? std::string_view(scratch.data(), sink.length()) : std::string_view();
  return e;
}

/// `v` as compact Python-compatible JSON (see write()).
inline result<std::string> to_string(const value& v, std::size_t max_depth = limits{}.max_depth) {
  std::string out;
  if (const errc e = write(v, out, max_depth); e != errc::ok) return e;
  return out;
}

/// Reads JSON texts into values. Keeps simdjson's parser and a padded copy buffer between
/// calls, so a reused reader allocates only for the values it builds. Not thread-safe:
/// use one per thread.
class reader {
 public:
  explicit reader(limits lim = {}) : limits_(lim) {}
  // simdjson's parser is move-only; a copy starts with a fresh one and the same limits.
  reader(const reader& other) : limits_(other.limits_) {}
  reader& operator=(const reader& other) {
    if (this != &other) *this = reader(other);
    return *this;
  }
  reader(reader&&) noexcept = default;
  reader& operator=(reader&&) noexcept = default;

  /// Parses `json` into `out`. Errors: errc::too_large (over max_bytes), too_deep,
  /// number_out_of_range (integers outside int64, floats beyond double), invalid_utf8
  /// (bad UTF-8 or an escaped lone surrogate), invalid_json (anything else, including
  /// trailing content). Duplicate keys: the last value wins at the first key's position,
  /// as Python's json.loads does. Never throws on bad input.
  [[nodiscard]] errc read(std::string_view json, value& out) {
    if (json.size() > limits_.max_bytes) return errc::too_large;
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: give it a padded copy.
    padded_.assign(json);
    padded_.resize(json.size() + padding);
    return read_padded(std::string_view(padded_.data(), json.size()), out);
  }

  /// How many readable bytes read_padded() needs after its text.
  static constexpr std::size_t padding = simdjson::SIMDJSON_PADDING;

  /// As read(), without the copy: `json.data()` must be followed by `padding` readable
  /// bytes (any values), as in a buffer sized json.size() + padding.
  [[nodiscard]] errc read_padded(std::string_view json, value& out) {
    if (json.size() > limits_.max_bytes) return errc::too_large;
    if (const errc e = prepare(); e != errc::ok) return e;
    simdjson::dom::element root;
    const auto error = parser_.parse(json.data(), json.size(), false).get(root);
    if (error != simdjson::SUCCESS) return translate(error, json);
    return build(root, out, limits_.max_depth);
  }

  const limits& current_limits() const noexcept { return limits_; }

 private:
  errc prepare() {
    if (allocated_) return errc::ok;
    // simdjson also counts a scalar inside a container as a level ([1] is 2 to it), while
    // crumb counts containers only, as the writer does ([1] and [] are 1): one more level
    // for simdjson, and build() holds containers to max_depth.
    const std::size_t depth = std::min(limits_.max_depth, SIZE_MAX - 1) + 1;
    if (parser_.allocate(limits_.max_bytes, depth) != simdjson::SUCCESS)
      return errc::too_large;
    allocated_ = true;
    return errc::ok;
  }

  static errc translate(simdjson::error_code error, std::string_view json) noexcept {
    switch (error) {
      case simdjson::CAPACITY: return errc::too_large;
      case simdjson::DEPTH_ERROR: return errc::too_deep;
      case simdjson::UTF8_ERROR: return errc::invalid_utf8;
      case simdjson::NUMBER_OUT_OF_RANGE: return errc::number_out_of_range;
      case simdjson::NUMBER_ERROR: return crumb::detail::classify_json_error(json, true);
      case simdjson::STRING_ERROR: return crumb::detail::classify_json_error(json, false);
      default: return errc::invalid_json;
    }
  }

  static bool same_text(const std::string& a, std::string_view b) noexcept {
    const std::size_t n = b.size();
    if (a.size() != n) return false;
    if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
    const auto x = detail::load_short(a.data(), n), y = detail::load_short(b.data(), n);
    return ((x.first ^ y.first) | (x.last ^ y.last)) == 0;
  }

  // dst = s, for a dst that never aliases s. A session read again has the same shape, so
  // most strings are as long as the ones they replace: those are copied over in place,
  // short ones inline. Others go through clear() + append(), which skips assign()'s
  // general replace (it allows for aliasing).
  static void overwrite(std::string& dst, std::string_view s) {
    const std::size_t n = s.size();
    if (n != dst.size()) {
      dst.clear();
      dst.append(s.data(), n);
    } else if (n > 16) {
      std::memcpy(dst.data(), s.data(), n);
    } else {
      detail::copy_short(dst.data(), s.data(), n);
    }
  }

  // Builds into `out`, reusing the strings, arrays and objects it already holds, so that
  // decoding the same shape again (every request of a session) allocates nothing.
  static errc build(simdjson::dom::element e, value& out, std::size_t depth_left) {
    using simdjson::dom::element_type;
    switch (e.type()) {
      // Scalars go straight into the variant: assigning a value would build a temporary
      // and move-assign it through a visit.
      case element_type::NULL_VALUE: out.raw() = nullptr; return errc::ok;
      case element_type::BOOL: out.raw() = e.get_bool().value_unsafe(); return errc::ok;
      case element_type::INT64: out.raw() = e.get_int64().value_unsafe(); return errc::ok;
      case element_type::UINT64: return errc::number_out_of_range;  // above INT64_MAX
      case element_type::DOUBLE: out.raw() = e.get_double().value_unsafe(); return errc::ok;
      case element_type::STRING: {
        const std::string_view s = e.get_string().value_unsafe();
        if (std::string* existing = out.if_string()) overwrite(*existing, s);
        else out = std::string(s);
        return errc::ok;
      }
      case element_type::ARRAY: {
        if (depth_left == 0) return errc::too_deep;
        simdjson::dom::array source;
        if (e.get_array().get(source) != simdjson::SUCCESS) return errc::invalid_json;
        if (!out.is_array()) out = array();
        array& items = *out.if_array();
        std::size_t n = 0;
        for (simdjson::dom::element item : source) {
          value& slot = n < items.size() ? items[n] : items.emplace_back();
          if (const errc err = build(item, slot, depth_left - 1); err != errc::ok) return err;
          ++n;
        }
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(n), items.end());
        return errc::ok;
      }
      case element_type::OBJECT: {
        if (depth_left == 0) return errc::too_deep;
        simdjson::dom::object source;
        if (e.get_object().get(source) != simdjson::SUCCESS) return errc::invalid_json;
        if (!out.is_object()) out = object();
        object& target = *out.if_object();
        // Whether every key is the one already at its position: when the object's keys
        // were known distinct, the keys read are the first of them and need no check.
        // (unchecked_entries() forgets that they were, so an exception part-way leaves
        // them to be checked next time.)
        bool same_keys = target.keys_known_distinct();
        auto& entries = target.unchecked_entries();
        std::size_t n = 0;
        for (simdjson::dom::key_value_pair field : source) {
          if (n >= entries.size()) {
            entries.emplace_back(std::string(field.key), value());
            same_keys = false;
          } else if (!same_text(entries[n].first, field.key)) {
            overwrite(entries[n].first, field.key);
            same_keys = false;
          }
          if (const errc err = build(field.value, entries[n].second, depth_left - 1);
              err != errc::ok) {
            entries.clear();  // no key left twice for a caller who looks after the error
            return err;
          }
          ++n;
        }
        entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(n), entries.end());
        if (same_keys) target.mark_keys_distinct();
        else target.collapse_duplicates();
        return errc::ok;
      }
    }
    return errc::invalid_json;
  }

  limits limits_;
  simdjson::dom::parser parser_;
  std::string padded_;
  bool allocated_ = false;
};

/// Parses `json` with a one-off reader (see reader::read()).
inline result<value> parse(std::string_view json, limits lim = {}) {
  reader r(lim);
  value out;
  if (const errc e = r.read(json, out); e != errc::ok) return e;
  return out;
}

}  // namespace crumb::json
