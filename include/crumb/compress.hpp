// Compression policies for the codec: zlib_compression (zlib format through libdeflate,
// one shot) and no_compression. Inflating is bounded: a decompression bomb costs at most
// the configured output size and returns errc::too_large, never an unbounded allocation.
#pragma once

#include <libdeflate.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "crumb/detail/raise.hpp"
#include "crumb/error.hpp"

namespace crumb {

/// What the codec needs from a compression policy.
template <class C>
concept compression_policy = requires(C& c, std::string_view in, std::string& out,
                                      std::size_t max_out, std::string_view& inflated) {
  /// Appends the compressed form of `in` to `out` and returns true only when it is shorter
  /// than `in` by 2 bytes or more (Django's rule: len(compressed) < len(data) - 1).
  { c.compress_if_smaller(in, out) } -> std::same_as<bool>;
  /// Appends the inflated form of `in` to `out`, at most max_out bytes.
  { c.inflate(in, out, max_out) } -> std::same_as<errc>;
  /// The same into a reused scratch buffer: `inflated` views the bytes, from the buffer's
  /// start. The buffer's size is left as large as it has been, so its bytes are not
  /// cleared or zero-filled on every call.
  { c.inflate_into(in, out, max_out, inflated) } -> std::same_as<errc>;
};

/// Never compresses, and refuses compressed payloads with errc::bad_compression: for
/// deployments that want no decompressor on the read path at all.
struct no_compression {
  bool compress_if_smaller(std::string_view, std::string&) noexcept { return false; }
  errc inflate(std::string_view, std::string&, std::size_t) noexcept {
    return errc::bad_compression;
  }
  errc inflate_into(std::string_view, std::string&, std::size_t, std::string_view&) noexcept {
    return errc::bad_compression;
  }
};

/// zlib format (RFC 1950) through libdeflate, which any zlib (Python's included) inflates.
/// Keeps one compressor and one decompressor; copying makes fresh ones. Not thread-safe:
/// one per thread, like the codec that owns it.
class zlib_compression {
 public:
  /// `level` on zlib's scale (1 fastest ... 9 smallest); 6 is zlib's and Python's default.
  explicit zlib_compression(int level = 6) : level_(level) {}
  zlib_compression(const zlib_compression& other) : level_(other.level_) {}
  zlib_compression& operator=(const zlib_compression& other) {
    if (this != &other) {
      release();
      level_ = other.level_;
    }
    return *this;
  }
  ~zlib_compression() { release(); }

  /// See compression_policy. Allocates only to grow `out` (and once, the compressor).
  bool compress_if_smaller(std::string_view in, std::string& out) {
    if (in.size() < 3) return false;
    if (compressor_ == nullptr) {
      compressor_ = libdeflate_alloc_compressor(level_);
      if (compressor_ == nullptr) detail::raise<std::bad_alloc>();
    }
    // libdeflate wants its full bound of room (with less it may give up early, even when
    // the result would have fit), so the size rule is checked afterwards.
    const std::size_t at = out.size();
    out.resize(at + libdeflate_zlib_compress_bound(compressor_, in.size()));
    const std::size_t n = libdeflate_zlib_compress(compressor_, in.data(), in.size(),
                                                   out.data() + at, out.size() - at);
    const bool pays = n != 0 && n < in.size() - 1;
    out.resize(pays ? at + n : at);
    return pays;
  }

  /// Appends the inflated bytes of one complete zlib stream to `out`. Errors:
  /// errc::too_large when the output would pass `max_out` bytes (allocation never passes
  /// it), errc::bad_compression for anything that is not exactly one valid zlib stream.
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
      if (out.size() < at + room) {
        if (out.capacity() < at + room) {
          // Reserve exactly: growing in place may double the capacity past the bound.
          std::string exact;
          exact.reserve(at + room);
          exact.assign(out, 0, at);
          out.swap(exact);
        }
        out.resize(at + room);
      }
      std::size_t consumed = 0;
      const libdeflate_result r = libdeflate_zlib_decompress_ex(
          decompressor_, in.data(), in.size(), out.data() + at, room, &consumed, &produced);
      if (r == LIBDEFLATE_SUCCESS && consumed == in.size()) return errc::ok;
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE || room == max_out)
        return r == LIBDEFLATE_INSUFFICIENT_SPACE ? errc::too_large : errc::bad_compression;
      room = max_out / 4 < room ? max_out : room * 4;
    }
  }

  void release() noexcept {
    libdeflate_free_compressor(compressor_);
    libdeflate_free_decompressor(decompressor_);
    compressor_ = nullptr;
    decompressor_ = nullptr;
  }

  int level_;
  libdeflate_compressor* compressor_ = nullptr;
  libdeflate_decompressor* decompressor_ = nullptr;
};

static_assert(compression_policy<no_compression>);
static_assert(compression_policy<zlib_compression>);

}  // namespace crumb
