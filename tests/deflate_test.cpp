#define BOOST_TEST_MODULE deflate

#include <boost/test/unit_test.hpp>
#include <zlib.h>
#include <crumb/detail/deflate.hpp>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "python_zlib.hpp"
#include "test_support.hpp"

// crumb's small-input deflater (detail/deflate.hpp). Every stream it writes is inflated
// back by both zlib (what Python's zlib.decompress, so Django and Flask, runs) and
// libdeflate (what crumb inflates with).

namespace {

using crumb::detail::small_deflater;
using crumb_test::python_zlib_size;

std::string deflate(small_deflater& d, const std::string& in) {
  std::string out(small_deflater::bound(in.size()), '\0');
  out.resize(d.compress(in, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

std::string zlib_inflate(const std::string& stream, std::size_t size) {
  std::string out(size + 1, '\0');
  uLongf n = static_cast<uLongf>(out.size());
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n,
                 reinterpret_cast<const Bytef*>(stream.data()),
                 static_cast<uLong>(stream.size())) != Z_OK)
    return "<zlib refused the stream>";
  out.resize(n);
  return out;
}

std::string libdeflate_inflate(const std::string& stream, std::size_t size) {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string out(size + 1, '\0');
  std::size_t consumed = 0, produced = 0;
  const libdeflate_result r = libdeflate_zlib_decompress_ex(
      d, stream.data(), stream.size(), out.data(), out.size(), &consumed, &produced);
  libdeflate_free_decompressor(d);
  if (r != LIBDEFLATE_SUCCESS || consumed != stream.size())
    return "<libdeflate refused the stream>";
  out.resize(produced);
  return out;
}

// The block type of a one-block stream: 0 stored, 1 fixed codes, 2 dynamic codes.
int block_type(const std::string& stream) {
  return (static_cast<unsigned char>(stream[2]) >> 1) & 3;
}

void check_round_trip(small_deflater& d, const std::string& in) {
  const std::string stream = deflate(d, in);
  BOOST_TEST_REQUIRE(stream.size() <= small_deflater::bound(in.size()) - 8, in.size());
  BOOST_TEST_REQUIRE(zlib_inflate(stream, in.size()) == in, "zlib, " << in.size() << " bytes");
  BOOST_TEST_REQUIRE(libdeflate_inflate(stream, in.size()) == in,
                     "libdeflate, " << in.size() << " bytes");
}

// Inputs of many shapes: text, JSON, random bytes, runs, few-letter alphabets.
std::vector<std::string> shapes(std::size_t size, std::mt19937& rng) {
  static const std::string json = crumb_test::fixture("huge");
  std::vector<std::string> out(6);
  const std::size_t from = rng() % (json.size() - size);
  out[0] = json.substr(from, size);
  for (std::size_t i = 0; i < size; ++i) {
    out[1] += static_cast<char>(rng());
    out[2] += static_cast<char>('a' + rng() % 2);
    out[3] += static_cast<char>('a' + rng() % 17);
    out[4] += static_cast<char>(i % 7 == 0 ? rng() : 'x');
  }
  out[5] = std::string(size, static_cast<char>(rng()));
  return out;
}

// Prefix code lengths as a reference Huffman (a heap of merged weights) gives them: the
// total cost any optimal code must reach.
std::uint64_t reference_huffman_cost(const std::vector<std::uint32_t>& freq) {
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> heap;
  for (const std::uint32_t f : freq)
    if (f != 0) heap.push(f);
  if (heap.size() < 2) return heap.empty() ? 0 : heap.top();  // a lone symbol costs 1 bit each
  std::uint64_t cost = 0;
  while (heap.size() > 1) {
    const std::uint64_t a = heap.top();
    heap.pop();
    const std::uint64_t b = heap.top();
    heap.pop();
    cost += a + b;
    heap.push(a + b);
  }
  return cost;
}

// The bitmap of used symbols build_huffman takes.
std::vector<std::uint64_t> used_of(const std::vector<std::uint32_t>& freq) {
  std::vector<std::uint64_t> bits((freq.size() + 63) / 64);
  for (std::size_t s = 0; s < freq.size(); ++s)
    if (freq[s] != 0) bits[s / 64] |= std::uint64_t{1} << (s % 64);
  return bits;
}

template <int Size>
void check_code(const crumb::detail::prefix_code<Size>& code,
                const std::vector<std::uint32_t>& freq, int limit) {
  std::uint64_t kraft = 0;  // in units of 2^-limit: a complete code sums to exactly 1
  int with_code = 0;
  for (std::size_t s = 0; s < freq.size(); ++s) {
    const int len = code.lengths[s];
    BOOST_TEST_REQUIRE(len <= limit);
    if (freq[s] != 0) BOOST_TEST_REQUIRE(len > 0);
    if (len > 0) {
      kraft += std::uint64_t{1} << (limit - len);
      ++with_code;
    }
  }
  BOOST_TEST(kraft == std::uint64_t{1} << limit);
  BOOST_TEST(with_code >= 2);
  BOOST_TEST(code.count == with_code);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deflate_suite)

// Every size up to the limit, every shape: both inflaters give the input back, and the
// stream is never longer than a stored block.
BOOST_AUTO_TEST_CASE(every_size_and_shape_round_trips) {
  small_deflater d;
  std::mt19937 rng(20261204);
  for (std::size_t size = 0; size <= small_deflater::max_input; size += size < 64 ? 1 : 7)
    for (const std::string& in : shapes(size, rng)) check_round_trip(d, in);
  for (const std::string& in : shapes(small_deflater::max_input, rng)) check_round_trip(d, in);
  // An empty view with no data at all (a null pointer): an empty stream, no memcpy from it.
  std::string empty_stream(small_deflater::bound(0), '\0');
  empty_stream.resize(
      d.compress(std::string_view(), reinterpret_cast<unsigned char*>(empty_stream.data())));
  BOOST_TEST(zlib_inflate(empty_stream, 0) == "");
}

// Past max_input nothing is written: the caller takes another compressor.
BOOST_AUTO_TEST_CASE(longer_inputs_are_refused) {
  small_deflater d;
  std::string out(8, '\x55');
  BOOST_TEST(d.compress(std::string(small_deflater::max_input + 1, 'a'),
                        reinterpret_cast<unsigned char*>(out.data())) == 0u);
  BOOST_TEST(out == std::string(8, '\x55'));
}

// One deflater, inputs of falling and rising sizes: nothing of a longer input leaks into
// the stream of a shorter one (the hash and the tables are reset for each).
BOOST_AUTO_TEST_CASE(reuse_keeps_no_state_between_inputs) {
  small_deflater d;
  std::mt19937 rng(7);
  const std::string json = crumb_test::fixture("huge");
  for (std::size_t size : {1024u, 3u, 900u, 17u, 1024u, 255u, 256u, 1000u, 4u}) {
    const std::string in = json.substr(rng() % (json.size() - size), size);
    const std::string stream = deflate(d, in);
    small_deflater fresh;
    BOOST_TEST(stream == deflate(fresh, in), size);
    BOOST_TEST(zlib_inflate(stream, in.size()) == in);
  }
}

// Each block type is chosen when it is the shortest: stored for random bytes, fixed codes
// for a few bytes of text, dynamic codes for a session.
BOOST_AUTO_TEST_CASE(the_shortest_block_type_is_written) {
  small_deflater d;
  std::mt19937 rng(1);
  std::string random;
  for (int i = 0; i < 300; ++i) random += static_cast<char>(rng());
  const std::string stored = deflate(d, random);
  BOOST_TEST(block_type(stored) == 0);
  BOOST_TEST(stored.size() == random.size() + 11);
  BOOST_TEST(zlib_inflate(stored, random.size()) == random);

  const std::string fixed = deflate(d, "{\"a\":1,\"a\":1,\"a\":1}");
  BOOST_TEST(block_type(fixed) == 1);
  BOOST_TEST(zlib_inflate(fixed, 64) == "{\"a\":1,\"a\":1,\"a\":1}");

  const std::string session = crumb_test::fixture("small");
  const std::string dynamic = deflate(d, session);
  BOOST_TEST(block_type(dynamic) == 2);
  BOOST_TEST(zlib_inflate(dynamic, session.size()) == session);
}

// The zlib header Python writes at its default level, and an Adler-32 trailer zlib checks.
BOOST_AUTO_TEST_CASE(zlib_header_and_checksum) {
  small_deflater d;
  const std::string session = crumb_test::fixture("medium");
  const std::string stream = deflate(d, session);
  BOOST_TEST(static_cast<unsigned char>(stream[0]) == 0x78);
  BOOST_TEST(static_cast<unsigned char>(stream[1]) == 0x9c);
  const uLong adler =
      adler32(1, reinterpret_cast<const Bytef*>(session.data()), static_cast<uInt>(session.size()));
  std::uint32_t trailer = 0;
  for (std::size_t i = stream.size() - 4; i < stream.size(); ++i)
    trailer = trailer << 8 | static_cast<unsigned char>(stream[i]);
  BOOST_TEST(trailer == adler);
}

// Matches at the format's limits: 258-byte lengths, the longest distance the input
// allows, lengths of exactly 3, matches overlapping their own source.
BOOST_AUTO_TEST_CASE(matches_at_the_limits) {
  small_deflater d;
  std::string far = "0123456789abcdef";
  far += std::string(small_deflater::max_input - 2 * far.size(), '-');
  far += "0123456789abcdef";
  std::string threes;
  for (int i = 0; i < 200; ++i)
    threes += "ab" + std::string(1, static_cast<char>('A' + i % 26)) + "abc";
  threes.resize(std::min(threes.size(), small_deflater::max_input));
  for (const std::string& in : {std::string(small_deflater::max_input, 'z'), far, threes,
                                std::string("abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc")}) {
    check_round_trip(d, in);
    BOOST_TEST(deflate(d, in).size() < in.size(), in.size());
  }
}

// Code lengths: optimal (the cost of a reference Huffman), complete (Kraft sum 1), never
// past the limit, and at least two codes however few symbols occur.
BOOST_AUTO_TEST_CASE(huffman_codes_are_optimal_complete_and_limited) {
  std::vector<std::uint16_t> scratch(70000);
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::uint32_t> freq(286);
    for (auto& f : freq) f = rng() % 3 == 0 ? rng() % 40 : 0;
    crumb::detail::prefix_code<286> code;
    crumb::detail::build_huffman(code, freq.data(), used_of(freq).data(), 286, 15, scratch.data());
    check_code(code, freq, 15);
    std::uint64_t cost = 0;
    for (std::size_t s = 0; s < freq.size(); ++s) cost += std::uint64_t{freq[s]} * code.lengths[s];
    BOOST_TEST(cost == reference_huffman_cost(freq));
  }
  // Fibonacci weights make the deepest trees: 24 symbols would need 23 bits unlimited.
  std::vector<std::uint32_t> fibonacci(286, 0);
  std::uint32_t a = 1, b = 1;
  for (int s = 0; s < 24; ++s, std::swap(a, b), b += a) fibonacci[s * 11] = a;
  crumb::detail::prefix_code<286> deep;
  crumb::detail::build_huffman(deep, fibonacci.data(), used_of(fibonacci).data(), 286, 15,
                               scratch.data());
  check_code(deep, fibonacci, 15);
  std::vector<std::uint32_t> fibonacci19(19);
  for (int s = 0; s < 19; ++s) fibonacci19[s] = s < 2 ? 1 : fibonacci19[s - 1] + fibonacci19[s - 2];
  crumb::detail::prefix_code<19> limited;
  crumb::detail::build_huffman(limited, fibonacci19.data(), used_of(fibonacci19).data(), 19, 7,
                               scratch.data());
  check_code(limited, fibonacci19, 7);
  // One symbol, or none: a partner makes two one-bit codes.
  for (const std::vector<std::uint32_t>& few : {std::vector<std::uint32_t>(30, 0),
                                                [] {
                                                  std::vector<std::uint32_t> f(30, 0);
                                                  f[0] = 9;
                                                  return f;
                                                }(),
                                                [] {
                                                  std::vector<std::uint32_t> f(30, 0);
                                                  f[29] = 1;
                                                  return f;
                                                }()}) {
    crumb::detail::prefix_code<30> code;
    crumb::detail::build_huffman(code, few.data(), used_of(few).data(), 30, 15, scratch.data());
    check_code(code, few, 15);
    BOOST_TEST(code.count == 2);
    BOOST_TEST(code.symbols[0] < code.symbols[1]);
  }
}

// As short as Python's zlib.compress (Django's call) on sessions: the four fixtures (up to
// the limit) no longer, and over sessions' JSON of every size up to 1 KiB, shorter in total
// and never more than 4 bytes longer (different but equally optimal Huffman trees; a parse
// that differs in places).
BOOST_AUTO_TEST_CASE(as_short_as_pythons_zlib_on_sessions) {
  small_deflater d;
  for (const char* name : {"small", "medium", "large", "huge"}) {
    // As Django serializes the fixture (compact), and as the file is (indented).
    const std::string file = crumb_test::fixture(name);
    for (std::string in : {crumb::json::to_string(crumb_test::parse(file)).value(), file}) {
      in.resize(std::min(in.size(), small_deflater::max_input));
      BOOST_TEST(deflate(d, in).size() <= python_zlib_size(in),
                 name << ", " << in.size() << " bytes");
    }
  }
  const std::string json = crumb_test::fixture("huge") + crumb_test::fixture("large");
  std::mt19937 rng(11);
  std::size_t ours = 0, pythons = 0, longer = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t size = 16 + rng() % (small_deflater::max_input - 15);
    const std::string in = json.substr(rng() % (json.size() - size), size);
    const std::size_t n = deflate(d, in).size(), p = python_zlib_size(in);
    BOOST_TEST(n <= p + 4, size);
    ours += n;
    pythons += p;
    longer += n > p;
  }
  BOOST_TEST(ours <= pythons);
  BOOST_TEST_MESSAGE("2000 sessions: " << ours << " bytes against Python's " << pythons << ", "
                                       << longer << " of them longer");
}

BOOST_AUTO_TEST_SUITE_END()
