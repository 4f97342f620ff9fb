#define BOOST_TEST_MODULE compress
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "python_zlib.hpp"
#include "test_support.hpp"

using crumb::errc;

using crumb_test::python_zlib_size;
using crumb_test::zlib_of;

BOOST_AUTO_TEST_SUITE(compression)

BOOST_AUTO_TEST_CASE(round_trip) {
  crumb::zlib_compression z;
  const std::string json = crumb_test::fixture("large");
  std::string packed;
  BOOST_TEST(z.compress_if_smaller(json, packed));
  BOOST_TEST(packed.size() < json.size() / 2);
  std::string back;
  BOOST_TEST(z.inflate(packed, back, 1 << 20) == errc::ok);
  BOOST_TEST(back == json);
}

// The stream crumb's deflater writes for a small input, with no size rule applied.
std::string small_stream(const std::string& data) {
  crumb::detail::small_deflater d;
  std::string out(crumb::detail::small_deflater::bound(data.size()), '\0');
  out.resize(d.compress(data, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

// Django's rule: a compressed form is used only when len(compressed) < len(json) - 1.
BOOST_AUTO_TEST_CASE(compresses_only_when_it_saves_two_bytes) {
  crumb::zlib_compression z;
  for (std::size_t n = 0; n < 64; ++n) {
    std::string data(n, 'a');
    const std::size_t compressed = small_stream(data).size();
    std::string out = "prefix";
    const bool used = z.compress_if_smaller(data, out);
    BOOST_TEST(used == (n >= 3 && compressed < n - 1), n);
    if (!used) BOOST_TEST(out == "prefix");
    if (used) BOOST_TEST(out == "prefix" + small_stream(data));
  }
  std::string out;
  BOOST_TEST(!z.compress_if_smaller("\x01\x9a\x77\x03\xfe", out));  // incompressible
}

// Up to small_input_bytes, crumb's deflater (its own tests: deflate_test); past it,
// libdeflate. Either way no longer than Django's zlib.compress on the four fixtures.
BOOST_AUTO_TEST_CASE(each_size_goes_to_its_compressor) {
  crumb::zlib_compression z;
  const std::string json = crumb_test::fixture("huge");
  for (const std::size_t size : {std::size_t{100}, crumb::zlib_compression::small_input_bytes,
                                 crumb::zlib_compression::small_input_bytes + 1, std::size_t{5000}}) {
    const std::string in = json.substr(0, size);
    std::string packed;
    BOOST_TEST(z.compress_if_smaller(in, packed));
    const bool small = size <= crumb::zlib_compression::small_input_bytes;
    BOOST_TEST(packed == (small ? small_stream(in) : zlib_of(in)), size);  // zlib_of: libdeflate
    std::string back;
    BOOST_TEST(z.inflate(packed, back, 1 << 20) == errc::ok);
    BOOST_TEST(back == in);
  }
  for (const char* name : {"small", "medium", "large", "huge"}) {
    const std::string in = crumb_test::fixture(name);
    std::string packed;
    BOOST_TEST(z.compress_if_smaller(in, packed));
    BOOST_TEST(packed.size() <= python_zlib_size(in), name);
  }
}

// A level outside 0..12 is refused when the policy is made, not at the first long session;
// 0 never compresses, whatever the size (the small path included).
BOOST_AUTO_TEST_CASE(levels_are_checked_up_front) {
  BOOST_CHECK_THROW(crumb::zlib_compression(-1), std::invalid_argument);
  BOOST_CHECK_THROW(crumb::zlib_compression(13), std::invalid_argument);
  for (const int level : {1, 9, 12}) {
    crumb::zlib_compression z(level);
    for (const char* name : {"small", "huge"}) {
      std::string packed;
      BOOST_TEST(z.compress_if_smaller(crumb_test::fixture(name), packed), level << name);
    }
  }
  crumb::zlib_compression none(0);
  for (const char* name : {"small", "huge"}) {
    std::string packed;
    BOOST_TEST(!none.compress_if_smaller(crumb_test::fixture(name), packed));
  }
}

BOOST_AUTO_TEST_CASE(inflate_is_bounded_exactly) {
  crumb::zlib_compression z;
  const std::string data(5000, 'x');
  const std::string packed = zlib_of(data);
  std::string out = "keep";
  BOOST_TEST(z.inflate(packed, out, 4999) == errc::too_large);
  BOOST_TEST(out == "keep");
  out.clear();
  BOOST_TEST(z.inflate(packed, out, 5000) == errc::ok);
  BOOST_TEST(out == data);
}

// 64 MiB of zeros packed by Python's zlib at level 9 into 65 238 bytes (1028:1); the
// bound stops it, and the buffer never grows past the bound.
BOOST_AUTO_TEST_CASE(decompression_bomb_is_stopped_at_the_bound) {
  crumb::zlib_compression z;
  const std::string bomb = crumb_test::read_file(CRUMB_TEST_DATA_DIR "/bomb_64MiB_zeros.zlib");
  BOOST_TEST(bomb.size() * 1000 < (64u << 20));
  std::string whole;  // it is a real stream: with room enough, it inflates
  BOOST_TEST(z.inflate(bomb, whole, 64u << 20) == errc::ok);
  BOOST_TEST(whole.size() == (64u << 20));
  std::string out;
  BOOST_TEST(z.inflate(bomb, out, 1 << 20) == errc::too_large);
  BOOST_TEST(out.capacity() <= std::size_t{1 << 20});
}

BOOST_AUTO_TEST_CASE(corrupt_streams_are_refused) {
  crumb::zlib_compression z;
  const std::string packed = zlib_of(std::string(1000, 'q') + "tail");
  std::string out;
  BOOST_TEST(z.inflate("", out, 1 << 20) == errc::invalid_compression);
  BOOST_TEST(z.inflate("not zlib at all", out, 1 << 20) == errc::invalid_compression);
  BOOST_TEST(z.inflate(packed.substr(0, packed.size() - 1), out, 1 << 20) ==
             errc::invalid_compression);
  BOOST_TEST(z.inflate(packed + "extra", out, 1 << 20) == errc::invalid_compression);
  std::string flipped = packed;
  flipped[flipped.size() - 2] ^= 0x10;  // breaks the Adler-32 checksum
  BOOST_TEST(z.inflate(flipped, out, 1 << 20) == errc::invalid_compression);
}

BOOST_AUTO_TEST_CASE(no_compression_never_compresses_and_refuses_to_inflate) {
  crumb::no_compression none;
  std::string out;
  BOOST_TEST(!none.compress_if_smaller(std::string(1000, 'a'), out));
  BOOST_TEST(none.inflate(zlib_of("abc"), out, 100) == errc::invalid_compression);
  std::string_view inflated = "left";
  BOOST_TEST(none.inflate_into(zlib_of("abc"), out, 100, inflated) == errc::invalid_compression);
}

// The codec's path: one scratch buffer for every token, never shrunk, each result viewed
// from its start; a bomb or a bad stream gives an error and an empty view.
BOOST_AUTO_TEST_CASE(inflate_into_reuses_one_buffer) {
  crumb::zlib_compression z;
  std::string scratch;
  std::string_view inflated;
  const std::string big(20000, 'b'), small = "a short session";
  BOOST_TEST(z.inflate_into(zlib_of(big), scratch, 1 << 20, inflated) == errc::ok);
  BOOST_TEST(inflated == big);
  const std::size_t grown = scratch.size();
  BOOST_TEST(z.inflate_into(zlib_of(small), scratch, 1 << 20, inflated) == errc::ok);
  BOOST_TEST(inflated == small);
  BOOST_TEST(inflated.data() == scratch.data());
  BOOST_TEST(scratch.size() == grown);  // kept, not cleared and zero-filled again
  BOOST_TEST(z.inflate_into(zlib_of(big), scratch, 19999, inflated) == errc::too_large);
  BOOST_TEST(inflated.empty());
  BOOST_TEST(z.inflate_into("not zlib", scratch, 1 << 20, inflated) == errc::invalid_compression);
  BOOST_TEST(z.inflate_into(zlib_of(big), scratch, 20000, inflated) == errc::ok);
  BOOST_TEST(inflated == big);
}

BOOST_AUTO_TEST_CASE(copies_work_independently) {
  crumb::zlib_compression a(9);
  std::string packed;
  BOOST_TEST(a.compress_if_smaller(std::string(100, 'z'), packed));
  crumb::zlib_compression b = a;
  std::string out;
  BOOST_TEST(b.inflate(packed, out, 100) == errc::ok);
  BOOST_TEST(out == std::string(100, 'z'));
}

BOOST_AUTO_TEST_SUITE_END()
