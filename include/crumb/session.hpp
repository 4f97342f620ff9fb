// basic_session: the request-scoped session a web developer touches, like Django's
// request.session. Dict-like and typed through value_traits; decoded lazily on first
// access; saved only when modified; spilled to a store (or chunked) when too big for a
// cookie. No framework tie: load(Cookie header) in, save() -> Set-Cookie values out.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "crumb/chunks.hpp"
#include "crumb/clock.hpp"
#include "crumb/cookie.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"
#include "crumb/profile.hpp"
#include "crumb/purpose.hpp"
#include "crumb/session_settings.hpp"
#include "crumb/store.hpp"
#include "crumb/store_reference.hpp"
#include "crumb/value.hpp"
#include "crumb/value_traits.hpp"

namespace crumb {

/// A codec the session can use: basic_codec or anything with the same two calls and a
/// profile_type whose session_expiry says where the session keeps its own lifetime (see
/// profile::django::session_expiry).
template <class C>
concept session_codec = requires(C& c, const value& v, std::string& s, std::string_view t,
                                 value& out, token_info& info, const token_info* renewing,
                                 purpose p) {
  { c.encode_into(v, s, p, renewing) } -> std::same_as<errc>;
  { c.decode_into(t, out, info, p) } -> std::same_as<errc>;
  typename C::profile_type::session_expiry;
};

/// One request's session. Not thread-safe (a request is handled by one thread); the codec
/// it uses must outlive it and is used only from this thread; the store may be shared.
/// `store` may be null when nothing should spill (save() then fails with
/// errc::cookie_too_large, cause "no store configured", for an oversized session under the
/// spill policy).
///
/// What it promises when a store is involved:
/// - A store that cannot answer is never taken for an empty session: the session is
///   poisoned() and save() returns errc::store_unavailable without a Set-Cookie, so the
///   visitor's cookie, and the data behind it, are untouched (answer 503).
/// - A stored session deleted by another request (a logout, cycle_key) after this one read
///   it is never written back: save() returns errc::session_interrupted.
/// - save() never deletes the old entry before the new data is encoded and written.
template <session_codec Codec, session_store Store = memory_store, clock_policy Clock = system_clock>
class basic_session {
 public:
  /// `codec`, `*store` and `settings` are referred to, not copied: each must outlive the
  /// session. A temporary codec or settings would dangle, so they do not compile.
  /// A codec whose profile binds tokens to their cookie (native) must name the settings'
  /// cookie: std::invalid_argument otherwise (a session manager sets it).
  basic_session(Codec& codec, Store* store, const session_settings& settings, Clock clock = {})
      : codec_(codec), store_(store), settings_(settings), clock_(std::move(clock)) {
    if constexpr (requires { codec.settings().cookie_name; }) {
      if (codec.settings().cookie_name != settings.cookie_name)
        detail::raise<std::invalid_argument>(
            "crumb: the codec binds its tokens to another cookie name than the settings'");
    }
  }
  basic_session(Codec&&, Store*, const session_settings&, Clock = {}) = delete;
  basic_session(Codec&, Store*, const session_settings&&, Clock = {}) = delete;

  /// Takes the session's cookie(s) from a request's `Cookie:` header. Cheap: nothing is
  /// verified or decoded until the session is first used. Of chunk cookies, only the
  /// indices these settings can issue are read (max_chunks()), the first of each.
  void load(std::string_view cookie_header) {
    reset();
    const std::string& name = settings_.cookie_name;
    const std::size_t most = max_chunks();
    std::vector<chunks::part> parts;
    cookie::for_each(cookie_header, [&](std::string_view n, std::string_view v) {
      if (n == name) {
        if (!cookie_) cookie_ = std::string(v);
        return;
      }
      const std::size_t index = chunks::index_of(n, name);
      if (index == 0 || index >= most) return;  // never issued here: ignored, never echoed
      if (std::find(request_chunks_.begin(), request_chunks_.end(), index) !=
          request_chunks_.end())
        return;  // the first occurrence wins, as for the main cookie
      request_chunks_.push_back(index);
      parts.push_back({index, v});
    });
    std::sort(request_chunks_.begin(), request_chunks_.end());
    if (cookie_ && chunks::is_head(*cookie_)) {
      cookie_ = chunks::reassemble(*cookie_, parts, most);
      chunks_broken_ = !cookie_;
    }
  }

  // --- dict-like access (each first call verifies and decodes the cookie) -------------

  /// The value under `key` as a T: errc::not_found, type_mismatch or number_out_of_range.
  template <class T>
  result<T> get(std::string_view key) {
    const value* v = data().find(key);
    if (v == nullptr) return errc::not_found;
    return value_as<T>(*v);
  }
  /// The value under `key` as a T, or `fallback` when absent or of another type.
  template <class T>
  T get(std::string_view key, T fallback) {
    return get<T>(key).value_or(std::move(fallback));
  }
  /// Sets `key` (marks the session modified). Throws std::invalid_argument for the
  /// reserved key "_crumb_store".
  template <class T>
  void set(std::string_view key, const T& v) {
    if (key == store_reference_key)
      detail::raise<std::invalid_argument>(
          "crumb: \"_crumb_store\" is reserved for store references");
    mutable_data().insert_or_assign(key, to_value(v));
  }
  bool contains(std::string_view key) { return data().contains(key); }
  /// Removes `key`; modifies the session only when the key was there.
  bool erase(std::string_view key) {
    if (!data().contains(key)) return false;
    return mutable_data().erase(key);
  }
  /// Removes every key (the cookie stays, now empty; see flush()).
  void clear() {
    if (!data().empty()) mutable_data().clear();
  }
  std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (const auto& [k, v] : data()) out.push_back(k);
    return out;
  }
  bool empty() { return data().empty(); }
  std::size_t size() { return data().size(); }
  /// The whole session, read-only.
  const object& data() {
    ensure_loaded();
    return data_;
  }

  // --- state ---------------------------------------------------------------------------

  bool modified() const noexcept { return modified_; }
  /// Whether the cookie has been verified and decoded yet.
  bool loaded() const noexcept { return loaded_; }
  /// Why the request's cookie was not used (invalid_signature, expired, not_found for a store
  /// entry that is gone, store_unavailable, ...): for logs. Empty when there was no cookie
  /// or it was good.
  std::error_code load_error() const noexcept { return load_error_; }
  /// What the store said about the last failure, in its own words (errno text, Redis
  /// error), for logs; empty when the error code says it all.
  const std::string& error_cause() const noexcept { return error_cause_; }
  /// Whether the session's data is out of reach: its store could not answer (decodes the
  /// cookie if not yet done). A poisoned session reads as empty, and save() refuses to
  /// touch the visitor's cookie: answer 503 and let the visitor retry.
  bool poisoned() {
    ensure_loaded();
    return poisoned_;
  }
  /// Whether the session's data lives in the store (decodes the cookie if not yet done).
  bool in_store() {
    ensure_loaded();
    return !entry_id_.empty();
  }
  /// Whether the cookie verified with a fallback key of the ring (decodes it if not yet
  /// done): save() then re-issues it with the current key, modified or not.
  bool needs_resign() {
    ensure_loaded();
    return token_ && token_->needs_resign;
  }
  /// The most cookies (name, name.1, ...) these settings can split a session over: every
  /// chunk but the last is full, and all must fit in max_chunked_bytes.
  std::size_t max_chunks() const noexcept { return crumb::max_chunks(settings_); }

  // --- expiry, as Django's SessionBase -------------------------------------------------

  /// Expire after `age` of inactivity; 0 means when the browser closes.
  void set_expiry(std::chrono::seconds age) { expiry_rules::set_age(mutable_data(), age); }
  /// Expire at `when` (stored as the profile keeps it: Django, an ISO 8601 string).
  void set_expiry(time_point when) { expiry_rules::set_time(mutable_data(), when); }
  /// Back to the settings' default lifetime.
  void clear_expiry() {
    if (data().contains(expiry_rules::key)) mutable_data().erase(expiry_rules::key);
  }
  /// Seconds the session has left from now (the cookie's Max-Age). Whole seconds: any
  /// expiry a token can carry (year 9999, 4e12 s) is computed without overflow.
  std::chrono::seconds expiry_age() {
    return expiry_rules::age(data(), clock_.now()).value_or(settings_.cookie_age);
  }
  /// Whether the cookie dies with the browser session.
  bool expire_at_browser_close() {
    return expiry_rules::at_browser_close(data()).value_or(settings_.expire_at_browser_close);
  }

  // --- lifecycle -----------------------------------------------------------------------

  /// Empties the session, deletes its store entry and expires its cookie(s) on save():
  /// use at logout.
  void flush() {
    ensure_loaded();
    data_.clear();
    discard_entry();
    new_identity_ = false;
    flushed_ = true;
    modified_ = true;
  }

  /// Same data, fresh identity: on save() a stored session moves to a new random id and
  /// the old entry is deleted, so a cookie from before no longer reaches the data. Use at
  /// login, against session fixation.
  void cycle_key() {
    ensure_loaded();
    new_identity_ = true;
    modified_ = true;
  }

  /// The Set-Cookie values to send: none when nothing changed (and save_every_request is
  /// off). Errors, each with nothing to send and the visitor's cookie left as it was:
  /// - store_unavailable (poisoned, or the store failed now; see error_cause()),
  ///   store_full, too_large, session_interrupted (the entry was deleted meanwhile);
  /// - cookie_too_large (policy error, or chunks past max_chunked_bytes), invalid_cookie
  ///   (bad name/attributes), the codec's errors.
  /// A session is never dropped or truncated silently.
  result<std::vector<std::string>> save() {
    auto cookies = commit();
    if (!cookies) return cookies.error();
    std::vector<std::string> lines;
    lines.reserve(cookies->size());
    for (const cookie::set_cookie& c : *cookies) lines.push_back(c.render());
    return lines;
  }

  /// As save(), with the cookies as structures (name, value, attributes) for frameworks
  /// that keep them so; each one's render() gives the header value save() would.
  result<std::vector<cookie::set_cookie>> commit() {
    std::vector<cookie::set_cookie> out;
    if (poisoned_) return load_error_;
    const bool refresh = came_with_cookie() && (settings_.save_every_request || due_for_reissue());
    if (!modified_ && !refresh) return out;
    ensure_loaded();
    if (poisoned_) return load_error_;
    if (!modified_ && data_.empty()) return out;  // nothing good to refresh
    error_cause_.clear();

    // A session whose absolute end came while in use has ended: what it held ends with it.
    if (const auto left = seconds_to_end(); left && *left == 0) {
      data_.clear();
      flushed_ = true;
    }
    if (data_.empty()) {  // Django deletes the cookie of an emptied session
      if (const errc e = end(out); e != errc::ok) return e;
      return out;
    }
    if (const errc e = erase_discarded(); e != errc::ok) return e;

    std::string token;
    if (const errc e = codec_.encode_into(data_, token, purpose::cookie, renewing());
        e != errc::ok)
      return e;
    const cookie::attributes attrs = attributes_for_save();
    const std::size_t limit = settings_.limits.max_name_and_value;
    std::size_t chunks_sent = 1;
    if (settings_.cookie_name.size() + token.size() <= limit) {
      if (const errc e = append_cookie(out, settings_.cookie_name, token, attrs); e != errc::ok)
        return e;
      if (const errc e = release_entry(); e != errc::ok) return e;  // back into the cookie
    } else if (settings_.oversize == oversize_policy::spill) {
      if (const errc e = spill(out, attrs); e != errc::ok) return e;
    } else if (settings_.oversize == oversize_policy::chunk) {
      const auto sent = chunk(out, token, attrs);
      if (!sent) return sent.error();
      if (const errc e = release_entry(); e != errc::ok) return e;
      chunks_sent = *sent;
    } else {
      return errc::cookie_too_large;
    }
    if (const errc e = expire_chunks_from(out, chunks_sent); e != errc::ok) return e;
    new_identity_ = false;
    modified_ = false;
    if (token_) token_->needs_resign = false;
    return out;
  }

  /// commit() for a response that failed (a 5xx: the handler stopped half-way): nothing
  /// is saved, but a session the handler ended (flush(), or every key erased) ends all
  /// the same: its store entry is deleted and its cookies are expired, as Django's
  /// middleware deletes an emptied session's cookie whatever the status. A logout must
  /// not come undone because the page after it failed. Errors: as commit()'s deletion.
  result<std::vector<cookie::set_cookie>> commit_ending_only() {
    std::vector<cookie::set_cookie> out;
    if (poisoned_) {  // a logout the store could not carry out is reported, as by commit()
      if (flushed_) return load_error_;
      return out;
    }
    if (!modified_ || !(flushed_ || data_.empty())) return out;
    error_cause_.clear();
    data_.clear();  // flushed, then set again: the new data is not saved
    if (const errc e = end(out); e != errc::ok) return e;
    return out;
  }

 private:
  using expiry_rules = typename Codec::profile_type::session_expiry;

  void reset() {
    cookie_.reset();
    request_chunks_.clear();
    data_.clear();
    entry_id_.clear();
    discarded_ids_.clear();
    load_error_.clear();
    error_cause_.clear();
    loaded_ = modified_ = flushed_ = chunks_broken_ = poisoned_ = new_identity_ = false;
    token_.reset();
  }

  // Whether a session that was read must be re-issued unchanged: its key is a fallback,
  // or its profile's idle timeout would otherwise end it while in use.
  bool due_for_reissue() const {
    if (!loaded_ || !token_) return false;
    return token_->needs_resign ||
           (token_->refresh_at != 0 && to_unix_seconds(clock_.now()) >= token_->refresh_at);
  }

  // The token being replaced (a profile with an absolute end keeps it): null for a new or
  // flushed session. A re-keyed one (cycle_key) keeps its end too, so that no chain of
  // logins outlives it; flush() and set the data again for a fresh lifetime.
  const token_info* renewing() const noexcept {
    return token_ && !flushed_ ? &*token_ : nullptr;
  }

  // Seconds left before the absolute end of the session being renewed; nullopt when it
  // has none.
  std::optional<std::int64_t> seconds_to_end() const {
    const token_info* r = renewing();
    if (r == nullptr || r->expires_at == 0) return std::nullopt;
    return std::max<std::int64_t>(
        0, detail::saturating_add(r->expires_at, -to_unix_seconds(clock_.now())));
  }

  object& mutable_data() {
    ensure_loaded();
    modified_ = true;
    return data_;
  }

  void ensure_loaded() {
    if (loaded_) return;
    loaded_ = true;
    if (chunks_broken_) {
      load_error_ = errc::malformed;
      return;
    }
    if (!cookie_ || cookie_->empty()) return;
    if (const std::error_code e = read_cookie(*cookie_)) {
      load_error_ = e;
      data_.clear();
      entry_id_.clear();
      // Gone (not_found) is a fresh session; "cannot tell" must not become one.
      poisoned_ = e == errc::store_unavailable;
    }
  }

  errc fail(const store_status& s) {
    error_cause_ = s.cause();
    return s.code();
  }

  // The cookie's token (reassembled if chunked) to data_, through the store if it is a
  // reference; then the session's own expiry, which Django keeps inside the data.
  std::error_code read_cookie(std::string_view token) {
    value decoded;
    token_info info;
    if (const errc e = codec_.decode_into(token, decoded, info, purpose::cookie); e != errc::ok)
      return e;
    std::int64_t signed_at = info.issued_at;
    object* o = decoded.if_object();
    if (o == nullptr) return errc::type_mismatch;
    if (is_store_reference(*o)) {
      const result<std::string> id = store_reference_id(*o);
      if (!id) return id.error();
      if (store_ == nullptr) {  // never reachable from here (the store was taken out of
        // the settings, say): gone for this application, not a passing outage that must
        // answer 503 to every request, logout included, until the cookie expires
        error_cause_ = "no store configured";
        return errc::not_found;
      }
      std::string stored;
      if (const store_status got = store_->get(*id, stored); !got) return fail(got);
      token_info entry_info;
      if (const errc e = codec_.decode_into(stored, decoded, entry_info, purpose::store_entry);
          e != errc::ok)
        return e;
      signed_at = entry_info.issued_at;
      info.needs_resign = info.needs_resign || entry_info.needs_resign;
      result<object> data = open_store_entry(decoded, *id);
      if (!data) {
        error_cause_ = "store entry not made for this id";
        return data.error();
      }
      entry_id_ = *id;
      data_ = std::move(*data);
    } else {
      data_ = std::move(*o);
    }
    if (expiry_rules::expired(data_, signed_at, clock_.now())) return errc::expired;
    token_ = info;
    return {};
  }

  // The store entry for the data under `id`, signed for purpose::store_entry. data_ is
  // lent to the entry and given back.
  errc encode_entry(const std::string& id, std::string& entry) {
    value whole = make_store_entry(id, std::move(data_));
    const errc e = codec_.encode_into(whole, entry, purpose::store_entry, renewing());
    data_ = std::move(*open_store_entry(whole, id));
    return e;
  }

  // The data to the store and a signed reference to the cookie. A stored session keeps
  // its id, updated only while its entry is still there; a new one, or one given a fresh
  // identity, gets a new id, and its old entry goes only after the new one is written.
  errc spill(std::vector<cookie::set_cookie>& out, const cookie::attributes& attrs) {
    if (store_ == nullptr) {  // nowhere to spill: as the error policy (no retry helps)
      error_cause_ = "no store configured";
      return errc::cookie_too_large;
    }
    const bool rewrite = !entry_id_.empty() && !new_identity_;
    const std::string id = rewrite ? entry_id_ : new_store_id();
    std::string reference;
    if (const errc e =
            codec_.encode_into(make_store_reference(id), reference, purpose::cookie, renewing());
        e != errc::ok)
      return e;
    std::vector<cookie::set_cookie> lines;
    if (const errc e = append_cookie(lines, settings_.cookie_name, reference, attrs);
        e != errc::ok)
      return e;
    std::string entry;
    if (const errc e = encode_entry(id, entry); e != errc::ok) return e;
    auto ttl = std::clamp(expiry_age(), std::chrono::seconds(1), cookie::max_lifetime);
    if (const auto left = seconds_to_end(); left && ttl.count() > *left)
      ttl = std::chrono::seconds(std::max<std::int64_t>(1, *left));  // no longer than its cookie
    if (rewrite) {
      const store_status written = store_->update(id, entry, ttl);
      if (!written)
        return written.code() == errc::not_found ? interrupted() : fail(written);
    } else {
      if (const store_status written = store_->create(id, entry, ttl); !written)
        return fail(written);
      if (const errc e = release_entry(); e != errc::ok) {
        (void)store_->erase(id);  // the new entry must not outlive a refused save
        return e;
      }
      entry_id_ = id;
    }
    out.push_back(std::move(lines.front()));
    return errc::ok;
  }

  errc interrupted() {
    error_cause_ = "the store entry was deleted by another request";
    return errc::session_interrupted;
  }

  // The data leaves the entry it was read from: delete it. It must still be there: if
  // another request deleted it (a logout), this one must not bring its data back.
  // An erase that failed may still have happened (a Redis reply lost to a timeout): a
  // read that says the entry is gone settles it, rather than failing a save whose old
  // entry no longer exists (the visitor would keep a cookie that reaches nothing).
  errc release_entry() {
    if (entry_id_.empty()) return errc::ok;
    const store_status gone = store_->erase(entry_id_);
    if (!gone && gone.code() == errc::not_found) return interrupted();
    if (!gone) {
      std::string ignored;
      if (store_->get(entry_id_, ignored).code() != errc::not_found) return fail(gone);
    }
    entry_id_.clear();
    return errc::ok;
  }

  // Whether the request brought the session's cookie (or any of its chunks).
  bool came_with_cookie() const noexcept { return cookie_.has_value() || !request_chunks_.empty(); }

  // Ends an emptied session: deletes its entry (and any let go of before) and expires its
  // cookie and chunks.
  errc end(std::vector<cookie::set_cookie>& out) {
    discard_entry();
    if (const errc e = erase_discarded(); e != errc::ok) return e;
    if (came_with_cookie() || flushed_) {
      if (const errc e = append_deletion(out, settings_.cookie_name); e != errc::ok) return e;
      if (const errc e = expire_chunks_from(out, 1); e != errc::ok) return e;
    }
    modified_ = false;
    return errc::ok;
  }

  // The data no longer needs its entry (flush, or every key erased): delete it on save.
  void discard_entry() {
    if (!entry_id_.empty()) discarded_ids_.push_back(std::move(entry_id_));
    entry_id_.clear();
  }

  // Entries discard_entry() let go of: delete them (already gone is fine).
  errc erase_discarded() {
    while (!discarded_ids_.empty()) {
      const store_status gone = store_->erase(discarded_ids_.back());
      if (!gone && gone.code() != errc::not_found) return fail(gone);
      discarded_ids_.pop_back();
    }
    return errc::ok;
  }

  // The token over chunk cookies: how many were sent.
  result<std::size_t> chunk(std::vector<cookie::set_cookie>& out, std::string_view token,
                            const cookie::attributes& attrs) {
    auto pieces = chunks::split(settings_.cookie_name, token, settings_.limits.max_name_and_value,
                                max_chunks(), settings_.max_chunked_bytes);
    if (!pieces) return pieces.error();
    for (const chunks::piece& p : *pieces)
      if (const errc e = append_cookie(out, p.name, p.value, attrs); e != errc::ok) return e;
    return pieces->size();
  }

  // Deletes name.k for each k >= from that the request carried, and only those: leftovers
  // of a longer earlier session would otherwise confuse the next reassembly.
  errc expire_chunks_from(std::vector<cookie::set_cookie>& out, std::size_t from) {
    for (const std::size_t k : request_chunks_)
      if (k >= from)
        if (const errc e = append_deletion(out, chunks::name_of(settings_.cookie_name, k));
            e != errc::ok)
          return e;
    return errc::ok;
  }

  // The settings' attributes with this session's lifetime: a browser-session cookie, or
  // Max-Age/Expires from its expiry. Computed once per save(), whatever the cookie count.
  cookie::attributes attributes_for_save() {
    cookie::attributes attrs = settings_.cookie;
    if (expire_at_browser_close()) attrs.max_age.reset();
    else attrs.max_age = std::max(expiry_age(), std::chrono::seconds(0));
    // A re-issued token's cookie ends with its session (a profile's absolute end); a
    // browser-session cookie stays one.
    if (const auto left = seconds_to_end(); left && attrs.max_age && attrs.max_age->count() > *left)
      attrs.max_age = std::chrono::seconds(*left);
    return attrs;
  }

  errc append_cookie(std::vector<cookie::set_cookie>& out, std::string_view name,
                     std::string_view v, const cookie::attributes& attrs) {
    if (const errc e = cookie::check(name, v, attrs, settings_.limits); e != errc::ok) return e;
    out.push_back({std::string(name), std::string(v), attrs, clock_.now()});
    return errc::ok;
  }

  // An empty value with Max-Age=0, on the same Path/Domain/flags (browsers match on them).
  errc append_deletion(std::vector<cookie::set_cookie>& out, std::string_view name) {
    cookie::attributes attrs = settings_.cookie;
    attrs.max_age = std::chrono::seconds(0);
    return append_cookie(out, name, "", attrs);
  }

  Codec& codec_;
  Store* store_;
  const session_settings& settings_;
  Clock clock_;
  std::optional<token_info> token_;  // what the request's verified token said of itself
  std::optional<std::string> cookie_;      // the request's token (reassembled if chunked)
  std::vector<std::size_t> request_chunks_;  // the name.k indices the request carried
  object data_;
  std::string entry_id_;                     // the store entry the data was read from
  std::vector<std::string> discarded_ids_;   // entries let go of, deleted on save()
  std::error_code load_error_;
  std::string error_cause_;
  bool loaded_ = false;
  bool modified_ = false;
  bool flushed_ = false;
  bool chunks_broken_ = false;  // the request's chunks did not make one token
  bool poisoned_ = false;       // the store could not answer: nothing may be written
  bool new_identity_ = false;   // cycle_key(): the data moves to a new store id
};

}  // namespace crumb
