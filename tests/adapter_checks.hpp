// What every framework adapter must do with a response's Vary fields: shared by the
// Boost.Beast and cpp-httplib adapter tests.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace crumb_test {

// `vary_after(fields)`: the Vary fields of a response to a request that read its session,
// once committed, when the handler set `fields` (one Vary field each).
// Regression: a Vary that merely contained "Cookie" (X-Cookie-Consent) got no Cookie, and
// only the first of several Vary fields was kept: a shared cache could then serve one
// visitor's page to another, or the wrong CORS answer.
template <class VaryAfter>
void check_vary_rule(VaryAfter vary_after) {
  using list = std::vector<std::string>;
  BOOST_TEST(vary_after(list{}) == list{"Cookie"});
  BOOST_TEST(vary_after(list{"Accept-Encoding"}) == list{"Accept-Encoding, Cookie"});
  BOOST_TEST(vary_after(list{"X-Cookie-Consent"}) == list{"X-Cookie-Consent, Cookie"});
  BOOST_TEST(vary_after(list{"Accept-Encoding", "Origin"}) ==
             list{"Accept-Encoding, Origin, Cookie"});
  BOOST_TEST(vary_after(list{" Accept , ,Origin "}) == list{"Accept, Origin, Cookie"});
  // Already there (any case, in any field), or everything: left as the handler set it.
  BOOST_TEST(vary_after(list{"accept-encoding, cookie"}) == list{"accept-encoding, cookie"});
  BOOST_TEST(vary_after(list{"Origin", "COOKIE"}) == (list{"Origin", "COOKIE"}));
  BOOST_TEST(vary_after(list{"*"}) == list{"*"});
}

}  // namespace crumb_test
