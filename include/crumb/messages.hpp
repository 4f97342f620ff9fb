// Flash messages as django.contrib.messages keeps them (Django 3.2's FallbackStorage): added
// in one request, shown and cleared in a later one. They travel in the signed `messages`
// cookie, and what does not fit its 2048 bytes goes to the session's "_messages", so a
// message added by Django is shown by crumb and the other way round.
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "crumb/clock.hpp"
#include "crumb/codec.hpp"
#include "crumb/compress.hpp"
#include "crumb/cookie.hpp"
#include "crumb/error.hpp"
#include "crumb/json.hpp"
#include "crumb/mac.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/session.hpp"
#include "crumb/session_settings.hpp"
#include "crumb/value.hpp"

namespace crumb::messages {

// Django's levels (django.contrib.messages.constants). Plain ints, as in Django, so that an
// application's own levels work too.
inline constexpr int debug = 10;    ///< development detail; below the default minimum level
inline constexpr int info = 20;     ///< the default minimum level (MESSAGE_LEVEL)
inline constexpr int success = 25;  ///< an action succeeded
inline constexpr int warning = 30;  ///< something to look at, not a failure
inline constexpr int error = 40;    ///< an action failed

/// Django's tag for `level` ("debug", "info", "success", "warning", "error"), or "" for a
/// level of the application's own (Django's LEVEL_TAGS without MESSAGE_TAGS).
constexpr std::string_view level_tag(int level) noexcept {
  switch (level) {
    case debug:
      return "debug";
    case info:
      return "info";
    case success:
      return "success";
    case warning:
      return "warning";
    case error:
      return "error";
    default:
      return "";
  }
}

/// One flash message, as Django's Message.
struct message {
  int level = info;
  std::string text;
  /// Space-separated CSS classes the application adds to the level's tag.
  std::string extra_tags;
  /// Django's SafeData (mark_safe): the text is HTML already and templates do not escape it.
  /// Kept so that a message passes through crumb unchanged.
  bool safe = false;

  /// The level's tag (see level_tag()).
  std::string_view level_tag() const noexcept { return messages::level_tag(level); }
  /// Django's Message.tags: extra_tags, then the level's tag, space-separated, empties left out.
  std::string tags() const {
    std::string out = extra_tags;
    const std::string_view tag = level_tag();
    if (!out.empty() && !tag.empty()) out += ' ';
    out += tag;
    return out;
  }
  friend bool operator==(const message&, const message&) = default;
};

/// What Django's settings and its CookieStorage class fix.
struct options {
  /// MESSAGE_LEVEL: add() drops messages below it.
  int min_level = info;
  /// CookieStorage.max_cookie_size: the longest cookie value, counted as Python's SimpleCookie
  /// would quote it; the newest messages that do not fit go to the session. 0: only the
  /// browser's limit (4096 bytes with the name).
  std::size_t max_cookie_size = 2048;
  /// CookieStorage.cookie_name.
  std::string cookie_name = "messages";
  /// CookieStorage.key_salt: the signer's salt.
  std::string salt = "django.contrib.messages";
  /// The longest JSON text read from the cookie (after inflating) or from "_messages": the
  /// bound on what a hostile cookie can make crumb inflate and parse.
  std::size_t max_json_bytes = 64 * 1024;
};

/// The session key of SessionStorage, where messages that did not fit the cookie wait.
inline constexpr std::string_view session_key = "_messages";
/// CookieStorage.not_finished: the cookie's last item when more messages are in the session.
inline constexpr std::string_view not_finished = "__messagesnotfinished__";
/// What get_cookie_signer() puts before each secret: the cookie's keys are not the session's.
inline constexpr std::string_view cookie_key_prefix = "django.http.cookies";

}  // namespace crumb::messages

namespace crumb::detail {

inline constexpr std::string_view message_marker = "__json_message";

// What get_cookie_signer() signs with: "django.http.cookies" + each secret (Django 4.1 does
// the same for SECRET_KEY_FALLBACKS).
inline key_ring messages_cookie_keys(const key_ring& secrets) {
  std::vector<std::string> fallbacks;
  for (std::size_t i = 1; i < secrets.secrets().size(); ++i)
    fallbacks.push_back(std::string(messages::cookie_key_prefix) + secrets.secrets()[i]);
  return key_ring(std::string(messages::cookie_key_prefix) + secrets.current(),
                  std::move(fallbacks));
}

// len(SimpleCookie().value_encode(text)[1]): Python quotes a value holding anything outside
// its legal characters, escaping '"' and '\' with a backslash and other bytes outside
// ' '..'~' as \ooo. Counted per byte: right for ASCII, which crumb's tokens are.
constexpr std::size_t simple_cookie_length(std::string_view text) noexcept {
  constexpr std::string_view legal_punctuation = "!#$%&'*+-.^_`|~:";
  std::size_t quoted = 2;
  bool legal = true;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    legal = legal && (alnum || legal_punctuation.find(ch) != std::string_view::npos);
    if (c == '"' || c == '\\')
      quoted += 2;
    else if (c < 0x20 || c >= 0x7f)
      quoted += 4;
    else
      quoted += 1;
  }
  return legal ? text.size() : quoted;
}

// Whether `text` is UTF-8: what JSON, and so both storages, can carry.
inline bool is_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = json::detail::decode_utf8(text, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// MessageEncoder's list for one message: ["__json_message", safe, level, text(, extra_tags)].
inline value message_to_value(const messages::message& m) {
  array item{value(message_marker), value(m.safe ? 1 : 0), value(m.level), value(m.text)};
  if (!m.extra_tags.empty()) item.emplace_back(m.extra_tags);
  return item;
}

// One message back from MessageEncoder's list. errc::malformed for any other shape (Django
// would fail later, rendering it).
inline errc message_from_value(const value& v, messages::message& out) {
  const array* item = v.if_array();
  if (item == nullptr || item->size() < 4 || item->size() > 5) return errc::malformed;
  const std::string* marker = (*item)[0].if_string();
  if (marker == nullptr || *marker != message_marker) return errc::malformed;
  if (const std::int64_t* flag = (*item)[1].if_int())
    out.safe = *flag != 0;
  else if (const bool* b = (*item)[1].if_bool())
    out.safe = *b;
  else
    return errc::malformed;
  const std::int64_t* level = (*item)[2].if_int();
  const std::string* text = (*item)[3].if_string();
  if (level == nullptr || *level < std::numeric_limits<int>::min() ||
      *level > std::numeric_limits<int>::max() || text == nullptr)
    return errc::malformed;
  out.level = static_cast<int>(*level);
  out.text = *text;
  out.extra_tags.clear();
  if (item->size() == 5 && !(*item)[4].is_null()) {
    const std::string* tags = (*item)[4].if_string();
    if (tags == nullptr) return errc::malformed;
    out.extra_tags = *tags;
  }
  return errc::ok;
}

// A JSON list of messages, all or nothing. With `sentinel`, a last item equal to
// not_finished is taken off and reported there (the cookie's rule).
inline errc messages_from_value(const value& v, std::vector<messages::message>& out,
                                bool* sentinel = nullptr) {
  const array* items = v.if_array();
  if (items == nullptr) return errc::malformed;
  std::size_t count = items->size();
  if (sentinel != nullptr && count > 0) {
    const std::string* last = items->back().if_string();
    *sentinel = last != nullptr && *last == messages::not_finished;
    if (*sentinel) --count;
  }
  std::vector<messages::message> read(count);
  for (std::size_t i = 0; i < count; ++i)
    if (const errc e = message_from_value((*items)[i], read[i]); e != errc::ok) return e;
  out.insert(out.end(), std::make_move_iterator(read.begin()), std::make_move_iterator(read.end()));
  return errc::ok;
}

// SessionStorage.serialize_messages: MessageEncoder().encode(messages), i.e. json.dumps with
// Python's default separators ", " and ": " (crumb's writer has only the compact ones; the
// strings go through it, so their escapes are Python's).
inline errc write_session_messages(std::span<const messages::message> list, std::string& out) {
  out = "[";
  for (const messages::message& m : list) {
    if (out.size() > 1) out += ", ";
    out.append("[\"").append(message_marker).append("\", ").append(m.safe ? "1" : "0");
    out += ", ";
    char digits[16];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, m.level).ptr);
    out += ", ";
    if (const errc e = json::write(value(m.text), out); e != errc::ok) return e;
    if (!m.extra_tags.empty()) {
      out += ", ";
      if (const errc e = json::write(value(m.extra_tags), out); e != errc::ok) return e;
    }
    out += ']';
  }
  out += ']';
  return errc::ok;
}

template <class C, class S, class K>
void as_basic_session(basic_session<C, S, K>&);

}  // namespace crumb::detail

namespace crumb::messages {

/// A request's session that messages can spill into: any basic_session, including a session
/// manager's session (which derives from one).
template <class T>
concept any_session = requires(T& s) {
  crumb::detail::as_basic_session(s);
};

/// One per application: the options, the cookie's attributes and its keys, derived once
/// from Django's SECRET_KEY. Immutable after construction: share it between threads.
template <mac_policy Mac = default_hmac_sha256, clock_policy Clock = system_clock>
class basic_config {
 public:
  using codec_type = basic_codec<profile::django, zlib_compression, Mac, Clock>;

  /// `secrets`: SECRET_KEY first, then SECRET_KEY_FALLBACKS, as for the session; the cookie
  /// is signed with "django.http.cookies" + secret, as get_cookie_signer() does. `session`:
  /// the cookie takes its Domain, Secure, HttpOnly, SameSite and Partitioned, with Path "/"
  /// and no Max-Age (a browser-session cookie), as CookieStorage._update_cookie sets it.
  /// Throws std::invalid_argument for an empty secret.
  explicit basic_config(const key_ring& secrets, const session_settings& session = {},
                        options opts = {}, Clock clock = {})
      : options_(std::move(opts)),
        cookie_(session.cookie),
        clock_(clock),
        prototype_(detail::messages_cookie_keys(secrets), codec_options(options_),
                   std::move(clock)) {
    cookie_.path = "/";
    cookie_.max_age.reset();
  }

  /// The options it was made with.
  const options& settings() const noexcept { return options_; }
  /// The messages cookie's attributes (a deletion adds Max-Age=0).
  const cookie::attributes& cookie() const noexcept { return cookie_; }
  /// The clock that dates the cookie's signature and its Set-Cookie.
  const Clock& clock() const noexcept { return clock_; }
  /// A codec for one request: the keys are copied, not derived again. Allocates.
  codec_type make_codec() const { return prototype_; }

 private:
  // sign_object(compress=True), read by unsign_object() without max_age; a token no longer
  // than a browser sends, holding a list of lists.
  static typename codec_type::options codec_options(const options& opts) {
    typename codec_type::options o;
    o.salt = opts.salt;
    o.max_age.reset();
    o.compress = true;
    o.max_token_bytes = cookie::size_limits{}.max_name_and_value;
    o.max_json_bytes = opts.max_json_bytes;
    o.max_depth = 2;
    return o;
  }

  options options_;
  cookie::attributes cookie_;
  Clock clock_;
  codec_type prototype_;
};

/// The common case: the fastest HMAC of this build, the wall clock.
using config = basic_config<>;

/// One request's messages, as Django's request._messages (FallbackStorage): made from the
/// request's Cookie header and its session, which both must outlive it. Reading is lazy:
/// nothing is verified until the messages are asked for. Not thread-safe, like a session.
///
/// Untrusted input never throws: a messages cookie that does not verify or parse gives no
/// messages, is deleted by commit(), and load_error() says why; the same for "_messages".
template <any_session Session, mac_policy Mac = default_hmac_sha256,
          clock_policy Clock = system_clock>
class storage {
 public:
  using config_type = basic_config<Mac, Clock>;

  /// Takes the messages cookie from `cookie_header` (the first one, as the session does).
  storage(const config_type& config, std::string_view cookie_header, Session& session)
      : config_(config), session_(session), min_level_(config.settings().min_level) {
    if (const auto found = cookie::find(cookie_header, config.settings().cookie_name))
      cookie_ = std::string(*found);
  }
  /// A temporary config would be gone before commit().
  storage(const config_type&&, std::string_view, Session&) = delete;
  /// Refers to its config and session: neither copied nor moved.
  storage(const storage&) = delete;
  storage& operator=(const storage&) = delete;

  /// Queues a message for a later request (messages.add_message()). Dropped, as Django drops
  /// them, when the text is empty or the level is below min_level(). Errors, with nothing
  /// queued: errc::invalid_utf8 when the text or the tags are not UTF-8 (JSON cannot carry
  /// them); errc::too_large when the message alone is longer than the options'
  /// max_json_bytes lets a later request read back.
  errc add(message m) {
    if (!detail::is_utf8(m.text) || !detail::is_utf8(m.extra_tags)) return errc::invalid_utf8;
    if (m.text.empty() || m.level < min_level_) return errc::ok;
    std::string alone;
    if (const errc e = detail::write_session_messages(std::span(&m, 1), alone); e != errc::ok)
      return e;
    if (alone.size() > config_.settings().max_json_bytes) return errc::too_large;
    queued_.push_back(std::move(m));
    added_new_ = true;
    return errc::ok;
  }
  /// add() for the usual case: not marked safe.
  errc add(int level, std::string_view text, std::string_view extra_tags = {}) {
    return add(message{level, std::string(text), std::string(extra_tags), false});
  }

  /// The pending messages, oldest first: those from earlier requests, then those added in
  /// this one. Like iterating Django's storage, this marks them used: commit() then keeps
  /// only the messages added after this call. Valid until the next read().
  const std::vector<message>& read() {
    ensure_loaded();
    used_ = true;
    for (message& m : queued_) loaded_messages_.push_back(std::move(m));
    queued_.clear();
    return loaded_messages_;
  }

  /// How many messages are pending (len(storage)), without marking them used: for "are
  /// there any?" before rendering.
  std::size_t size() {
    ensure_loaded();
    return loaded_messages_.size() + queued_.size();
  }
  /// Whether no message is pending (`{% if messages %}`); does not mark them used.
  bool empty() { return size() == 0; }

  /// The level below which add() drops messages: the options' min_level until set
  /// (messages.set_level()).
  int min_level() const noexcept { return min_level_; }
  /// For this request only, as messages.set_level(request, level).
  void set_min_level(int level) noexcept { min_level_ = level; }

  /// Why the request's messages were not (all) taken, for logs: the codec's errors for the
  /// cookie (invalid_signature, malformed, too_large, invalid_json, ...), errc::malformed
  /// for a list of another shape; for "_messages", invalid_json or malformed. Empty when
  /// all was well or nothing was read yet.
  std::error_code load_error() const noexcept { return load_error_; }

  /// Django's storage.update(response), at the end of the request and before the session
  /// is saved: keeps the messages not yet shown, oldest first in the cookie, and the newest
  /// that do not fit in the session's "_messages" (behind a "__messagesnotfinished__" item
  /// in the cookie). Returns the cookie to set, or its deletion once all was shown (none
  /// when nothing was read or added). Called again in the same request, it keeps what the
  /// first call kept as well. Errors, with the session left untouched and the messages
  /// still pending here: invalid_cookie or cookie_too_large (the options' name or
  /// attributes, see cookie::check); too_large when the messages for "_messages" are
  /// longer than max_json_bytes lets the next request read (show some first); the codec's
  /// errors. Allocates.
  result<std::vector<cookie::set_cookie>> commit() {
    std::vector<cookie::set_cookie> out;
    if (!used_ && !added_new_) return out;
    ensure_loaded();
    std::vector<message> keep;  // a copy: on error, nothing is lost
    if (!used_) keep = loaded_messages_;
    keep.insert(keep.end(), queued_.begin(), queued_.end());

    const options& opts = config_.settings();
    cookie::attributes attrs = config_.cookie();
    std::string token;
    std::vector<message> overflow;
    const bool storing = !keep.empty();
    if (storing) {
      if (const errc e = fit_cookie(keep, overflow, token); e != errc::ok) return e;
    } else if (cookie_ && !cookie_->empty()) {
      attrs.max_age = std::chrono::seconds(0);  // all shown: delete the cookie
    }
    if (storing || attrs.max_age) {
      if (const errc e = cookie::check(opts.cookie_name, token, attrs); e != errc::ok) return e;
      out.push_back({opts.cookie_name, std::move(token), attrs, config_.clock().now()});
    }
    std::string serialized;
    if (!overflow.empty()) {
      if (const errc e = detail::write_session_messages(overflow, serialized); e != errc::ok)
        return e;
      // What the next request could not read back would be lost there, silently.
      if (serialized.size() > opts.max_json_bytes) return errc::too_large;
      session_.set(session_key, serialized);
    } else if (session_read_) {
      session_.erase(session_key);
    }

    // Committed: what was kept is pending still, for a later commit() in this request (its
    // cookie replaces this one's) and for the next request.
    keep.insert(keep.end(), std::make_move_iterator(overflow.begin()),
                std::make_move_iterator(overflow.end()));
    loaded_messages_ = std::move(keep);
    queued_.clear();
    used_ = added_new_ = false;
    session_read_ = !overflow.empty();
    cookie_ = storing ? out.back().value : std::string();
    return out;
  }

 private:
  // FallbackStorage._get: the cookie's messages; the session's only when the cookie ends in
  // the sentinel. No cookie, or a bad one, and the session is not consulted, as in Django.
  void ensure_loaded() {
    if (loaded_) return;
    loaded_ = true;
    if (!cookie_ || cookie_->empty()) return;
    bool more = false;
    if (const errc e = read_cookie(*cookie_, more); e != errc::ok) {
      load_error_ = e;
      used_ = true;  // as CookieStorage: a bad cookie is deleted on commit()
      return;
    }
    if (!more) return;
    const value* held = session_.data().find(session_key);
    if (held == nullptr) return;
    session_read_ = true;  // removed on commit() once shown, or if unreadable
    if (const errc e = read_session_value(*held); e != errc::ok) load_error_ = e;
  }

  errc read_cookie(std::string_view token, bool& more) {
    codec_type& codec = get_codec();
    value decoded;
    if (const errc e = codec.decode_into(token, decoded); e != errc::ok) return e;
    return detail::messages_from_value(decoded, loaded_messages_, &more);
  }

  // SessionStorage.deserialize_messages: a JSON string, or (as Django also takes) a list.
  errc read_session_value(const value& held) {
    if (held.is_null()) return errc::ok;
    if (held.is_array()) return detail::messages_from_value(held, loaded_messages_);
    const std::string* text = held.if_string();
    if (text == nullptr) return errc::malformed;
    if (text->empty()) return errc::ok;
    json::reader reader(json::limits{config_.settings().max_json_bytes, 2});
    value parsed;
    if (const errc e = reader.read(*text, parsed); e != errc::ok) return e;
    return detail::messages_from_value(parsed, loaded_messages_);
  }

  // CookieStorage._store(remove_oldest=False), as FallbackStorage calls it: the oldest
  // messages that fit stay in the cookie, which then ends in the sentinel, and the newest
  // move to `overflow`. How many fit is found by bisection, as Django 4.2 does (3.2 moved
  // one message at a time: an encode per message, quadratic in a visitor's backlog).
  errc fit_cookie(std::vector<message>& keep, std::vector<message>& overflow, std::string& token) {
    codec_type& codec = get_codec();
    const options& opts = config_.settings();
    array all;
    all.reserve(keep.size());
    for (const message& m : keep) all.push_back(detail::message_to_value(m));
    // Whether the first `count` messages fit (`fit`), with the sentinel after them when
    // `more`; the token is theirs.
    const auto try_fit = [&](std::size_t count, bool more, bool& fit) {
      value list = array(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count));
      if (more) list.if_array()->emplace_back(not_finished);
      const errc e = codec.encode_into(list, token);
      fit = e == errc::ok &&
            (opts.max_cookie_size == 0 ||
             detail::simple_cookie_length(token) <= opts.max_cookie_size) &&
            opts.cookie_name.size() + token.size() <= cookie::size_limits{}.max_name_and_value;
      return e == errc::too_large ? errc::ok : e;  // too_large: it does not fit
    };
    bool fit = false;
    if (const errc e = try_fit(keep.size(), false, fit); e != errc::ok || fit) return e;
    std::size_t in_cookie = 0, too_many = keep.size();  // in_cookie fit, too_many did not
    while (too_many - in_cookie > 1) {
      const std::size_t mid = in_cookie + (too_many - in_cookie) / 2;
      if (const errc e = try_fit(mid, true, fit); e != errc::ok) return e;
      (fit ? in_cookie : too_many) = mid;
    }
    // The token of the count chosen. With none, the sentinel alone goes out even where it
    // is over max_cookie_size, as Django's loop ends with it (commit() checks the browser's
    // limit).
    if (const errc e = try_fit(in_cookie, true, fit); e != errc::ok) return e;
    overflow.assign(std::make_move_iterator(keep.begin() + static_cast<std::ptrdiff_t>(in_cookie)),
                    std::make_move_iterator(keep.end()));
    keep.resize(in_cookie);
    return errc::ok;
  }

  using codec_type = typename config_type::codec_type;
  codec_type& get_codec() {
    if (!codec_) codec_.emplace(config_.make_codec());
    return *codec_;
  }

  const config_type& config_;
  Session& session_;
  std::optional<codec_type> codec_;  // made on first use: most requests carry no messages
  std::optional<std::string> cookie_;
  std::vector<message> loaded_messages_;  // from the cookie and the session
  std::vector<message> queued_;           // added in this request, not yet read
  std::error_code load_error_;
  int min_level_;
  bool loaded_ = false;
  bool used_ = false;          // read (or found bad): keep only what is added from now on
  bool added_new_ = false;     // something was added: keep what was there too
  bool session_read_ = false;  // "_messages" was read: remove it unless rewritten
};

}  // namespace crumb::messages
