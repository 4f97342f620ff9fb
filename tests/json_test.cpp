#define BOOST_TEST_MODULE json
#include <boost/test/unit_test.hpp>

#include <cfenv>
#include <cmath>
#include <ios>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <random>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "test_support.hpp"

using crumb::errc;
using crumb_test::parse;

namespace {
std::string write(const crumb::value& v) { return crumb::json::to_string(v).value(); }

errc read_error(std::string_view json, crumb::json::limits lim = {}) {
  crumb::value out;
  crumb::json::reader r(lim);
  return r.read(json, out);
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}
}  // namespace

BOOST_AUTO_TEST_SUITE(json_writer)

// Expected texts come from CPython 3.11's json.dumps / repr.
BOOST_AUTO_TEST_CASE(floats_match_python_repr) {
  const std::pair<double, const char*> cases[] = {
      {0.1, "0.1"},
      {1.0, "1.0"},
      {-0.0, "-0.0"},
      {1e-05, "1e-05"},
      {1e+16, "1e+16"},
      {1000000000000000.0, "1000000000000000.0"},
      {1.2345678901234568e+17, "1.2345678901234568e+17"},
      {5e-324, "5e-324"},
      {1.7976931348623157e+308, "1.7976931348623157e+308"},
      {2.5e-07, "2.5e-07"},
      {0.0001, "0.0001"},
      {1.0 / 3, "0.3333333333333333"},
      {100.0, "100.0"},
      {1e+22, "1e+22"},
      {-1.5e-10, "-1.5e-10"},
      {9007199254740992.0, "9007199254740992.0"},
      {0.0, "0.0"},
      {123.456, "123.456"},
  };
  for (const auto& [d, text] : cases) BOOST_TEST(write(d) == text);
}

// The short-decimal path (at most 4 decimals, |d| < 1e8) must print what the general
// path prints, for every double it accepts: decimals of every scale, their neighbours one
// ulp away, and random bit patterns.
BOOST_AUTO_TEST_CASE(short_decimals_print_as_the_general_path) {
  std::mt19937_64 rng(20261125);
  const auto check = [](double d) {
    char fast[40], general[40];
    const char* end = crumb::detail::write_short_decimal(fast, d);
    if (end == nullptr) return 0;
    const char* gend = crumb::detail::write_python_float_general(general, d);
    BOOST_TEST(std::string(static_cast<const char*>(fast), end) ==
                   std::string(static_cast<const char*>(general), gend),
               std::hexfloat << d);
    return 1;
  };
  int taken = 0;
  static constexpr double scales[] = {1, 10, 100, 1000, 10000, 100000};
  for (int i = 0; i < 300000; ++i) {
    const double scale = scales[rng() % 6];
    const auto n = static_cast<std::int64_t>(rng() % 2000000000000ULL) - 1000000000000LL;
    const double d = static_cast<double>(n % static_cast<std::int64_t>(1e8 * scale)) / scale;
    taken += check(d);
    check(std::nextafter(d, 1e300));
    check(std::nextafter(d, -1e300));
    double bits;
    const std::uint64_t r = rng();
    std::memcpy(&bits, &r, sizeof bits);
    if (std::isfinite(bits)) check(bits);
  }
  BOOST_TEST(taken > 200000);
  for (const double d : {0.625, 19.99, -3.5, 1e7, 99999999.9999, 0.0001, 0.1, 0.3, 2.675, 1.0,
                         -1.0, 12345678.5, 0.1 + 0.2})
    check(d);
  // Rounding other than to nearest (set by the program) leaves floats to the general path.
  const int mode = std::fegetround();
  std::fesetround(FE_UPWARD);
  char up[40];
  const char* up_end = crumb::detail::write_python_float(up, std::nextafter(0.3, 1.0));
  std::fesetround(mode);
  BOOST_TEST(std::string(static_cast<const char*>(up), up_end) == "0.30000000000000004");
  char out[40];
  BOOST_TEST(crumb::detail::write_short_decimal(out, -0.0) == nullptr);  // "-0.0" elsewhere
  BOOST_TEST(crumb::detail::write_short_decimal(out, 0.00001) == nullptr);
  BOOST_TEST(crumb::detail::write_short_decimal(out, 1e8) == nullptr);
}

BOOST_AUTO_TEST_CASE(integers_and_literals) {
  BOOST_TEST(write(0) == "0");
  BOOST_TEST(write(-42) == "-42");
  BOOST_TEST(write(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  BOOST_TEST(write(nullptr) == "null");
  BOOST_TEST(write(true) == "true");
  BOOST_TEST(write(false) == "false");
}

BOOST_AUTO_TEST_CASE(strings_escape_like_ensure_ascii) {
  const std::string s = std::string("a\"b\\c\n\r\t\b\f") + '\0' +
                        "\x1f\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e <>&'";
  BOOST_TEST(write(s) ==
             R"("a\"b\\c\n\r\t\b\f\u0000\u001f\u007f/\u00e9\u20ac\ud834\udd1e <>&'")");
}

// Every byte at every position of strings up to 41 bytes, as values and as keys, so each
// scan (two words for 16 bytes or less; 16, then 8 bytes at a time, then a last word
// overlapping the one before) and the byte loop after it meet each one: written as
// Python's ensure_ascii writes it.
BOOST_AUTO_TEST_CASE(every_byte_at_every_position_escapes_like_python) {
  const auto python_escape = [](unsigned char c) -> std::string {
    switch (c) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\b': return "\\b";
      case '\f': return "\\f";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      return buf;
    }
    return std::string(1, static_cast<char>(c));
  };
  for (int c = 0; c < 256; ++c) {
    for (std::size_t size = 1; size <= 41; ++size) {
      for (std::size_t at = 0; at < size; ++at) {
        std::string text(size, 'a');
        text[at] = static_cast<char>(c);
        const auto as_value = crumb::json::to_string(crumb::value(text));
        const auto as_key = crumb::json::to_string(crumb::object{{text, 1}, {text + "b", 2}});
        if (c >= 0x80) {  // a lone byte of 0x80 and up is not UTF-8
          BOOST_TEST((as_value.error() == errc::invalid_utf8), c << " at " << at << " of " << size);
          BOOST_TEST((as_key.error() == errc::invalid_utf8), c << " at " << at << " of " << size);
          continue;
        }
        const std::string expected = "\"" + std::string(at, 'a') +
                                     python_escape(static_cast<unsigned char>(c)) +
                                     std::string(size - 1 - at, 'a') + "\"";
        BOOST_TEST(as_value.value() == expected, c << " at " << at << " of " << size);
        const std::string second = expected.substr(0, expected.size() - 1) + "b\"";
        BOOST_TEST(as_key.value() == "{" + expected + ":1," + second + ":2}",
                   c << " at " << at << " of " << size);
      }
    }
  }
  BOOST_TEST(crumb::json::to_string(crumb::value(std::string())).value() == "\"\"");
}

// Long strings are written in 4 KiB pieces: a multi-byte character across a piece's end,
// and escapes on both sides, come out as each character alone would.
BOOST_AUTO_TEST_CASE(long_strings_across_pieces) {
  const auto alone = [](std::string_view c) {
    const std::string quoted = crumb::json::to_string(crumb::value(c)).value();
    return quoted.substr(1, quoted.size() - 2);
  };
  for (const std::string_view special : {"\xf0\x9f\x91\x8b", "\xe2\x82\xac", "\"", "\n"}) {
    for (std::size_t at = 4088; at <= 4100; ++at) {
      std::string text(at, 'a');
      text += special;
      text += std::string(9000, 'b');
      const std::string expected = "\"" + std::string(at, 'a') + alone(special) +
                                   std::string(9000, 'b') + "\"";
      BOOST_TEST(crumb::json::to_string(crumb::value(text)).value() == expected, at);
    }
  }
  std::string mixed;  // every piece full of escapes: the room asked for must hold them
  for (int i = 0; i < 3000; ++i) mixed += "\x01\xf0\x9f\x91\x8b\"";
  std::string expected = "\"";
  for (int i = 0; i < 3000; ++i) expected += "\\u0001\\ud83d\\udc4b\\\"";
  BOOST_TEST(crumb::json::to_string(crumb::value(mixed)).value() == expected + "\"");
}

// The codec's path: one scratch buffer, never shrunk; each text viewed from its start.
BOOST_AUTO_TEST_CASE(write_into_reuses_one_buffer) {
  std::string scratch;
  std::string_view text;
  BOOST_TEST(crumb::json::write_into(crumb::object{{"a", std::string(5000, 'x')}}, scratch, text) ==
             errc::ok);
  BOOST_TEST(text.size() == 5008u);
  const std::size_t grown = scratch.size();
  BOOST_TEST(crumb::json::write_into(crumb::array{1, 2.5, nullptr}, scratch, text) == errc::ok);
  BOOST_TEST(text == "[1,2.5,null]");
  BOOST_TEST(scratch.size() == grown);
  BOOST_TEST(crumb::json::write_into(std::nan(""), scratch, text) == errc::not_finite);
  BOOST_TEST(text.empty());
}

BOOST_AUTO_TEST_CASE(compact_separators_and_order) {
  const crumb::object o{{"k", crumb::array{1, nullptr, true, false, "x"}},
                        {"\xc3\xa9", crumb::object{}}};
  BOOST_TEST(write(o) == R"({"k":[1,null,true,false,"x"],"\u00e9":{}})");
  BOOST_TEST(write(crumb::array{}) == "[]");
}

BOOST_AUTO_TEST_CASE(non_finite_is_refused) {
  std::string out;
  BOOST_TEST(crumb::json::write(std::nan(""), out) == errc::not_finite);
  BOOST_TEST(crumb::json::write(crumb::array{std::numeric_limits<double>::infinity()}, out) ==
             errc::not_finite);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
  for (const char* bad : {"\xff", "\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80"}) {
    std::string out;
    BOOST_TEST(crumb::json::write(crumb::value(bad), out) == errc::invalid_utf8);
    BOOST_TEST(crumb::json::write(crumb::object{{bad, 1}}, out) == errc::invalid_utf8);
  }
}

BOOST_AUTO_TEST_CASE(depth_is_bounded) {
  crumb::value v = 1;
  for (int i = 0; i < 10; ++i) v = crumb::array{std::move(v)};
  std::string out;
  BOOST_TEST(crumb::json::write(v, out, 10) == errc::ok);
  out.clear();
  BOOST_TEST(crumb::json::write(v, out, 9) == errc::too_deep);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_reader)

// Expected texts from Python: json.dumps(v, sort_keys=True, separators=(',', ':')).
BOOST_AUTO_TEST_CASE(sorted_keys_as_python_sorts_them) {
  const crumb::value v = crumb::object{
      {"b", 1},
      {"a", crumb::object{{"z", crumb::array{crumb::object{{"y", 1}, {"x", 2}}}},
                          {"\u00e9", 1},
                          {"\U0001F600", 2},
                          {"\uffff", 3},
                          {"Z", 0}}},
      {"", nullptr}};
  std::string_view text;
  std::string scratch;
  BOOST_REQUIRE(crumb::json::write_into(v, scratch, text, 64, crumb::json::key_order::sorted) ==
                errc::ok);
  BOOST_TEST(text == R"({"":null,"a":{"Z":0,"z":[{"x":2,"y":1}],"\u00e9":1,"\uffff":3,)"
                     R"("\ud83d\ude00":2},"b":1})");
  // More members than fit on the stack.
  crumb::object many;
  std::string expected = "{";
  for (int i = 40; i >= 1; --i) many.insert_or_assign((i < 10 ? "k0" : "k") + std::to_string(i), i);
  for (int i = 1; i <= 40; ++i)
    expected += (i > 1 ? ",\"" : "\"") + std::string(i < 10 ? "k0" : "k") + std::to_string(i) +
                "\":" + std::to_string(i);
  BOOST_REQUIRE(crumb::json::write_into(many, scratch, text, 64, crumb::json::key_order::sorted) ==
                errc::ok);
  BOOST_TEST(text == expected + "}");
  // Insertion order stays the default.
  BOOST_REQUIRE(crumb::json::write_into(v, scratch, text) == errc::ok);
  BOOST_TEST(text.substr(0, 6) == R"({"b":1)");
}

// Sorted keys against std::string's order (bytes, as code points for UTF-8) on random keys
// that share their first 8 bytes or less, hold NUL bytes and multi-byte characters, and
// are prefixes of one another: the writer sorts by the first 8 bytes as a number first.
BOOST_AUTO_TEST_CASE(sorted_keys_match_byte_order) {
  std::mt19937 rng(20261205);
  const std::string pieces[] = {std::string(1, '\0'), "a", "b", "\x7f", "\u00e9", "\u20ac",
                                "\U0001F600", "_auth_user_", "k"};
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> keys;
    const int count = 1 + static_cast<int>(rng() % 45);
    for (int i = 0; i < count; ++i) {
      std::string key;
      for (int p = static_cast<int>(rng() % 6); p > 0; --p) key += pieces[rng() % 9];
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    crumb::object shuffled;
    for (const std::string& k : keys) shuffled.insert_or_assign(k, 1);
    std::sort(keys.begin(), keys.end());
    crumb::object in_order;
    for (const std::string& k : keys) in_order.insert_or_assign(k, 1);
    std::string scratch_a, scratch_b;
    std::string_view sorted_text, expected_text;
    BOOST_REQUIRE(crumb::json::write_into(shuffled, scratch_a, sorted_text, 64,
                                          crumb::json::key_order::sorted) == errc::ok);
    BOOST_REQUIRE(crumb::json::write_into(in_order, scratch_b, expected_text) == errc::ok);
    BOOST_TEST(sorted_text == expected_text);
  }
}

BOOST_AUTO_TEST_CASE(reads_what_the_writer_writes) {
  for (const char* name : {"small", "medium", "large", "huge"}) {
    const crumb::value v = parse(crumb_test::fixture(name));
    BOOST_TEST(v.is_object());
    const std::string once = write(v);
    BOOST_TEST(write(parse(once)) == once);
  }
}

BOOST_AUTO_TEST_CASE(kinds_are_kept) {
  const crumb::value v = parse(R"([1, 1.0, -0, 1e2, "s", null, true, {"a": []}])");
  const crumb::array& a = *v.if_array();
  BOOST_TEST(a[0].is_int());
  BOOST_TEST(a[1].is_double());
  BOOST_TEST(a[2].is_int());
  BOOST_TEST(a[3].is_double());  // Python: 1e2 is a float
  BOOST_TEST(a[4].is_string());
  BOOST_TEST(a[5].is_null());
  BOOST_TEST(*a[6].if_bool());
  BOOST_TEST(a[7].if_object()->find("a")->is_array());
}

BOOST_AUTO_TEST_CASE(escapes_decode_to_utf8) {
  const crumb::value v = parse(R"("\u00e9\ud83d\udc4b\u0000")");
  BOOST_TEST(*v.if_string() == std::string("\xc3\xa9\xf0\x9f\x91\x8b\0", 7));
}

BOOST_AUTO_TEST_CASE(duplicate_keys_last_wins_at_first_position) {
  const crumb::value v = parse(R"({"a":1,"b":2,"a":3})");
  BOOST_TEST(write(v) == R"({"a":3,"b":2})");
}

BOOST_AUTO_TEST_CASE(int64_bounds) {
  BOOST_TEST(*parse("9223372036854775807").if_int() == std::numeric_limits<std::int64_t>::max());
  BOOST_TEST(*parse("-9223372036854775808").if_int() == std::numeric_limits<std::int64_t>::min());
  BOOST_TEST(read_error("9223372036854775808") == errc::number_out_of_range);
  BOOST_TEST(read_error("18446744073709551616") == errc::number_out_of_range);
  BOOST_TEST(read_error("-9223372036854775809") == errc::number_out_of_range);
  BOOST_TEST(read_error("[1e400]") == errc::number_out_of_range);
  BOOST_TEST(read_error("123456789012345678901234567890") == errc::number_out_of_range);
}

BOOST_AUTO_TEST_CASE(malformed_numbers_are_invalid_not_out_of_range) {
  // Regression: a number running into letters (123abc, 1true, 1e5x) was out_of_range.
  for (const char* bad : {"01", "[1.]", "-", "[.5]", "1e", "+1", "[NaN]", "Infinity", "[123abc]",
                          "[1true]", "[1e5x]", "123abc", R"({"a":1x})", "[1,2a]"})
    BOOST_TEST(read_error(bad) == errc::invalid_json, bad);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_lone_surrogates) {
  BOOST_TEST(read_error("\"\xff\"") == errc::invalid_utf8);
  BOOST_TEST(read_error("\"\xed\xa0\x80\"") == errc::invalid_utf8);
  BOOST_TEST(read_error(R"("\ud800")") == errc::invalid_utf8);
  BOOST_TEST(read_error(R"("\udc00")") == errc::invalid_utf8);
  BOOST_TEST(read_error(R"(["\ud800\u0041"])") == errc::invalid_utf8);
  BOOST_TEST(read_error(R"("\x")") == errc::invalid_json);
}

BOOST_AUTO_TEST_CASE(structure_errors) {
  for (const char* bad : {"", " ", "{", "[1,]", "{\"a\"}", "{} x", "\"a\x01\"", "tru", "[1 2]"})
    BOOST_TEST(read_error(bad) == errc::invalid_json, bad);
}

// What the writer accepts at a depth, the reader accepts at the same depth, whatever is
// innermost: a value written at max_depth once failed to read back when it held a scalar.
BOOST_AUTO_TEST_CASE(writer_and_reader_agree_on_depth) {
  for (const std::size_t max : {1u, 2u, 8u, 64u}) {
    crumb::json::limits lim;
    lim.max_depth = max;
    crumb::json::reader reader(lim);
    const crumb::value innermost[] = {crumb::array{}, crumb::array{1}, crumb::object{{"a", 1}},
                                      crumb::object{{"a", "text"}, {"b", 2.5}}};
    for (const crumb::value& inner : innermost) {
      crumb::value v = inner;
      for (std::size_t i = 1; i < max; ++i) v = crumb::array{std::move(v)};
      std::string text;
      BOOST_TEST_REQUIRE(crumb::json::write(v, text, max) == errc::ok);
      crumb::value back;
      BOOST_TEST(reader.read(text, back) == errc::ok, max << ": " << text);
      BOOST_TEST((back == v));
      const crumb::value deeper = crumb::array{v};
      text.clear();
      BOOST_TEST(crumb::json::write(deeper, text, max) == errc::too_deep);
      BOOST_TEST(reader.read("[" + crumb::json::to_string(v).value() + "]", back) ==
                 errc::too_deep);
    }
  }
}

BOOST_AUTO_TEST_CASE(depth_limit) {
  crumb::json::limits lim;
  lim.max_depth = 8;
  BOOST_TEST(read_error(nested(8), lim) == errc::ok);
  BOOST_TEST(read_error(nested(9), lim) == errc::too_deep);
  BOOST_TEST(read_error(std::string(100000, '[') + std::string(100000, ']')) ==
             errc::too_deep);
}

BOOST_AUTO_TEST_CASE(size_limit) {
  crumb::json::limits lim;
  lim.max_bytes = 16;
  BOOST_TEST(read_error(R"({"a":"01234567"})", lim) == errc::ok);  // 16 bytes
  BOOST_TEST(read_error(R"({"a":"012345678"})", lim) == errc::too_large);
}

// The reader reuses what `out` holds; the result must not depend on it.
BOOST_AUTO_TEST_CASE(reading_into_a_used_value_replaces_it) {
  crumb::json::reader r;
  crumb::value v = parse(R"({"a":[1,2,3,{"x":"long string, longer than SSO"}],"b":"s","c":{}})");
  const char* texts[] = {R"({"a":[1],"c":"now a string"})", R"([{"a":1},{"a":[]}])", R"("x")",
                         R"({"k":{"k":{"k":1}},"z":null})", R"({"a":1,"a":2,"b":3})", "{}",
                         // keys and strings growing past and shrinking below what they held
                         R"({"a key longer than the small-string buffer":"and a value as long as that"})",
                         R"({"k":"v"})", R"({"a key longer than the small-string buffer, longer":"x"})",
                         R"({"a":"","b":"\u00e9\ud83d\ude00 escaped, then long enough to spill"})",
                         // the same shape twice, with other strings of every length class
                         R"({"a":"b","ab":"cd","abc":"def","abcd":"efgh","abcdefg":"hijklmn",)"
                         R"("abcdefgh":"ijklmnop","abcdefghijklmnop":"qrstuvwxyz012345",)"
                         R"("abcdefghijklmnopq":"a string longer than sixteen bytes"})",
                         R"({"A":"B","AB":"CD","ABC":"DEF","ABCD":"EFGH","ABCDEFG":"HIJKLMN",)"
                         R"("ABCDEFGH":"IJKLMNOP","ABCDEFGHIJKLMNOP":"QRSTUVWXYZ543210",)"
                         R"("ABCDEFGHIJKLMNOPQ":"A STRING LONGER THAN SIXTEEN BYTES"})"};
  for (const char* text : texts) {
    BOOST_REQUIRE(r.read(text, v) == errc::ok);
    BOOST_TEST(write(v) == write(parse(text)), text);
  }
}

// A read that fails part-way leaves the value unspecified but valid: no key twice, even
// when the next text repeats the same keys in the same places (which skips the check).
BOOST_AUTO_TEST_CASE(a_failed_read_leaves_no_key_twice) {
  crumb::json::reader r;
  crumb::value v;
  BOOST_TEST(r.read(R"({"a":1,"a":2,"b":9223372036854775808})", v) == errc::number_out_of_range);
  BOOST_REQUIRE(r.read(R"({"a":1,"a":2})", v) == errc::ok);
  BOOST_TEST(write(v) == R"({"a":2})");
  BOOST_TEST(r.read(R"({"k":{"x":1,"x":2,"y":[9223372036854775808]}})", v) ==
             errc::number_out_of_range);
  BOOST_REQUIRE(r.read(R"({"k":{"x":1,"x":2}})", v) == errc::ok);
  BOOST_TEST(write(v) == R"({"k":{"x":2}})");
}

// The reader skips the duplicate check only for keys known distinct: an object given a
// key twice through append_unchecked() or a renaming iterator is checked again.
BOOST_AUTO_TEST_CASE(keys_made_twice_by_hand_are_checked_on_the_next_read) {
  crumb::json::reader r;
  crumb::value v = crumb::object{};
  v.if_object()->append_unchecked("k", 1);
  v.if_object()->append_unchecked("k", 2);
  BOOST_REQUIRE(r.read(R"({"k":3,"k":4})", v) == errc::ok);
  BOOST_TEST(write(v) == R"({"k":4})");

  v = crumb::object{{"a", 1}, {"b", 2}};
  for (auto& [key, item] : *v.if_object()) key = "z";
  BOOST_REQUIRE(r.read(R"({"z":5,"z":6})", v) == errc::ok);
  BOOST_TEST(write(v) == R"({"z":6})");

  // Read twice with the same keys: the second read skips the check, and is still right.
  BOOST_REQUIRE(r.read(R"({"x":1,"y":2})", v) == errc::ok);
  BOOST_REQUIRE(r.read(R"({"x":3,"y":4})", v) == errc::ok);
  BOOST_TEST(write(v) == R"({"x":3,"y":4})");
  BOOST_TEST(v.if_object()->keys_known_distinct());
}

BOOST_AUTO_TEST_CASE(many_keys_with_and_without_duplicates) {
  std::string unique = "{", duplicated;
  for (int i = 0; i < 100; ++i) unique += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  duplicated = unique + "\"k50\":-1}";
  unique.back() = '}';
  BOOST_TEST(parse(unique).if_object()->size() == 100u);
  const crumb::value d = parse(duplicated);
  BOOST_TEST(d.if_object()->size() == 100u);
  BOOST_TEST(*d.if_object()->find("k50")->if_int() == -1);
  BOOST_TEST((d.if_object()->begin() + 50)->first == "k50");
}

BOOST_AUTO_TEST_CASE(a_reader_is_reusable_after_errors) {
  crumb::json::reader r;
  crumb::value v;
  BOOST_TEST(r.read("[1,", v) == errc::invalid_json);
  BOOST_TEST(r.read("[1,2]", v) == errc::ok);
  BOOST_TEST(v.if_array()->size() == 2u);
  crumb::json::reader copy = r;
  BOOST_TEST(copy.read("{}", v) == errc::ok);
}

BOOST_AUTO_TEST_SUITE_END()
