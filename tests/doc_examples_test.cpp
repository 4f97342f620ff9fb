#define BOOST_TEST_MODULE doc_examples
#include <boost/test/unit_test.hpp>

// The README's snippets live here, between tag markers, so that they compile and run.
// tag::usage[]
#include <crumb/crumb.hpp>

#include <iostream>
#include <string>

std::string sign_in(crumb::django_codec& codec) {
  crumb::object session;
  session["_auth_user_id"] = "42";
  session["cart"] = crumb::to_value(std::vector<int>{1, 2, 3});
  return codec.encode(session).value();  // "eyJfYXV0aF91c2VyX2lkIjoiNDIiLC...:1r31eq:..."
}

int cart_size(crumb::django_codec& codec, std::string_view cookie) {
  const crumb::result<crumb::value> session = codec.decode(cookie);
  if (!session) {  // tampered, expired, malformed...: treat as no session
    std::clog << "session rejected: " << session.error().message() << '\n';
    return 0;
  }
  const crumb::value* cart = session->if_object()->find("cart");
  return cart ? static_cast<int>(crumb::value_as<std::vector<int>>(*cart).value_or({}).size()) : 0;
}

void example() {
  // Django's SECRET_KEY, then SECRET_KEY_FALLBACKS: tokens from either verify.
  crumb::django_codec codec(crumb::key_ring("new-secret", {"old-secret"}));
  const std::string cookie = sign_in(codec);
  std::cout << cart_size(codec, cookie) << '\n';  // 3
}
// end::usage[]

BOOST_AUTO_TEST_CASE(usage_snippet_runs) {
  crumb::django_codec codec(crumb::key_ring("new-secret", {"old-secret"}));
  const std::string cookie = sign_in(codec);
  BOOST_TEST(cart_size(codec, cookie) == 3);
  BOOST_TEST(cart_size(codec, cookie + "x") == 0);
  BOOST_CHECK_NO_THROW(example());
}
