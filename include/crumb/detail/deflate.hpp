// Deflate (RFC 1951) in the zlib format (RFC 1950) for short inputs, the size of sessions.
// Written here because measurement says so: zlib and libdeflate are built for megabytes and
// spend a fixed 60-80k instructions per call on it (clearing hash tables of 2^11 to 2^15
// entries, building Huffman trees with a heap over all 286 symbols), which made deflating a
// 230-byte session cost 4x the rest of its encode. Here every table is sized to the input.
// Parsing follows zlib's level 6 (lazy matching, 128-candidate chains), and each block is
// written the shortest of dynamic, fixed and stored, so the streams are as short as
// Python's zlib.compress on sessions (tests compare them). Inflating stays libdeflate's.
#pragma once

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace crumb::detail {

namespace deflate_tables {

inline constexpr int min_match = 3;
inline constexpr int max_match = 258;

// Lengths 3..258 -> litlen symbols 257..285, and the base of each (RFC 1951, 3.2.5).
inline constexpr std::array<std::uint16_t, 29> length_base = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
inline constexpr std::array<std::uint8_t, 29> length_extra = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
inline constexpr std::array<std::uint16_t, 30> distance_base = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
inline constexpr std::array<std::uint8_t, 30> distance_extra = {
    0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// The length symbol (0-based from 257) of each match length.
inline constexpr auto length_code = [] {
  std::array<std::uint8_t, max_match + 1> t{};
  for (int code = 0; code < 29; ++code)
    for (int len = length_base[code];
         len <= max_match && (code == 28 || len < length_base[code + 1]); ++len)
      t[len] = static_cast<std::uint8_t>(code);
  return t;
}();

// The distance symbol of each distance up to 32768.
constexpr int distance_code(unsigned distance) {
  int code = 0;
  while (code < 29 && distance_base[code + 1] <= distance) ++code;
  return code;
}
inline constexpr auto distance_code_small = [] {  // distances 1..512, the common ones
  std::array<std::uint8_t, 513> t{};
  for (unsigned d = 1; d <= 512; ++d) t[d] = static_cast<std::uint8_t>(distance_code(d));
  return t;
}();

// The order code length code lengths are sent in (RFC 1951, 3.2.7).
inline constexpr std::array<std::uint8_t, 19> code_length_order = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

}  // namespace deflate_tables

/// How many bytes two 8-byte words loaded from memory share before the first that differs,
/// given their xor (not zero).
constexpr int equal_leading_bytes(std::uint64_t differ) noexcept {
  if constexpr (std::endian::native == std::endian::little) return std::countr_zero(differ) / 8;
  else return std::countl_zero(differ) / 8;
}

/// A prefix code over an alphabet of up to Size symbols: each symbol's length (0 for none)
/// and code, bit-reversed to be sent LSB first, and the symbols that have one, ascending.
template <int Size>
struct prefix_code {
  std::array<std::uint8_t, Size> lengths{};
  std::array<std::uint16_t, Size> codes{};
  std::array<std::uint16_t, Size> symbols{};
  int count = 0;

  /// Canonical codes (RFC 1951, 3.2.2) from the lengths of `symbols`.
  constexpr void assign_codes() {
    std::array<int, 16> per_length{};
    for (int i = 0; i < count; ++i) ++per_length[lengths[symbols[i]]];
    assign_codes(per_length);
  }
  /// The same, given how many of `symbols` have each length.
  constexpr void assign_codes(const std::array<int, 16>& per_length) {
    std::array<std::uint16_t, 16> next{};
    for (int len = 1; len < 16; ++len)
      next[len] = static_cast<std::uint16_t>((next[len - 1] + per_length[len - 1]) << 1);
    for (int i = 0; i < count; ++i) {
      const int len = lengths[symbols[i]];
      const std::uint32_t code = next[len]++;
      codes[symbols[i]] = static_cast<std::uint16_t>(
          (std::uint32_t{reversed_byte[code & 0xff]} << 8 | reversed_byte[code >> 8]) >>
          (16 - len));
    }
  }

 private:
  static constexpr auto reversed_byte = [] {
    std::array<std::uint8_t, 256> t{};
    for (int b = 0; b < 256; ++b)
      for (int bit = 0; bit < 8; ++bit)
        if ((b >> bit & 1) != 0) t[b] |= static_cast<std::uint8_t>(0x80 >> bit);
    return t;
  }();
};

/// The fixed codes of RFC 1951, 3.2.6.
inline constexpr auto fixed_litlen_code = [] {
  prefix_code<288> c;
  for (int s = 0; s < 288; ++s) {
    c.lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    c.symbols[s] = static_cast<std::uint16_t>(s);
  }
  c.count = 288;
  c.assign_codes();
  return c;
}();
inline constexpr auto fixed_distance_code = [] {
  prefix_code<30> c;
  for (int s = 0; s < 30; ++s) {
    c.lengths[s] = 5;
    c.symbols[s] = static_cast<std::uint16_t>(s);
  }
  c.count = 30;
  c.assign_codes();
  return c;
}();

/// Builds into `code` an optimal prefix code for `freq[0..alphabet)` with no length over
/// `limit`. Always at least two codes, so every code is complete (a lone used symbol gets
/// a partner, as zlib gives it). Moffat and Katajainen's in-place method over the used
/// symbols sorted by frequency, then lengths past `limit` folded back keeping the Kraft
/// sum exact. `present` has a bit set for each symbol with a frequency (64 a word), so only
/// those are visited; `buckets` is scratch with room for the largest frequency + 1 entries.
template <int Size>
void build_huffman(prefix_code<Size>& code, const std::uint32_t* freq, const std::uint64_t* present,
                   int alphabet, int limit, std::uint16_t* buckets) {
  int n = 0;
  std::uint32_t max_freq = 0;
  for (int word = 0; word * 64 < alphabet; ++word)
    for (std::uint64_t bits = present[word]; bits != 0; bits &= bits - 1) {
      const int s = word * 64 + std::countr_zero(bits);
      code.symbols[n++] = static_cast<std::uint16_t>(s);
      max_freq = std::max(max_freq, freq[s]);
    }
  std::fill_n(code.lengths.begin(), alphabet, std::uint8_t{0});
  if (n < 2) {  // rare, so it may branch: add unused symbols, keeping the order
    for (int s = 0; n < 2; ++s)
      if (freq[s] == 0) code.symbols[n++] = static_cast<std::uint16_t>(s);
    if (code.symbols[0] > code.symbols[1]) std::swap(code.symbols[0], code.symbols[1]);
  }
  code.count = n;

  // By frequency, ties by symbol, descending: a counting sort (frequencies are at most the
  // input's size). Among equally frequent symbols the lower ones get the shorter codes;
  // either order is optimal, this one gives the header longer runs on JSON (measured:
  // fewer streams longer than Python's zlib, and none of the fixtures).
  std::fill_n(buckets, max_freq + 1, std::uint16_t{0});
  for (int i = 0; i < n; ++i) ++buckets[freq[code.symbols[i]]];
  for (std::uint32_t f = 0, at = 0; f <= max_freq; ++f) {
    const std::uint32_t here = buckets[f];
    buckets[f] = static_cast<std::uint16_t>(at);
    at += here;
  }
  std::array<std::uint16_t, Size> sorted{};
  for (int i = n - 1; i >= 0; --i) sorted[buckets[freq[code.symbols[i]]]++] = code.symbols[i];

  // Moffat-Katajainen: weights ascending in w; on return w[i] is the depth of item i.
  std::array<std::uint32_t, Size> w{};
  for (int i = 0; i < n; ++i) w[i] = freq[sorted[i]];
  // The pairing loop selects without branches (the comparisons are random): a missing
  // leaf weighs the most, and taking the leaf rewrites w[root] with itself.
  constexpr std::uint32_t none = 0xffffffff;
  w[0] += w[1];
  int root = 0, leaf = 2;
  for (int next = 1; next < n - 1; ++next) {
    std::uint32_t leaf_weight = leaf < n ? w[leaf] : none;
    bool take_root = w[root] < leaf_weight;
    w[next] = take_root ? w[root] : leaf_weight;
    w[root] = take_root ? static_cast<std::uint32_t>(next) : w[root];
    root += take_root;
    leaf += !take_root;
    leaf_weight = leaf < n ? w[leaf] : none;
    const std::uint32_t root_weight = root < next ? w[root] : none;
    take_root = root_weight < leaf_weight;
    w[next] += take_root ? root_weight : leaf_weight;
    w[root] = take_root ? static_cast<std::uint32_t>(next) : w[root];
    root += take_root;
    leaf += !take_root;
  }
  w[n - 2] = 0;
  for (int next = n - 3; next >= 0; --next) w[next] = w[w[next]] + 1;
  int available = 1, used = 0, depth = 0, next = n - 1;
  root = n - 2;
  while (available > 0) {
    while (root >= 0 && w[root] == static_cast<std::uint32_t>(depth)) {
      ++used;
      --root;
    }
    while (available > used) {
      w[next--] = static_cast<std::uint32_t>(depth);
      --available;
    }
    available = 2 * used;
    ++depth;
    used = 0;
  }

  // Count codes per length, longer than `limit` counted at it; then, while the code is
  // over-full, take a code off `limit` and split the longest shorter leaf into two.
  std::array<int, 16> per_length{};
  for (int i = 0; i < n; ++i) ++per_length[std::min<int>(static_cast<int>(w[i]), limit)];
  std::uint32_t kraft = 0;
  for (int len = 1; len <= limit; ++len)
    kraft += static_cast<std::uint32_t>(per_length[len]) << (limit - len);
  for (; kraft > (1u << limit); --kraft) {
    --per_length[limit];
    for (int len = limit - 1; len > 0; --len)
      if (per_length[len] != 0) {
        --per_length[len];
        per_length[len + 1] += 2;
        break;
      }
  }
  // The most frequent symbols (end of `sorted`) get the shortest codes.
  int item = n - 1;
  for (int len = 1; len <= limit; ++len)
    for (int k = 0; k < per_length[len]; ++k)
      code.lengths[sorted[item--]] = static_cast<std::uint8_t>(len);
  code.assign_codes(per_length);
}

/// Compresses inputs of up to max_input bytes into zlib streams. Keeps its tables between
/// calls (about 19 KiB, no allocation); one per thread, like the codec that owns it.
class small_deflater {
 public:
  static constexpr std::size_t max_input = 1024;

  /// Room compress() needs: a stored block, the zlib header and trailer, and 8 bytes for
  /// word-wide writes. The stream it returns is at most bound(n) - 8 bytes.
  static constexpr std::size_t bound(std::size_t n) { return n + 11 + 8; }

  /// Writes the zlib stream of `in` to `out`, which has room for bound(in.size()) bytes;
  /// returns its size, or 0 (nothing written) when `in` is longer than max_input.
  std::size_t compress(std::string_view in, unsigned char* out) {
    if (in.size() > max_input) return 0;
    n_ = static_cast<int>(in.size());
    if (!in.empty()) std::memcpy(input_.data(), in.data(), in.size());  // data() may be null
    std::memset(input_.data() + in.size(), 0, 8);  // match compares read 8 bytes at a time
    parse();

    unsigned char* p = out;
    *p++ = 0x78;  // deflate, 32 KiB window
    *p++ = 0x9c;  // default level (as Python's zlib.compress writes it)
    p = write_block(p);
    const std::uint32_t adler = libdeflate_adler32(1, in.data(), in.size());
    for (int shift = 24; shift >= 0; shift -= 8) *p++ = static_cast<unsigned char>(adler >> shift);
    return static_cast<std::size_t>(p - out);
  }

 private:
  struct symbol {
    std::uint16_t literal_or_length;  // a byte when distance is 0, else a length 3..258
    std::uint16_t distance;
  };

  // zlib's level 6: chains of 128, a quarter of that past a match of 8, good enough at 128,
  // lazy evaluation only after matches shorter than 16.
  static constexpr int max_chain = 128, good_length = 8, nice_length = 128, max_lazy = 16;
  static constexpr int hash_bits = 10;  // 1024 heads: one per position of the longest input

  std::uint32_t hash(int at) const {
    std::uint32_t v;
    std::memcpy(&v, input_.data() + at, 4);  // the byte past the three is padding or input
    if constexpr (std::endian::native == std::endian::little)
      v &= 0xffffff;
    else
      v >>= 8;
    return (v * 0x9e3779b1u) >> (32 - hash_bits);
  }
  // Positions in the last two have padding in their hash: harmless, as no later position
  // has room for a match.
  void insert(int at) {
    const std::uint32_t h = hash(at);
    chain_[at] = head_[h];
    head_[h] = static_cast<std::uint16_t>(at + 1);
  }
  int common_length(int a, int b, int limit) const {
    int len = 0;
    while (len < limit) {
      std::uint64_t x, y;
      std::memcpy(&x, input_.data() + a + len, 8);
      std::memcpy(&y, input_.data() + b + len, 8);
      if (x != y) {
        len += equal_leading_bytes(x ^ y);
        break;
      }
      len += 8;
    }
    return std::min(len, limit);
  }
  // The longest match for `at` longer than `best` among the earlier positions of its chain;
  // the nearest wins a tie. Returns its length (or `best`) and sets `distance`.
  int longest_match(int at, int best, int& distance) const {
    const int limit = std::min(deflate_tables::max_match, n_ - at);
    if (limit < deflate_tables::min_match || best >= limit) return best;
    int chain = best >= good_length ? max_chain / 4 : max_chain;
    for (int candidate = chain_[at]; candidate != 0 && chain-- > 0;
         candidate = chain_[candidate - 1]) {
      const int from = candidate - 1;
      if (input_[from + best] != input_[at + best] || input_[from] != input_[at]) continue;
      const int len = common_length(from, at, limit);
      if (len > best) {
        best = len;
        distance = at - from;
        if (len >= nice_length || len == limit) break;
      }
    }
    return best;
  }

  // LZ77 with lazy matching, as zlib's deflate_slow: a match is taken only when the next
  // position does not start a longer one.
  void parse() {
    head_.fill(0);
    litlen_freq_.fill(0);
    distance_freq_.fill(0);
    used_litlen_.fill(0);
    used_distance_.fill(0);
    // Counted in locals, which stay in registers (members would be stored at each step).
    int count = 0;
    std::uint64_t extra_bits = 0;
    const auto add_literal = [&](int at) {
      const unsigned char byte = input_[at];
      symbols_[count++] = {byte, 0};
      ++litlen_freq_[byte];
      used_litlen_[byte >> 6] |= std::uint64_t{1} << (byte & 63);
    };
    const auto add_match = [&](int len, int distance) {
      symbols_[count++] = {static_cast<std::uint16_t>(len), static_cast<std::uint16_t>(distance)};
      const int lc = deflate_tables::length_code[len];
      ++litlen_freq_[257 + lc];
      used_litlen_[(257 + lc) >> 6] |= std::uint64_t{1} << ((257 + lc) & 63);
      const int dc = distance <= 512
                         ? deflate_tables::distance_code_small[distance]
                         : deflate_tables::distance_code(static_cast<unsigned>(distance));
      ++distance_freq_[dc];
      used_distance_[0] |= std::uint64_t{1} << dc;
      extra_bits += deflate_tables::length_extra[lc] + deflate_tables::distance_extra[dc];
    };

    int previous_length = deflate_tables::min_match - 1, previous_distance = 0;
    bool literal_pending = false;
    for (int at = 0; at < n_;) {
      insert(at);
      int length = deflate_tables::min_match - 1, distance = 0;
      // Most positions of a session start a 3-byte string seen nowhere before: no chain.
      if (chain_[at] != 0 && previous_length < max_lazy)
        length = longest_match(at, previous_length, distance);
      if (length == previous_length) length = deflate_tables::min_match - 1;  // not longer
      if (previous_length >= deflate_tables::min_match && length <= previous_length) {
        add_match(previous_length, previous_distance);
        const int end = at - 1 + previous_length;  // the match began at at - 1
        for (int p = at + 1; p < end; ++p) insert(p);
        at = end;
        literal_pending = false;
        previous_length = deflate_tables::min_match - 1;
        continue;
      }
      if (literal_pending) add_literal(at - 1);
      literal_pending = true;
      previous_length = length;
      previous_distance = distance;
      ++at;
    }
    if (literal_pending) add_literal(n_ - 1);
    ++litlen_freq_[256];  // end of block
    used_litlen_[256 >> 6] |= std::uint64_t{1} << (256 & 63);
    count_ = count;
    extra_bits_ = extra_bits;
  }

  // Bits LSB first. Each put() stores a whole word and moves on by the bytes completed,
  // without a branch: the output needs 8 bytes of room past the stream (see bound()).
  struct bit_writer {
    unsigned char* p;
    std::uint64_t bits = 0;
    int count = 0;
    void put(std::uint64_t value, int width) {  // width + 7 <= 64
      bits |= value << count;
      count += width;
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, &bits, 8);
      } else {
        for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(bits >> (8 * i));
      }
      p += count >> 3;
      bits >>= count & ~7;
      count &= 7;
    }
    unsigned char* finish() {
      if (count > 0) *p++ = static_cast<unsigned char>(bits);
      return p;
    }
  };

  // The code length sequence of the dynamic header, run-length coded (RFC 1951, 3.2.7):
  // 16 repeats the previous length 3-6 times, 17 and 18 give 3-10 and 11-138 zeros.
  // `lengths` is readable 8 bytes past `total`.
  void encode_lengths(const std::uint8_t* lengths, int total) {
    runs_count_ = 0;
    code_length_freq_.fill(0);
    used_code_length_.fill(0);
    auto emit = [&](int sym, int extra) {
      runs_[runs_count_++] = {static_cast<std::uint8_t>(sym), static_cast<std::uint8_t>(extra)};
      ++code_length_freq_[sym];
    };
    for (int i = 0; i < total;) {
      const int len = lengths[i];
      const int run_at_most = total - i;
      // The run's end 8 lengths at a time: the first byte that differs from `len`.
      const std::uint64_t same = 0x0101010101010101u * static_cast<std::uint8_t>(len);
      int run = 1;
      for (;; run += 8) {
        std::uint64_t word;
        std::memcpy(&word, lengths + i + run, 8);  // `lengths` has 8 bytes of room past total
        if (const std::uint64_t differ = word ^ same; differ != 0) {
          run += equal_leading_bytes(differ);
          break;
        }
        if (run >= run_at_most) break;
      }
      run = std::min(run, run_at_most);
      i += run;
      if (len == 0) {
        for (; run >= 11; run -= std::min(run, 138)) emit(18, std::min(run, 138) - 11);
        if (run >= 3) emit(17, run - 3), run = 0;
      } else {
        emit(len, 0);
        for (--run; run >= 3; run -= std::min(run, 6)) emit(16, std::min(run, 6) - 3);
      }
      for (; run > 0; --run) emit(len, 0);
    }
    for (int sym = 0; sym < 19; ++sym)
      used_code_length_[0] |= std::uint64_t{code_length_freq_[sym] != 0} << sym;
  }

  unsigned char* write_block(unsigned char* out) {
    using namespace deflate_tables;
    // Dynamic codes, and what the block costs with them, with the fixed ones, and stored.
    build_huffman(litlen_, litlen_freq_.data(), used_litlen_.data(), 286, 15, buckets_.data());
    build_huffman(distance_, distance_freq_.data(), used_distance_.data(), 30, 15, buckets_.data());
    const int litlen_count = std::max(257, litlen_.symbols[litlen_.count - 1] + 1);
    const int distance_count = distance_.symbols[distance_.count - 1] + 1;
    // The header's sequence is the used litlen lengths followed by the distance ones.
    std::array<std::uint8_t, 286 + 30 + 8> sequence{};  // 8 more for encode_lengths' reads
    std::copy_n(litlen_.lengths.data(), litlen_count, sequence.data());
    std::copy_n(distance_.lengths.data(), distance_count, sequence.data() + litlen_count);
    encode_lengths(sequence.data(), litlen_count + distance_count);
    build_huffman(code_length_, code_length_freq_.data(), used_code_length_.data(), 19, 7,
                  buckets_.data());
    int cl_count = 19;
    while (cl_count > 4 && code_length_.lengths[code_length_order[cl_count - 1]] == 0) --cl_count;

    std::uint64_t dynamic_bits =
        3 + 5 + 5 + 4 + 3 * static_cast<std::uint64_t>(cl_count) + extra_bits_;
    std::uint64_t fixed_bits = 3 + extra_bits_;
    for (int sym = 0; sym < 19; ++sym)  // the run-length coded lengths, with extra bits
      dynamic_bits += std::uint64_t{code_length_freq_[sym]} *
                      (code_length_.lengths[sym] + (sym == 16   ? 2
                                                    : sym == 17 ? 3
                                                    : sym == 18 ? 7
                                                                : 0));
    for (int i = 0; i < litlen_.count; ++i) {
      const int s = litlen_.symbols[i];
      dynamic_bits += std::uint64_t{litlen_freq_[s]} * litlen_.lengths[s];
      fixed_bits += std::uint64_t{litlen_freq_[s]} * fixed_litlen_code.lengths[s];
    }
    for (int i = 0; i < distance_.count; ++i) {
      const int s = distance_.symbols[i];
      dynamic_bits += std::uint64_t{distance_freq_[s]} * distance_.lengths[s];
      fixed_bits += std::uint64_t{distance_freq_[s]} * 5;
    }
    const std::uint64_t stored_bits = 8 * (5 + static_cast<std::uint64_t>(n_));
    if (stored_bits <= std::min(dynamic_bits, fixed_bits)) {
      // BFINAL, BTYPE 00, padded to a byte; LEN and its complement, little-endian.
      const auto len = static_cast<std::uint16_t>(n_), nlen = static_cast<std::uint16_t>(~len);
      *out++ = 0x01;
      *out++ = static_cast<unsigned char>(len);
      *out++ = static_cast<unsigned char>(len >> 8);
      *out++ = static_cast<unsigned char>(nlen);
      *out++ = static_cast<unsigned char>(nlen >> 8);
      std::memcpy(out, input_.data(), static_cast<std::size_t>(n_));
      return out + n_;
    }

    bit_writer w{out};
    if (fixed_bits <= dynamic_bits) {
      w.put(1 | 1 << 1, 3);  // BFINAL, BTYPE 01
      return write_symbols(w, fixed_litlen_code, fixed_distance_code);
    }
    w.put(1 | 2 << 1, 3);  // BFINAL, BTYPE 10
    w.put(static_cast<std::uint32_t>(litlen_count - 257), 5);
    w.put(static_cast<std::uint32_t>(distance_count - 1), 5);
    w.put(static_cast<std::uint32_t>(cl_count - 4), 4);
    for (int i = 0; i < cl_count; ++i) w.put(code_length_.lengths[code_length_order[i]], 3);
    for (int i = 0; i < runs_count_; ++i) {
      const int sym = runs_[i].symbol;
      const int len = code_length_.lengths[sym];
      w.put(code_length_.codes[sym] | std::uint64_t{runs_[i].extra} << len,
            len + (sym < 16    ? 0
                   : sym == 16 ? 2
                   : sym == 17 ? 3
                               : 7));
    }
    return write_symbols(w, litlen_, distance_);
  }

  // The parsed symbols and the end of block, in the codes given.
  template <int L, int D>
  unsigned char* write_symbols(bit_writer& w, const prefix_code<L>& litlen,
                               const prefix_code<D>& distance) {
    using namespace deflate_tables;
    for (int i = 0; i < count_; ++i) {
      const symbol s = symbols_[i];
      if (s.distance == 0) {
        w.put(litlen.codes[s.literal_or_length], litlen.lengths[s.literal_or_length]);
        continue;
      }
      // A match in one put of at most 48 bits: length code, its extra bits, distance code,
      // its extra bits.
      const int lc = length_code[s.literal_or_length];
      const int dc =
          s.distance <= 512 ? distance_code_small[s.distance] : distance_code(s.distance);
      std::uint64_t bits = litlen.codes[257 + lc];
      int width = litlen.lengths[257 + lc];
      bits |= std::uint64_t{static_cast<std::uint32_t>(s.literal_or_length - length_base[lc])}
              << width;
      width += length_extra[lc];
      bits |= std::uint64_t{distance.codes[dc]} << width;
      width += distance.lengths[dc];
      bits |= std::uint64_t{static_cast<std::uint32_t>(s.distance - distance_base[dc])} << width;
      w.put(bits, width + distance_extra[dc]);
    }
    w.put(litlen.codes[256], litlen.lengths[256]);
    return w.finish();
  }

  struct run {
    std::uint8_t symbol, extra;
  };

  int n_ = 0, count_ = 0, runs_count_ = 0;
  std::uint64_t extra_bits_ = 0;
  std::array<unsigned char, max_input + 8> input_{};
  std::array<std::uint16_t, 1 << hash_bits> head_{};  // position + 1 of a hash's latest
  std::array<std::uint16_t, max_input> chain_{};          // position + 1 of the one before
  std::array<symbol, max_input> symbols_{};
  std::array<std::uint32_t, 286> litlen_freq_{};
  std::array<std::uint32_t, 30> distance_freq_{};
  std::array<std::uint32_t, 19> code_length_freq_{};
  // Which symbols occur, a bit each: the Huffman builds visit those, not the alphabets.
  std::array<std::uint64_t, 5> used_litlen_{};
  std::array<std::uint64_t, 1> used_distance_{}, used_code_length_{};
  std::array<std::uint16_t, max_input + 2> buckets_{};  // a frequency is at most max_input + 1
  std::array<run, 286 + 30> runs_{};
  prefix_code<286> litlen_;
  prefix_code<30> distance_;
  prefix_code<19> code_length_;
};

}  // namespace crumb::detail
