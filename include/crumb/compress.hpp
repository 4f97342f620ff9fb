// Compression policies for the codec: zlib_compression (zlib format: crumb's deflater for
// small inputs, libdeflate for the rest and for inflating) and no_compression. Inflating is
// bounded: a decompression bomb costs at most the configured output size and returns
// errc::too_large, never an unbounded allocation.
#pragma once

#include <libdeflate.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crumb/detail/deflate.hpp"
#include "crumb/detail/grow.hpp"
#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"

namespace crumb {

/// What the codec needs from a compression policy.
template <class C>
concept compression_policy = requires(C& c, std::string_view in, std::string& out,
                                      std::size_t max_out, std::string_view& inflated) {
  /// Appends the compressed form of `in` to `out` and returns true only when it is shorter
  /// than `in` by `must_save` bytes or more (the profile's rule; Django's is 2:
  /// len(compressed) < len(data) - 1). Otherwise `out` is left as it was.
  { c.compress_if_smaller(in, out, max_out) } -> std::same_as<bool>;
  /// Appends the inflated form of `in` to `out`, at most max_out bytes.
  { c.inflate(in, out, max_out) } -> std::same_as<errc>;
  /// The same into a reused scratch buffer: `inflated` views the bytes, from the buffer's
  /// start. The buffer's size is left as large as it has been, so its bytes are not
  /// cleared or zero-filled on every call.
  { c.inflate_into(in, out, max_out, inflated) } -> std::same_as<errc>;
};

/// Never compresses, and refuses compressed payloads with errc::invalid_compression: for
/// deployments that want no decompressor on the read path at all.
struct no_compression {
  bool compress_if_smaller(std::string_view, std::string&, std::size_t = 2) noexcept {
    return false;
  }
  errc inflate(std::string_view, std::string&, std::size_t) noexcept {
    return errc::invalid_compression;
  }
  errc inflate_into(std::string_view, std::string&, std::size_t, std::string_view&) noexcept {
    return errc::invalid_compression;
  }
};

/// zlib format (RFC 1950), which any zlib (Python's included) inflates. Most sessions are
/// small: up to small_input_bytes they go through crumb's deflater (detail/deflate.hpp),
/// whose tables are sized for them (measured on a 230-byte session: 2.7 us against zlib's
/// 4.6 us and libdeflate's 6.9 us, which clear and build tables sized for megabytes), with
/// streams as short as Python's zlib.compress gives. Longer ones go through libdeflate,
/// shorter than both there. Inflating is libdeflate's, one shot.
/// Keeps its compressors and decompressor; copying makes fresh ones. Not thread-safe: one
/// per thread, like the codec that owns it.
class zlib_compression {
 public:
  /// Inputs up to this size go through crumb's deflater; past it libdeflate's parsing
  /// gives shorter streams.
  static constexpr std::size_t small_input_bytes = detail::small_deflater::max_input;

  /// `level` on zlib's scale (1 fastest ... 9 smallest; 0 never compresses); 6 is zlib's
  /// and Python's default; 10 to 12 reach further. It sets libdeflate's level for inputs
  /// past small_input_bytes; shorter ones are parsed as zlib's level 6 parses them, which
  /// the fastest levels would not beat there. Throws std::invalid_argument outside 0 to
  /// 12: a configuration bug, found at start-up rather than at the first long session.
  explicit zlib_compression(int level = 6) : level_(level) {
    if (level < 0 || level > 12)
      detail::raise<std::invalid_argument>("crumb: zlib_compression level must be 0 to 12");
  }
  zlib_compression(const zlib_compression& other) : level_(other.level_) {}
  zlib_compression& operator=(const zlib_compression& other) {
    if (this != &other) {
      release();
      level_ = other.level_;
    }
    return *this;
  }
  ~zlib_compression() { release(); }

  /// See compression_policy. Allocates only to grow `out` (and once, each compressor).
  bool compress_if_smaller(std::string_view in, std::string& out, std::size_t must_save = 2) {
    if (in.size() <= must_save || level_ == 0) return false;
    const std::size_t at = out.size();
    const std::size_t n = in.size() <= small_input_bytes ? deflate_small(in, out, at)
                                                         : deflate_large(in, out, at);
    const bool pays = n != 0 && n + must_save <= in.size();
    out.resize(pays ? at + n : at);
    return pays;
  }

  /// Appends the inflated bytes of one complete zlib stream to `out`. Errors:
  /// errc::too_large when the output would pass `max_out` bytes (allocation never passes
  /// it), errc::invalid_compression for anything that is not exactly one valid zlib stream.
  /// On error `out` is left as it was.
  [[nodiscard]] errc inflate(std::string_view in, std::string& out, std::size_t max_out) {
    const std::size_t at = out.size();
    std::size_t produced = 0;
    const errc e = inflate_at(in, out, at, max_out, produced);
    out.resize(e == errc::ok ? at + produced : at);
    return e;
  }

  /// As inflate(), into `scratch` from its start: `inflated` views the bytes in `scratch`,
  /// whose size stays as large as it has been (see compression_policy).
  [[nodiscard]] errc inflate_into(std::string_view in, std::string& scratch, std::size_t max_out,
                                  std::string_view& inflated) {
    std::size_t produced = 0;
    const errc e = inflate_at(in, scratch, 0, max_out, produced);
    inflated = e == errc::ok ? std::string_view(scratch.data(), produced) : std::string_view();
    return e;
  }

 private:
  // `in` through crumb's deflater into out[at...]; returns the compressed size.
  std::size_t deflate_small(std::string_view in, std::string& out, std::size_t at) {
    if (small_ == nullptr) small_ = std::make_unique<detail::small_deflater>();
    out.resize(at + detail::small_deflater::bound(in.size()));
    return small_->compress(in, reinterpret_cast<unsigned char*>(out.data() + at));
  }

  // `in` through libdeflate into out[at...]; returns the compressed size, 0 when it failed.
  std::size_t deflate_large(std::string_view in, std::string& out, std::size_t at) {
    if (compressor_ == nullptr) {
      compressor_ = libdeflate_alloc_compressor(level_);
      if (compressor_ == nullptr) detail::raise<std::bad_alloc>();
    }
    // libdeflate wants its full bound of room (with less it may give up early, even when
    // the result would have fit), so the size rule is checked afterwards.
    out.resize(at + libdeflate_zlib_compress_bound(compressor_, in.size()));
    return libdeflate_zlib_compress(compressor_, in.data(), in.size(), out.data() + at,
                                    out.size() - at);
  }

  // Inflates `in` into out[at...], growing `out` only when it is too short (so a reused
  // buffer is not zero-filled again); sets `produced`. out[at...] is unspecified on error.
  errc inflate_at(std::string_view in, std::string& out, std::size_t at, std::size_t max_out,
                  std::size_t& produced) {
    if (decompressor_ == nullptr) {
      decompressor_ = libdeflate_alloc_decompressor();
      if (decompressor_ == nullptr) detail::raise<std::bad_alloc>();
    }
    // Sessions compress 3-10x; start near that and grow, re-running the (fast) inflate.
    std::size_t room = std::min(max_out, std::max<std::size_t>(in.size() * 8, 4096));
    for (;;) {
      detail::grow_exactly(out, at + room);  // never past max_out
      std::size_t consumed = 0;
      const libdeflate_result r = libdeflate_zlib_decompress_ex(
          decompressor_, in.data(), in.size(), out.data() + at, room, &consumed, &produced);
      if (r == LIBDEFLATE_SUCCESS && consumed == in.size()) return errc::ok;
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE || room == max_out)
        return r == LIBDEFLATE_INSUFFICIENT_SPACE ? errc::too_large : errc::invalid_compression;
      room = max_out / 4 < room ? max_out : room * 4;
    }
  }

  void release() noexcept {
    small_.reset();
    libdeflate_free_compressor(compressor_);
    libdeflate_free_decompressor(decompressor_);
    compressor_ = nullptr;
    decompressor_ = nullptr;
  }

  int level_;
  std::unique_ptr<detail::small_deflater> small_;  // made at the first small input
  libdeflate_compressor* compressor_ = nullptr;
  libdeflate_decompressor* decompressor_ = nullptr;
};

static_assert(compression_policy<no_compression>);
static_assert(compression_policy<zlib_compression>);

}  // namespace crumb
