#define BOOST_TEST_MODULE session_formats
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "crumb/chunks.hpp"
#include "crumb/profile/django.hpp"
#include "crumb/store_reference.hpp"

// The pure pieces a session is saved with: the chunk format, the store reference and
// entry, and Django's rules for a session's own expiry.

using crumb::errc;
using namespace std::chrono_literals;

namespace {
std::string token_of(std::size_t n) {
  std::string t;
  for (std::size_t i = 0; i < n; ++i) t.push_back("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"[i % 36]);
  return t;
}

std::vector<crumb::chunks::part> parts_of(const std::vector<crumb::chunks::piece>& pieces) {
  std::vector<crumb::chunks::part> parts;
  for (std::size_t k = 1; k < pieces.size(); ++k) parts.push_back({k, pieces[k].value});
  return parts;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(chunk_format)

BOOST_AUTO_TEST_CASE(index_of_reads_only_what_split_writes) {
  using crumb::chunks::index_of;
  BOOST_TEST(index_of("sessionid.1", "sessionid") == 1u);
  BOOST_TEST(index_of("sessionid.999", "sessionid") == 999u);
  for (const char* other : {"sessionid", "sessionid.", "sessionid.0", "sessionid.01",
                            "sessionid.1000", "sessionid.1x", "sessionidx1", "other.1",
                            "sessionid.-1", "sessionid.+1"})
    BOOST_TEST(index_of(other, "sessionid") == 0u, other);
}

BOOST_AUTO_TEST_CASE(split_then_reassemble_gives_the_token_back) {
  for (const std::size_t size : {95u, 100u, 181u, 182u, 500u, 999u}) {
    const std::string token = token_of(size);
    const auto pieces = crumb::chunks::split("s", token, 100, 30, 8192);
    BOOST_TEST_REQUIRE(pieces.has_value(), size);
    BOOST_TEST(pieces->front().name == "s");
    BOOST_TEST(crumb::chunks::is_head(pieces->front().value));
    for (std::size_t k = 0; k < pieces->size(); ++k) {
      BOOST_TEST((*pieces)[k].name == crumb::chunks::name_of("s", k));
      BOOST_TEST((*pieces)[k].name.size() + (*pieces)[k].value.size() <= 100u);
    }
    // The fewest cookies: one less would not hold the token with its prefixes.
    if (pieces->size() > 2)
      BOOST_TEST(!crumb::chunks::split("s", token, 100, pieces->size() - 1, 8192).has_value());
    auto parts = parts_of(*pieces);
    std::reverse(parts.begin(), parts.end());  // any order in the request
    BOOST_TEST(crumb::chunks::reassemble(pieces->front().value, parts, 30).value() == token);
  }
}

BOOST_AUTO_TEST_CASE(split_refuses_what_cannot_fit) {
  const std::string token = token_of(1000);
  BOOST_TEST(crumb::chunks::split("s", token, 100, 5, 8192).error() == errc::cookie_too_large);
  BOOST_TEST(crumb::chunks::split("s", token, 100, 30, 900).error() == errc::cookie_too_large);
  BOOST_TEST(crumb::chunks::split("s", token_of(7), 100, 30, 8192).error() ==
             errc::cookie_too_large);
  BOOST_TEST(crumb::chunks::split(std::string(95, 's'), token, 100, 30, 8192).error() ==
             errc::cookie_too_large);
}

BOOST_AUTO_TEST_CASE(reassemble_refuses_missing_foreign_and_unissued_parts) {
  const auto a = crumb::chunks::split("s", token_of(300), 100, 30, 8192).value();
  const auto b = crumb::chunks::split("s", token_of(299) + "!", 100, 30, 8192).value();
  BOOST_TEST_REQUIRE(a.size() == 4u);
  auto parts = parts_of(a);
  BOOST_TEST(crumb::chunks::reassemble(a[0].value, parts, 3).has_value() == false);
  parts.pop_back();
  BOOST_TEST(crumb::chunks::reassemble(a[0].value, parts, 30).has_value() == false);
  parts = parts_of(a);
  parts[1].value = b[2].value;  // from another token: another tag
  BOOST_TEST(crumb::chunks::reassemble(a[0].value, parts, 30).has_value() == false);
  parts = parts_of(a);
  parts[0].index = 5;
  BOOST_TEST(crumb::chunks::reassemble(a[0].value, parts, 30).has_value() == false);
  std::vector<crumb::chunks::part> none;
  for (const char* head : {"", "x", "~", "~.", "~2", "~1.AAAAAAAA.x", "~2.AAAA.x",
                           "~10000.AAAAAAAA.x", "~2.AAAAAAAA", "~x.AAAAAAAA.x"})
    BOOST_TEST(crumb::chunks::reassemble(head, none, 30).has_value() == false, head);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(store_reference_format)

const std::string id = crumb::new_store_id();

BOOST_AUTO_TEST_CASE(a_reference_names_its_id) {
  const crumb::value ref = crumb::make_store_reference(id);
  BOOST_TEST(crumb::is_store_reference(*ref.if_object()));
  BOOST_TEST(crumb::store_reference_id(*ref.if_object()).value() == id);
}

BOOST_AUTO_TEST_CASE(a_session_is_not_a_reference_and_a_bad_id_is_malformed) {
  BOOST_TEST(!crumb::is_store_reference(crumb::object{{"cart", 1}}));
  BOOST_TEST(!crumb::is_store_reference(crumb::object{{"_crumb_store", id}, {"a", 1}}));
  BOOST_TEST(!crumb::is_store_reference(crumb::object{}));
  for (const crumb::value& bad :
       {crumb::value(1), crumb::value("../../etc/passwd"), crumb::value(""), crumb::value()})
    BOOST_TEST(crumb::store_reference_id(crumb::object{{"_crumb_store", bad}}).error() ==
               errc::malformed);
}

BOOST_AUTO_TEST_CASE(an_entry_opens_only_under_its_own_id) {
  crumb::value entry = crumb::make_store_entry(id, crumb::object{{"cart", "3 pears"}});
  crumb::value copy = entry;
  BOOST_TEST(crumb::open_store_entry(copy, crumb::new_store_id()).error() == errc::malformed);
  const auto data = crumb::open_store_entry(entry, id);
  BOOST_TEST_REQUIRE(data.has_value());
  BOOST_TEST(*data->find("cart")->if_string() == "3 pears");
  for (crumb::value bad : {crumb::value(crumb::object{{"id", id}}),
                           crumb::value(crumb::object{{"id", id}, {"data", 1}}),
                           crumb::value(crumb::object{{"id", 7}, {"data", crumb::object{}}}),
                           crumb::value(crumb::array{})})
    BOOST_TEST(crumb::open_store_entry(bad, id).error() == errc::malformed);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(django_session_expiry)

using rules = crumb::profile::django::session_expiry;
constexpr std::int64_t t0 = 1700000000;
const crumb::time_point now = crumb::from_unix_seconds(t0);

BOOST_AUTO_TEST_CASE(no_expiry_of_its_own) {
  const crumb::object data{{"a", 1}};
  BOOST_TEST(!rules::age(data, now).has_value());
  BOOST_TEST(!rules::at_browser_close(data).has_value());
  BOOST_TEST(!rules::expired(data, 0, now));
}

BOOST_AUTO_TEST_CASE(an_age_counts_from_the_signing_time) {
  crumb::object data;
  rules::set_age(data, 60s);
  BOOST_TEST(*data.find("_session_expiry")->if_int() == 60);
  BOOST_TEST(rules::age(data, now).value() == 60s);
  BOOST_TEST(rules::at_browser_close(data).value() == false);
  BOOST_TEST(!rules::expired(data, t0 - 60, now));              // exactly 60 s: still good
  BOOST_TEST(rules::expired(data, t0 - 60, now + 1ns));         // as Django's float compare
  BOOST_TEST(rules::expired(data, t0 - 61, now));
  BOOST_TEST(!rules::expired(data, 0, crumb::from_unix_seconds(30)));
}

BOOST_AUTO_TEST_CASE(zero_means_at_browser_close) {
  crumb::object data;
  rules::set_age(data, 0s);
  BOOST_TEST(rules::at_browser_close(data).value());
  BOOST_TEST(!rules::age(data, now).has_value());
  BOOST_TEST(!rules::expired(data, 0, now));
}

BOOST_AUTO_TEST_CASE(a_date_time_as_django_writes_it) {
  crumb::object data;
  rules::set_time(data, now + 3600s);
  BOOST_TEST(*data.find("_session_expiry")->if_string() == "2023-11-14T23:13:20+00:00");
  BOOST_TEST(rules::age(data, now).value() == 3600s);
  BOOST_TEST(rules::age(data, now + 1500ms).value() == 3599s);  // rounded up
  BOOST_TEST(!rules::expired(data, t0, now + 3599s));
  BOOST_TEST(rules::expired(data, t0, now + 3600s));
}

BOOST_AUTO_TEST_CASE(far_and_unreadable_expiries) {
  const crumb::object far{{"_session_expiry", "9999-12-31T23:59:59+00:00"}};
  BOOST_TEST(!rules::expired(far, t0, now));
  BOOST_TEST(rules::age(far, now).value() > std::chrono::seconds(200'000'000'000));
  const crumb::object huge{{"_session_expiry", std::int64_t{4'000'000'000'000}}};
  BOOST_TEST(!rules::expired(huge, 0, now));
  const crumb::object garbage{{"_session_expiry", "tomorrow"}};
  BOOST_TEST(rules::expired(garbage, t0, now));  // unreadable: not trusted
  BOOST_TEST(!rules::age(garbage, now).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
