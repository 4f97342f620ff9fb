#define BOOST_TEST_MODULE value
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "test_support.hpp"

using crumb::errc;

namespace {
struct cart_item {
  std::string sku;
  int qty = 0;
};
}  // namespace

// A user type, the way the README shows it.
template <>
struct crumb::value_traits<cart_item> {
  static crumb::value to_value(const cart_item& item) {
    return crumb::object{{"sku", item.sku}, {"qty", item.qty}};
  }
  static crumb::errc from_value(const crumb::value& v, cart_item& out) {
    const crumb::object* o = v.if_object();
    if (o == nullptr) return crumb::errc::type_mismatch;
    const crumb::value* sku = o->find("sku");
    const crumb::value* qty = o->find("qty");
    if (sku == nullptr || qty == nullptr) return crumb::errc::not_found;
    if (const auto e = crumb::from_value(*sku, out.sku); e != crumb::errc::ok) return e;
    return crumb::from_value(*qty, out.qty);
  }
};

BOOST_AUTO_TEST_SUITE(value)

BOOST_AUTO_TEST_CASE(kinds) {
  BOOST_TEST(crumb::value().is_null());
  BOOST_TEST(crumb::value(true).is_bool());
  BOOST_TEST(crumb::value(7).is_int());
  BOOST_TEST(crumb::value(7.0).is_double());
  BOOST_TEST(crumb::value("x").is_string());
  BOOST_TEST(crumb::value(crumb::array{}).is_array());
  BOOST_TEST(crumb::value(crumb::object{}).is_object());
  // 1 and 1.0 are different values, as in JSON written by Python.
  BOOST_TEST(!(crumb::value(1) == crumb::value(1.0)));
}

BOOST_AUTO_TEST_CASE(object_keeps_insertion_order_and_positions) {
  crumb::object o;
  o["b"] = 1;
  o["a"] = 2;
  o["c"] = 3;
  o.insert_or_assign("a", 20);  // keeps its place, like a Python dict
  std::vector<std::string> keys;
  for (const auto& [k, v] : o) keys.push_back(k);
  BOOST_TEST((keys == std::vector<std::string>{"b", "a", "c"}));
  BOOST_TEST(*o.find("a")->if_int() == 20);
  BOOST_TEST(o.erase("b"));
  BOOST_TEST(!o.erase("b"));
  BOOST_TEST(o.size() == 2u);
  BOOST_TEST(o.begin()->first == "a");
  BOOST_TEST(!o.contains("zz"));
}

BOOST_AUTO_TEST_CASE(object_equality_ignores_order) {
  const crumb::object a{{"x", 1}, {"y", 2}};
  const crumb::object b{{"y", 2}, {"x", 1}};
  BOOST_TEST((a == b));
  BOOST_TEST(!(a == crumb::object{{"x", 1}}));
}

BOOST_AUTO_TEST_CASE(from_entries_keeps_last_value_at_first_position) {
  std::vector<crumb::object::entry> entries;
  entries.emplace_back("a", 1);
  entries.emplace_back("b", 2);
  entries.emplace_back("a", 3);
  const auto o = crumb::object::from_entries(std::move(entries));
  BOOST_TEST(o.size() == 2u);
  BOOST_TEST(o.begin()->first == "a");
  BOOST_TEST(*o.find("a")->if_int() == 3);
}

BOOST_AUTO_TEST_CASE(from_entries_with_many_keys_uses_the_same_rule) {
  std::vector<crumb::object::entry> entries;
  for (int i = 0; i < 10000; ++i) entries.emplace_back("k" + std::to_string(i), i);
  entries.emplace_back("k5", -5);
  const auto o = crumb::object::from_entries(std::move(entries));
  BOOST_TEST(o.size() == 10000u);
  BOOST_TEST(*o.find("k5")->if_int() == -5);
  BOOST_TEST((o.begin() + 5)->first == "k5");
}

// Up to 32 keys, duplicates are found through a small hash table on the length and three
// sampled bytes: keys alike in all of those (and unalike) must still be told apart, and a
// duplicate found at every pair of positions.
BOOST_AUTO_TEST_CASE(small_objects_find_every_duplicate) {
  // Same length, first, middle and last byte: they meet in one slot.
  std::vector<std::string> alike;
  for (char c = 'A'; alike.size() < 32; ++c) alike.push_back(std::string("x") + c + "m" + c + "y");
  std::vector<std::string> unalike;
  for (int i = 0; i < 32; ++i) unalike.push_back(i % 3 == 0 ? "" + std::to_string(i) : "k" + std::to_string(i * 37));
  for (const auto* keys : {&alike, &unalike}) {
    for (std::size_t n = 2; n <= 12; ++n) {
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
          std::vector<crumb::object::entry> entries;
          for (std::size_t k = 0; k < n; ++k)
            entries.emplace_back((*keys)[k == j ? i : k], static_cast<std::int64_t>(k));
          const auto o = crumb::object::from_entries(std::move(entries));
          BOOST_TEST(o.size() == n - 1, n << " " << i << " " << j);
          BOOST_TEST(*o.find((*keys)[i])->if_int() == static_cast<std::int64_t>(j));
          BOOST_TEST((o.begin() + static_cast<std::ptrdiff_t>(i))->first == (*keys)[i]);
        }
      }
    }
    std::vector<crumb::object::entry> all;
    for (std::size_t k = 0; k < 32; ++k) all.emplace_back((*keys)[k], 1);
    BOOST_TEST(crumb::object::from_entries(std::move(all)).size() == 32u);
  }
}

BOOST_AUTO_TEST_CASE(builtin_traits_round_trip) {
  BOOST_TEST(crumb::value_as<int>(crumb::to_value(42)).value() == 42);
  BOOST_TEST(crumb::value_as<bool>(crumb::to_value(true)).value());
  BOOST_TEST(crumb::value_as<double>(crumb::to_value(2.5)).value() == 2.5);
  BOOST_TEST(crumb::value_as<float>(crumb::to_value(2.5f)).value() == 2.5f);
  BOOST_TEST(crumb::value_as<std::string>(crumb::to_value(std::string("hi"))).value() == "hi");
  BOOST_TEST(crumb::value_as<std::string_view>(crumb::value("sv")).value() == "sv");

  const std::vector<int> v{1, 2, 3};
  BOOST_TEST((crumb::value_as<std::vector<int>>(crumb::to_value(v)).value() == v));
  const std::map<std::string, double> m{{"a", 1.5}, {"b", -2.0}};
  BOOST_TEST((crumb::value_as<std::map<std::string, double>>(crumb::to_value(m)).value() == m));
  const std::unordered_map<std::string, int> um{{"x", 1}};
  BOOST_TEST(
      (crumb::value_as<std::unordered_map<std::string, int>>(crumb::to_value(um)).value() == um));

  const std::optional<int> none;
  BOOST_TEST(crumb::to_value(none).is_null());
  BOOST_TEST(!crumb::value_as<std::optional<int>>(crumb::value()).value().has_value());
  BOOST_TEST(*crumb::value_as<std::optional<int>>(crumb::value(3)).value() == 3);
}

BOOST_AUTO_TEST_CASE(chrono_is_stored_in_seconds) {
  using namespace std::chrono_literals;
  BOOST_TEST(*crumb::to_value(90s).if_int() == 90);
  BOOST_TEST(*crumb::to_value(1500ms).if_double() == 1.5);
  BOOST_TEST((crumb::value_as<std::chrono::milliseconds>(crumb::value(2)).value() == 2000ms));
  BOOST_TEST((crumb::value_as<std::chrono::seconds>(crumb::value(2.4)).value() == 2s));
  const auto t = std::chrono::sys_seconds(1700000000s);
  BOOST_TEST(*crumb::to_value(t).if_int() == 1700000000);
  BOOST_TEST((crumb::value_as<std::chrono::sys_seconds>(crumb::value(1700000000)).value() == t));
  BOOST_TEST(crumb::value_as<std::chrono::nanoseconds>(crumb::value(1e300)).error() ==
             errc::number_out_of_range);
  // Regression: INT64_MAX ns as a double rounds up to 2^63 ns, one past the range; it
  // passed the check and overflowed in the conversion (UB).
  BOOST_TEST(crumb::value_as<std::chrono::nanoseconds>(crumb::value(9223372036.854776)).error() ==
             errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<std::chrono::nanoseconds>(crumb::value(-9223372036.86)).error() ==
             errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<std::chrono::nanoseconds>(crumb::value(9223372036.854775)).value() ==
             std::chrono::nanoseconds(9223372036854774784));  // the largest double below 2^63
  BOOST_TEST(crumb::value_as<std::chrono::seconds>(crumb::value(-2.5)).value() == -2s);  // to even
  // Coarser than seconds: the range check itself must not overflow.
  BOOST_TEST((crumb::value_as<std::chrono::hours>(crumb::value(7200)).value() == 2h));
  BOOST_TEST((crumb::value_as<std::chrono::minutes>(crumb::value(-60)).value() == -1min));
  BOOST_TEST((crumb::value_as<std::chrono::duration<std::int16_t, std::ratio<3600>>>(
                  crumb::value(std::int64_t{3600} * 40000))
                  .error() == errc::number_out_of_range));
  BOOST_TEST(*crumb::to_value(std::chrono::hours(3'000'000'000'000'000)).if_double() == 1.08e19);
  BOOST_TEST(crumb::value_as<std::chrono::sys_time<std::chrono::nanoseconds>>(
                 crumb::value(std::int64_t{20000000000}))
                 .error() == errc::number_out_of_range);
}

// Regression: a floating rep went through the integer paths: fractions were rounded away
// (0.75 s read back as 1 s), and whole seconds were bounded by converting
// duration<double>::max() to integer seconds (undefined behaviour; at -O0, 5 s was refused).
BOOST_AUTO_TEST_CASE(floating_durations_keep_their_fractions) {
  using dsec = std::chrono::duration<double>;
  for (const double x : {0.75, 5.5, 0.25, -2.5, 1700000000.75, 1e300}) {
    BOOST_TEST(crumb::value_as<dsec>(crumb::to_value(dsec(x))).value().count() == x);
    BOOST_TEST(crumb::value_as<dsec>(crumb::value(x)).value().count() == x);
  }
  BOOST_TEST(crumb::value_as<dsec>(crumb::value(5)).value().count() == 5.0);
  BOOST_TEST(crumb::value_as<dsec>(crumb::to_value(dsec(5))).value().count() == 5.0);
  using fms = std::chrono::duration<float, std::milli>;
  BOOST_TEST(crumb::value_as<fms>(crumb::value(0.5)).value().count() == 500.0f);
  BOOST_TEST(crumb::value_as<fms>(crumb::value(1e300)).error() == errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<dsec>(crumb::value("5")).error() == errc::type_mismatch);
  using dtime = std::chrono::time_point<std::chrono::system_clock, dsec>;
  const dtime t(dsec(1700000000.75));
  BOOST_TEST((crumb::value_as<dtime>(crumb::to_value(t)).value() == t));
}

BOOST_AUTO_TEST_CASE(type_and_range_errors) {
  BOOST_TEST(crumb::value_as<int>(crumb::value("1")).error() == errc::type_mismatch);
  BOOST_TEST(crumb::value_as<int>(crumb::value(1.0)).error() == errc::type_mismatch);
  BOOST_TEST(crumb::value_as<std::uint8_t>(crumb::value(256)).error() == errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<unsigned>(crumb::value(-1)).error() == errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<float>(crumb::value(1e300)).error() == errc::number_out_of_range);
  BOOST_TEST(crumb::value_as<std::vector<int>>(crumb::value(crumb::array{1, "x"})).error() ==
             errc::type_mismatch);
  BOOST_CHECK_THROW(crumb::to_value(std::numeric_limits<std::uint64_t>::max()), std::out_of_range);
  BOOST_TEST(*crumb::to_value(std::uint64_t{7}).if_int() == 7);
}

BOOST_AUTO_TEST_CASE(user_types_through_value_traits) {
  const std::vector<cart_item> cart{{"SKU-1", 2}, {"SKU-2", 1}};
  const crumb::value v = crumb::to_value(cart);
  BOOST_TEST(crumb::json::to_string(v).value() ==
             R"([{"sku":"SKU-1","qty":2},{"sku":"SKU-2","qty":1}])");
  const auto back = crumb::value_as<std::vector<cart_item>>(v);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->at(1).sku == "SKU-2");
  BOOST_TEST(crumb::value_as<cart_item>(crumb::object{{"sku", "x"}}).error() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(result_behaves_like_expected) {
  crumb::result<int> ok = 3;
  crumb::result<int> bad = errc::expired;
  BOOST_TEST(ok.has_value());
  BOOST_TEST(*ok == 3);
  BOOST_TEST(!bad);
  BOOST_TEST(bad.error() == errc::expired);
  BOOST_TEST(bad.value_or(9) == 9);
  BOOST_CHECK_THROW(bad.value(), crumb::bad_result_access);
  BOOST_TEST(bad.error().category().name() == std::string("crumb"));
  BOOST_TEST(crumb::name(errc::invalid_signature) == "invalid_signature");
  BOOST_TEST(bad.error().message() == "token has expired");
}

BOOST_AUTO_TEST_SUITE_END()
