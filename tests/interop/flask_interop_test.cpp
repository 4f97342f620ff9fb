#define BOOST_TEST_MODULE flask_interop
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "interop/python_peer.hpp"
#include "test_support.hpp"

// Two suites, run by ctest and meson as two tests of this one program:
//  - flask_interop: live interop with the real Flask (Debian's python3-flask 2.2.2 and
//    python3-itsdangerous 2.1.2, run by /usr/bin/python3 through
//    tests/interop/flask_peer.py, which signs and loads with Flask's own
//    app.session_interface.get_signing_serializer(app)). Flask's tokens decode in crumb,
//    tags (" t", " b", " d", " u", " m", " di") as the one-member objects Flask wrote, and
//    go back to Flask as the same Python values; crumb's tokens load in Flask; both refuse
//    the same tampered, expired and future tokens; with one fixed clock, uncompressed
//    tokens are byte-identical both ways (compressed ones hold the same JSON).
//  - flask_vectors: tokens Flask made once (tests/data/make_flask_vectors.py into
//    tests/data/flask_vectors.jsonl), checked offline: no Python needed.
namespace {

using flask_codec = crumb::basic_codec<crumb::profile::flask, crumb::zlib_compression,
                                       crumb::openssl_hmac_sha256, crumb::fixed_clock>;

constexpr std::int64_t now = 1750000000;
const std::string secret = "flask-interop secret key, long enough and caf\xc3\xa9";
// Flask's PERMANENT_SESSION_LIFETIME default, which the peer's loads use unless told.
constexpr std::int64_t flask_max_age = 31 * 24 * 3600;

flask_codec make_codec(bool compress = true, std::int64_t at = now,
                       const crumb::key_ring& keys = crumb::key_ring(secret)) {
  flask_codec::options opts;
  opts.compress = compress;
  return flask_codec(keys, opts, crumb::fixed_clock::at_unix(at));
}

// A session both sides write. `py` empty: `json` is plain JSON, given to Flask as JSON
// text. Otherwise `py` is the session as a Python expression (values only Flask's tagged
// JSON carries) and `json` is the tagged JSON Flask writes for it, sorted and compact:
// what crumb must decode the token to.
struct flask_case {
  std::string name, json, py;
};

std::vector<flask_case> cases() {
  std::string many_keys = "{";  // more members than json's sort keeps on the stack
  for (int i = 40; i > 0; --i)
    many_keys += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + (i > 1 ? "," : "}");
  std::string tuple_of_50 = "[";
  for (int i = 0; i < 50; ++i) tuple_of_50 += std::to_string(i) + (i < 49 ? "," : "]");

  std::vector<flask_case> c = {
      {"empty", R"({})", ""},
      {"one", R"({"a":1})", ""},
      {"flask_login",
       R"({"_user_id":"42","_fresh":true,"_id":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a089f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","csrf_token":"ImQ3YjFhZTk5NjBiMGVmZWM0ZjFhNDZmOTRhMTY0NDMwYjdjNzNmYjYi"})",
       ""},
      {"unicode", R"({"greeting":"Gr\u00fc\u00df Gott \u2014 \u3053\u3093\u306b\u3061\u306f"})",
       ""},
      {"emoji",
       R"({"emoji":"\ud83d\udc4b\ud83c\udf89\ud83e\udd80","flag":"\ud83c\uddeb\ud83c\uddf7","family":"\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67"})",
       ""},
      // Python sorts keys by code point: "" < "A" < "a" < "z" < U+00E9 < U+FFFF < U+1F600
      // (UTF-16 order would put the emoji before U+FFFF).
      {"unicode_keys",
       R"({"\ud83d\ude00":1,"\uffff":2,"\u00e9":3,"z":4,"a":5,"A":6,"":7,"\u6f22\u5b57":8})", ""},
      {"floats",
       R"({"floats":[0.1,1.0,-0.0,1e-05,1e+16,2.5e-07,1.7976931348623157e+308,5e-324,3.141592653589793,123456789.125]})",
       ""},
      {"ints", R"({"ints":[0,-1,9223372036854775807,-9223372036854775808,1000000]})", ""},
      {"nested", R"({"nested":{"b":{"a":{"c":[1,[2,[3,{"d":null}]]]}},"a":[{"y":1,"x":2}]}})", ""},
      {"escapes",
       R"({"quote":"He said \"hi\"\\n\ttabs","ctl":"\u0001\u001f\u007f","nul":"a\u0000b"})", ""},
      {"unsorted", R"({"z":1,"a":2,"m":3,"b":4,"y":{"d":1,"c":2}})", ""},
      {"many_keys", many_keys, ""},
      {"bools", R"({"bools":[true,false,null],"empty_list":[],"empty_obj":{}})", ""},
      {"long", R"({"long":")" + std::string(2000, 'x') + R"("})", ""},
      {"html", R"({"html":"<script>alert('x')</script> & \u00a0 \u2028"})", ""},
      {"deep", R"({"deep":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]})", ""},
      // Not tags to Flask: an unknown key, two members, a tag as a value.
      {"tag_lookalikes", R"({"odd":{" x":1},"two":{" t":[1],"y":2},"t":" t","d":{" d":null,"":0}})",
       ""},
      // itsdangerous compresses when that saves 2 bytes or more: these save 1 and 2.
      {"zlib_saves_1_byte", R"({"s":"ehfbaafabbbfhfchfcefbgahedgheaeaeaaefehee"})", ""},
      {"zlib_saves_2_bytes", R"({"s":"ahhcaaehafcehaececefahgeegeefhgcahdeaegeceec"})", ""},
      {"tuple", R"({"t":{" t":[1,"two",3.0]}})", "{'t': (1, 'two', 3.0)}"},
      {"bytes", R"({"b":{" b":"AP8gYmluYXJ5"}})", R"({'b': b'\x00\xff binary'})"},
      {"datetime", R"({"d":{" d":"Thu, 29 Feb 2024 12:34:56 GMT"}})",
       "{'d': datetime(2024, 2, 29, 12, 34, 56, tzinfo=timezone.utc)}"},
      {"uuid", R"({"u":{" u":"12345678123456781234567812345678"}})",
       "{'u': UUID('12345678-1234-5678-1234-567812345678')}"},
      {"markup", R"({"m":{" m":"<b>bold</b> &amp; caf\u00e9"}})",
       R"({'m': Markup('<b>bold</b> &amp; caf\xe9')})"},
      {"dict_keyed_like_a_tag", R"({"x":{" di":{" t__":[1,2]}}})", "{'x': {' t': [1, 2]}}"},
      {"session_keyed_like_a_tag", R"({" di":{" u__":"not a uuid"}})", "{' u': 'not a uuid'}"},
      {"flashes",
       R"({"_flashes":[{" t":["message","Saved."]},{" t":["error","Oops \u2014 try again"]}]})",
       "{'_flashes': [('message', 'Saved.'), ('error', 'Oops \\u2014 try again')]}"},
      {"nested_tags",
       R"({" ":{" m":1,"x":2},"e":{" t":["\u00e9","\ud83d\ude00"]},"n":{" t":[{" b":""},{" t":[{" u":"00000000000000000000000000000000"}]},[{" d":"Fri, 31 Dec 1999 23:59:59 GMT"}],{" di":{" di__":{" t":[]}}}]}})",
       "{'n': (b'', (UUID(int=0),), [datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)], "
       "{' di': ()}), 'e': ('\\xe9', '\\U0001F600'), ' ': {' m': 1, 'x': 2}}"},
      {"compressible_tags",
       R"({"blob":{" b":")" + std::string(800, 'A') + R"("},"tuple":{" t":)" + tuple_of_50 + "}}",
       "{'tuple': tuple(range(50)), 'blob': bytes(600)}"},
  };
  for (const char* name : {"small", "medium", "large", "huge"})
    c.push_back({std::string("fixture_") + name, crumb_test::fixture(name), ""});
  return c;
}

// The JSON text crumb signs for `session`: sorted keys, as Flask's.
std::string sorted_json(const crumb::value& session) {
  std::string scratch;
  std::string_view text;
  BOOST_REQUIRE(crumb::json::write_into(session, scratch, text, crumb::json::limits{}.max_depth,
                                        crumb::json::key_order::sorted) == crumb::errc::ok);
  return std::string(text);
}

// Runs the Flask peer once over `requests`; returns its answers, one per request.
std::vector<crumb::value> ask_flask(const std::vector<crumb::object>& requests) {
  std::vector<std::string> lines;
  lines.reserve(requests.size());
  for (const auto& r : requests) lines.push_back(crumb::json::to_string(r).value());
  return crumb_test::ask_python_peer(CRUMB_FLASK_PEER, "python3-flask", lines);
}

const crumb::value& field(const crumb::value& answer, std::string_view key) {
  const crumb::value* v = answer.if_object()->find(key);
  BOOST_REQUIRE_MESSAGE(v != nullptr,
                        "no " << key << " in " << crumb::json::to_string(answer).value());
  return *v;
}
const std::string& str(const crumb::value& answer, std::string_view key) {
  return *field(answer, key).if_string();
}
bool flag(const crumb::value& answer, std::string_view key) {
  return *field(answer, key).if_bool();
}
// The peer's verdict: "ok" or its error ("invalid_signature", "expired", ...).
std::string verdict(const crumb::value& answer) {
  return flag(answer, "ok") ? "ok" : str(answer, "error");
}
std::string verdict(const crumb::result<crumb::value>& decoded) {
  return decoded.has_value()
             ? "ok"
             : std::string(crumb::name(static_cast<crumb::errc>(decoded.error().value())));
}

// The session of `c` as the peer takes it.
void put_session(crumb::object& request, const flask_case& c) {
  if (c.py.empty())
    request.insert_or_assign("json", c.json);
  else
    request.insert_or_assign("py", c.py);
}

crumb::object dumps_request(const flask_case& c, bool compress) {
  crumb::object r{{"op", "dumps"}, {"secret", secret}, {"now", now}, {"compress", compress}};
  put_session(r, c);
  return r;
}

// Loads `token` in Flask and compares it there with the session of `c` (types included).
crumb::object loads_request(const std::string& token, const flask_case& c) {
  crumb::object r{{"op", "loads"}, {"secret", secret}, {"now", now + 10}, {"token", token}};
  put_session(r, c);
  return r;
}

crumb::object loads_request(const std::string& token, crumb::value at,
                            std::optional<std::int64_t> max_age, const std::string& key = secret) {
  crumb::object r{{"op", "loads"}, {"secret", key}, {"now", std::move(at)}, {"token", token}};
  if (max_age) r.insert_or_assign("max_age", *max_age);
  return r;
}

// A token for `value` (payload "." timestamp) signed by Flask's own Signer with the session
// key, as only a key holder could: for what each side does after the signature verified.
crumb::object sign_request(const std::string& value) {
  return {{"op", "sign"}, {"secret", secret}, {"value", value}};
}

std::string b64(std::string_view bytes) {
  std::string out;
  crumb::base64url::encode(bytes, out);
  return out;
}

std::string flask_timestamp(std::int64_t unix_seconds) {
  std::string out;
  crumb::profile::flask::append_timestamp(out, unix_seconds);
  return out;
}

struct token_parts {
  std::string payload, timestamp, signature;
};
token_parts split(const std::string& token) {
  const std::size_t sig = token.rfind('.'), ts = token.rfind('.', sig - 1);
  return {token.substr(0, ts), token.substr(ts + 1, sig - ts - 1), token.substr(sig + 1)};
}
std::string join(const token_parts& p) { return p.payload + "." + p.timestamp + "." + p.signature; }
char flip(char c) { return c == 'A' ? 'B' : 'A'; }

}  // namespace

BOOST_AUTO_TEST_SUITE(flask_interop)

// Flask's tokens, uncompressed and compressed, decode in crumb to the JSON Flask signed
// (tags as one-member objects); crumb writes them again byte for byte with the same clock,
// and Flask loads crumb's tokens as the Python values it started from.
BOOST_AUTO_TEST_CASE(flask_tokens_decode_in_crumb_and_go_back) {
  const auto all = cases();
  std::vector<crumb::object> requests;
  for (const auto& c : all)
    for (const bool compress : {false, true}) requests.push_back(dumps_request(c, compress));
  const auto answers = ask_flask(requests);

  auto reader = make_codec();
  int identical = 0, compressed = 0, compressed_identical = 0;
  std::string differing;
  std::vector<crumb::object> back;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const flask_case& c = all[i / 2];
    const bool compress = i % 2 == 1;
    const std::string& token = str(answers[i], "token");
    const std::string& flask_json = str(answers[i], "json");
    BOOST_TEST_CONTEXT(c.name << (compress ? ", compressed" : ", uncompressed") << ": " << token) {
      BOOST_TEST(flag(answers[i], "compressed") == (token.front() == '.'));
      if (!compress || c.name == "zlib_saves_1_byte") BOOST_TEST(token.front() != '.');
      if (compress && c.name == "zlib_saves_2_bytes") BOOST_TEST(token.front() == '.');
      const auto decoded = reader.decode(token);
      BOOST_REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
      BOOST_TEST((*decoded == crumb_test::parse(c.json)));
      BOOST_TEST(crumb::json::to_string(*decoded).value() == flask_json);
      if (!c.py.empty()) BOOST_TEST(flask_json == c.json);  // the tags crumb keeps

      // Same clock, same secret, same choice: crumb's token is Flask's, byte for byte when
      // uncompressed; compressed, crumb's streams are not Python's zlib's: the same JSON
      // inside, at most a few bytes longer (Flask reads them: below).
      auto writer = make_codec(compress);
      const std::string mine = writer.encode(*decoded).value();
      BOOST_TEST((mine.front() == '.') == (token.front() == '.'));
      if (token.front() == '.') ++compressed;
      if (mine == token) {
        ++identical;
        if (token.front() == '.') ++compressed_identical;
      } else {
        differing += " " + c.name + " (" + std::to_string(flask_json.size()) +
                     " bytes of JSON: " + std::to_string(token.size()) +
                     " characters from Flask, " + std::to_string(mine.size()) + " from crumb)";
      }
      if (token.front() != '.')
        BOOST_TEST(mine == token);
      else
        BOOST_TEST(crumb_test::same_but_compression(mine, token, '.') == "");
      back.push_back(loads_request(mine, c));
    }
  }
  const auto loaded = ask_flask(back);
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    BOOST_TEST_CONTEXT(all[i / 2].name << ": " << str(back[i], "token")) {
      BOOST_REQUIRE(verdict(loaded[i]) == "ok");
      BOOST_TEST(flag(loaded[i], "same"), str(loaded[i], "repr"));
      BOOST_TEST(str(loaded[i], "json") == str(answers[i], "json"));
    }
  }
  BOOST_TEST(all.size() >= 30u);
  BOOST_TEST(compressed >= 12);
  BOOST_TEST(identical >= static_cast<int>(all.size()));  // every uncompressed one
  BOOST_TEST_MESSAGE(answers.size() << " Flask tokens decoded (" << compressed << " compressed), "
                                    << identical << " byte-identical (" << compressed_identical
                                    << " of the compressed ones); not identical:" << differing);
}

// crumb's tokens from sessions written in any order, compressed and not, load in Flask
// as the Python values of each case; Flask writes the loaded value as crumb signed it.
BOOST_AUTO_TEST_CASE(crumb_tokens_load_in_flask) {
  const auto all = cases();
  std::vector<crumb::object> requests;
  std::vector<std::string> signed_json;
  int compressed = 0;
  for (const auto& c : all) {
    for (const bool compress : {false, true}) {
      auto codec = make_codec(compress);
      const crumb::value session = crumb_test::parse(c.json);
      const std::string token = codec.encode(session).value();
      if (token.front() == '.') ++compressed;
      requests.push_back(loads_request(token, c));
      signed_json.push_back(sorted_json(session));
    }
  }
  const auto answers = ask_flask(requests);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    BOOST_TEST_CONTEXT(all[i / 2].name << ": " << str(requests[i], "token")) {
      BOOST_REQUIRE(verdict(answers[i]) == "ok");
      BOOST_TEST(flag(answers[i], "same"), str(answers[i], "repr"));
      BOOST_TEST(str(answers[i], "json") == signed_json[i]);
    }
  }
  BOOST_TEST(answers.size() >= 60u);
  BOOST_TEST(compressed >= 12);
}

// Through a real Flask request: Flask's open_session reads crumb's cookie and its
// save_session writes one crumb reads, what crumb writes with the same clock (the same
// JSON inside a compressed one).
BOOST_AUTO_TEST_CASE(flask_app_opens_and_saves_crumb_cookies) {
  auto codec = make_codec();
  const crumb::value mine = crumb_test::parse(
      R"({"user":"ada","_flashes":[{" t":["message","Saved."]}],"cart":{"b":2,"a":1}})");
  const std::string cookie = codec.encode(mine).value();
  std::string tampered = cookie;
  tampered[3] = flip(tampered[3]);
  auto old = make_codec(true, now - flask_max_age - 1);
  const std::string expired = old.encode(mine).value();

  const std::string update =
      "{'visits': 1, 'seen': datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc), 'ids': (1, 2)}";
  const auto answers = ask_flask({
      {{"op", "request"}, {"secret", secret}, {"now", now}, {"cookie", cookie}, {"py", update}},
      {{"op", "request"},
       {"secret", secret},
       {"now", now},
       {"json", crumb_test::fixture("medium")}},
      {{"op", "request"}, {"secret", secret}, {"now", now}, {"cookie", tampered}},
      {{"op", "request"}, {"secret", secret}, {"now", now}, {"cookie", expired}},
  });
  for (const auto& a : answers) BOOST_TEST(*field(a, "status").if_int() == 200);

  // Flask opened crumb's cookie and wrote it back with its update.
  BOOST_TEST(str(answers[0], "json") == sorted_json(mine));
  crumb::value merged = mine;
  merged.if_object()->insert_or_assign("visits", 1);
  merged.if_object()->insert_or_assign("seen",
                                       crumb::object{{" d", "Sun, 15 Jun 2025 12:00:00 GMT"}});
  merged.if_object()->insert_or_assign("ids", crumb::object{{" t", crumb::array{1, 2}}});
  const std::string& saved = str(answers[0], "cookie");
  BOOST_TEST((codec.decode(saved).value() == merged));
  BOOST_TEST(crumb_test::same_but_compression(codec.encode(merged).value(), saved, '.') == "");

  // A fresh session: Flask compresses the fixture; crumb reads it.
  BOOST_TEST(str(answers[1], "json") == "{}");
  const std::string& fresh = str(answers[1], "cookie");
  BOOST_TEST(fresh.front() == '.');
  BOOST_TEST((codec.decode(fresh).value() == crumb_test::parse(crumb_test::fixture("medium"))));

  // What crumb refuses, Flask's open_session treats as no session: it starts an empty one
  // and, untouched, sets no cookie.
  for (const std::size_t i : {2u, 3u}) {
    BOOST_TEST(str(answers[i], "json") == "{}");
    BOOST_TEST(field(answers[i], "cookie").is_null());
  }
  BOOST_TEST(codec.decode(tampered).error() == crumb::errc::invalid_signature);
  BOOST_TEST(codec.decode(expired).error() == crumb::errc::expired);
}

// Tampering, wrong keys and salts, and payloads that are signed but broken: Flask and crumb
// refuse the same tokens. Where the names of the errors differ, both refuse.
BOOST_AUTO_TEST_CASE(both_sides_reject_the_same_tokens) {
  auto codec = make_codec();
  const std::string token = codec.encode(crumb_test::parse(R"({"a":1,"b":[true,null]})")).value();
  const std::string big =
      codec.encode(crumb_test::parse(crumb_test::fixture("small"))).value();  // compressed
  BOOST_REQUIRE(big.front() == '.');
  const token_parts p = split(token);

  struct reject_case {
    std::string name, token;
    std::string flask, crumb;  // each side's verdict
  };
  const std::string ts = flask_timestamp(now);
  std::vector<reject_case> table = {
      {"valid", token, "ok", "ok"},
      {"valid_compressed", big, "ok", "ok"},
      {"payload_flipped",
       join({std::string(1, flip(p.payload[0])) + p.payload.substr(1), p.timestamp, p.signature}),
       "invalid_signature", "invalid_signature"},
      {"compressed_payload_flipped", big.substr(0, 5) + flip(big[5]) + big.substr(6),
       "invalid_signature", "invalid_signature"},
      {"compression_marker_added", "." + token, "invalid_signature", "invalid_signature"},
      {"compression_marker_removed", big.substr(1), "invalid_signature", "invalid_signature"},
      {"timestamp_flipped",
       join({p.payload, std::string(1, flip(p.timestamp[0])) + p.timestamp.substr(1), p.signature}),
       "invalid_signature", "invalid_signature"},
      {"signature_flipped",
       join({p.payload, p.timestamp,
             p.signature.substr(0, 9) + flip(p.signature[9]) + p.signature.substr(10)}),
       "invalid_signature", "invalid_signature"},
      {"signature_truncated", token.substr(0, token.size() - 1), "invalid_signature",
       "invalid_signature"},
      {"signature_removed", p.payload + "." + p.timestamp, "invalid_signature",
       "invalid_signature"},
      {"signature_empty", p.payload + "." + p.timestamp + ".", "invalid_signature",
       "invalid_signature"},
      {"signature_doubled", token + p.signature, "invalid_signature", "invalid_signature"},
      {"no_separator", "eyJhIjoxfQ", "invalid_signature", "malformed"},
      {"empty", "", "invalid_signature", "malformed"},
      {"only_dots", "..", "invalid_signature", "invalid_signature"},
  };
  // Signed by another salt, another key, the Django profile's rules.
  {
    flask_codec::options opts;
    opts.salt = "another-salt";
    flask_codec other(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(now));
    table.push_back({"other_salt", other.encode(crumb_test::parse(R"({"a":1})")).value(),
                     "invalid_signature", "invalid_signature"});
    auto stranger = make_codec(true, now, crumb::key_ring(secret + "!"));
    table.push_back({"other_key", stranger.encode(crumb_test::parse(R"({"a":1})")).value(),
                     "invalid_signature", "invalid_signature"});
    crumb_test::fixed_codec<crumb::openssl_hmac_sha256>::options dopts;
    dopts.salt = "cookie-session";
    crumb_test::fixed_codec<crumb::openssl_hmac_sha256> django(crumb::key_ring(secret), dopts,
                                                               crumb::fixed_clock::at_unix(now));
    std::string d = django.encode(crumb_test::parse(R"({"a":1})")).value();
    for (char& ch : d)
      if (ch == ':') ch = '.';
    table.push_back({"django_token", d, "invalid_signature", "invalid_signature"});
  }
  std::vector<crumb::object> requests;
  for (const auto& r : table) requests.push_back(loads_request(r.token, now, flask_max_age));

  // Signed by Flask's own Signer with the session key, but broken after the signature.
  const std::vector<reject_case> signed_broken = {
      {"no_timestamp", b64(R"({"a":1})"), "invalid_signature", "malformed"},
      {"timestamp_one_char", b64(R"({"a":1})") + ".A", "invalid_signature", "malformed"},
      // itsdangerous' base64 drops what is outside its alphabet: "*!" reads as 0 there.
      {"timestamp_not_base64", b64(R"({"a":1})") + ".*!", "expired", "malformed"},
      {"timestamp_9_bytes", b64(R"({"a":1})") + "." + b64(std::string("\x01\0\0\0\0\0\0\0\0", 9)),
       "invalid_signature", "malformed"},
      // A timestamp Python reads but cannot turn into a date: itsdangerous raises
      // ValueError from SignatureExpired's date_signed, which Flask's open_session lets
      // through (an error 500). crumb: malformed (2^63 and up) or not_yet_valid.
      {"timestamp_top_bit", b64(R"({"a":1})") + "." + b64(std::string("\x80\0\0\0\0\0\0\0", 8)),
       "crash", "malformed"},
      {"timestamp_year_36812", b64(R"({"a":1})") + "." + b64(std::string("\x01\0\0\0\0\0", 6)),
       "crash", "not_yet_valid"},
      {"payload_not_base64", "a." + ts, "bad_payload", "malformed"},
      {"payload_not_json", b64("not json") + "." + ts, "bad_payload", "invalid_json"},
      {"payload_truncated_json", b64(R"({"a":)") + "." + ts, "bad_payload", "invalid_json"},
      {"payload_not_utf8", b64("{\"a\":\"\xff\"}") + "." + ts, "bad_payload", "invalid_utf8"},
      {"compressed_not_zlib", "." + b64(R"({"a":1})") + "." + ts, "bad_payload",
       "invalid_compression"},
      {"compressed_truncated",
       "." + b64(crumb_test::zlib_of(R"({"a":1,"b":2})").substr(0, 8)) + "." + ts, "bad_payload",
       "invalid_compression"},
      {"payload_empty", "." + ts, "bad_payload", "invalid_json"},
  };
  std::vector<crumb::object> sign_requests;
  for (const auto& r : signed_broken) sign_requests.push_back(sign_request(r.token));
  const auto signed_tokens = ask_flask(sign_requests);
  for (std::size_t i = 0; i < signed_broken.size(); ++i) {
    table.push_back(signed_broken[i]);
    table.back().token = str(signed_tokens[i], "token");
    requests.push_back(loads_request(table.back().token, now, flask_max_age));
  }

  const auto answers = ask_flask(requests);
  for (std::size_t i = 0; i < table.size(); ++i) {
    BOOST_TEST_CONTEXT(table[i].name << ": " << table[i].token) {
      BOOST_TEST(verdict(answers[i]) == table[i].flask,
                 (flag(answers[i], "ok") ? std::string() : str(answers[i], "message")));
      BOOST_TEST(verdict(codec.decode(table[i].token)) == table[i].crumb);
    }
  }
  BOOST_TEST(table.size() >= 30u);
}

// Ages at their boundaries, with whole and fractional clocks (itsdangerous takes
// int(time.time())), Flask's default lifetime, a future timestamp, and no max_age at all.
BOOST_AUTO_TEST_CASE(both_sides_expire_the_same_tokens) {
  auto signer = make_codec();
  const std::string token = signer.encode(crumb_test::parse(R"({"a":1})")).value();
  using std::chrono::milliseconds;
  struct age_case {
    std::string name;
    std::int64_t at;
    milliseconds fraction;
    std::optional<std::int64_t> max_age;
    std::string verdict;  // both sides'
  };
  const std::vector<age_case> table = {
      {"signed_now", now, milliseconds(0), 60, "ok"},
      {"at_max_age", now + 60, milliseconds(0), 60, "ok"},
      {"just_under_max_age_plus_one", now + 60, milliseconds(999), 60, "ok"},
      {"max_age_plus_one", now + 61, milliseconds(0), 60, "expired"},
      {"max_age_zero_same_second", now, milliseconds(500), 0, "ok"},
      {"max_age_zero_next_second", now + 1, milliseconds(0), 0, "expired"},
      {"default_lifetime", now + flask_max_age, milliseconds(0), std::nullopt, "ok"},
      {"default_lifetime_plus_one", now + flask_max_age + 1, milliseconds(0), std::nullopt,
       "expired"},
      {"one_second_early", now - 1, milliseconds(999), 60, "not_yet_valid"},
      {"an_hour_early", now - 3600, milliseconds(0), 60, "not_yet_valid"},
  };
  std::vector<crumb::object> requests;
  for (const auto& c : table) {
    const double at = static_cast<double>(c.at) + static_cast<double>(c.fraction.count()) / 1000;
    // No max_age given: the peer takes Flask's PERMANENT_SESSION_LIFETIME.
    requests.push_back(loads_request(
        token, c.fraction.count() ? crumb::value(at) : crumb::value(c.at), c.max_age));
  }
  // No max_age: itsdangerous checks neither age nor future; nor does crumb.
  crumb::object unchecked = loads_request(token, now - 3600, std::nullopt);
  unchecked.insert_or_assign("max_age", nullptr);
  requests.push_back(unchecked);
  const auto answers = ask_flask(requests);

  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& c = table[i];
    BOOST_TEST_CONTEXT(c.name) {
      flask_codec::options opts;
      if (c.max_age) opts.max_age = std::chrono::seconds(*c.max_age);
      flask_codec reader(crumb::key_ring(secret), opts,
                         crumb::fixed_clock{crumb::from_unix_seconds(c.at) + c.fraction});
      BOOST_TEST(verdict(answers[i]) == c.verdict);
      BOOST_TEST(verdict(reader.decode(token)) == c.verdict);
    }
  }
  flask_codec::options opts;
  opts.max_age = std::nullopt;
  flask_codec reader(crumb::key_ring(secret), opts, crumb::fixed_clock::at_unix(now - 3600));
  BOOST_TEST(verdict(answers.back()) == "ok");
  BOOST_TEST(verdict(reader.decode(token)) == "ok");
  BOOST_TEST(crumb::profile::flask::default_max_age.count() == flask_max_age);
}

// A key ring as itsdangerous' key list (Flask 3.1's SECRET_KEY_FALLBACKS): the newest key
// signs, every key verifies; a key dropped from the ring no longer verifies, on both sides.
BOOST_AUTO_TEST_CASE(both_sides_rotate_keys_alike) {
  const std::string old_key = "the key of last year", older_key = "the key before that";
  const crumb::key_ring ring(secret, {old_key, older_key});
  const flask_case c{"rotation", R"({"t":{" t":[1,2]},"user":"ada"})",
                     "{'user': 'ada', 't': (1, 2)}"};
  const crumb::array fallbacks{old_key, older_key};

  auto by_old = make_codec(true, now, crumb::key_ring(old_key));
  auto by_ring = make_codec(true, now, ring);
  const std::string old_token = by_old.encode(crumb_test::parse(c.json)).value();
  const std::string ring_token = by_ring.encode(crumb_test::parse(c.json)).value();

  crumb::object flask_sign = dumps_request(c, true);
  flask_sign.insert_or_assign("fallbacks", fallbacks);
  crumb::object flask_loads_old = loads_request(old_token, c);
  flask_loads_old.insert_or_assign("fallbacks", fallbacks);
  crumb::object flask_loads_old_alone = loads_request(old_token, c);  // only the current key
  crumb::object flask_loads_ring = loads_request(ring_token, c);      // only the current key
  const auto answers =
      ask_flask({flask_sign, flask_loads_old, flask_loads_old_alone, flask_loads_ring});

  // Flask signs with the current key: crumb's ring token, byte for byte.
  BOOST_TEST(str(answers[0], "token") == ring_token);
  BOOST_TEST(verdict(answers[1]) == "ok");
  BOOST_TEST(flag(answers[1], "same"));
  BOOST_TEST(verdict(answers[2]) == "invalid_signature");
  BOOST_TEST(verdict(answers[3]) == "ok");

  crumb::value out;
  crumb::token_info info;
  BOOST_TEST(by_ring.decode_into(old_token, out, info) == crumb::errc::ok);
  BOOST_TEST(info.needs_resign);  // verified by a fallback
  BOOST_TEST(by_ring.decode_into(ring_token, out, info) == crumb::errc::ok);
  BOOST_TEST(!info.needs_resign);
  auto current_only = make_codec();
  BOOST_TEST(current_only.decode(old_token).error() == crumb::errc::invalid_signature);
  BOOST_TEST(verdict(current_only.decode(ring_token)) == "ok");
}

// Where the two differ: Python writes what crumb's values cannot hold (integers past 64
// bits, NaN and infinities as JSON never spells them, lone surrogates), and Flask signs it.
// crumb refuses such a token as it would any bad payload: no session.
BOOST_AUTO_TEST_CASE(flask_sessions_crumb_cannot_hold) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"{'big': 2**64}", "number_out_of_range"}, {"{'small': -2**63 - 1}", "number_out_of_range"},
      {"{'nan': float('nan')}", "invalid_json"}, {"{'inf': (float('-inf'),)}", "invalid_json"},
      {"{'lone': '\\ud800'}", "invalid_utf8"},
  };
  std::vector<crumb::object> requests;
  for (const auto& [py, error] : table)
    requests.push_back(dumps_request({"unholdable", "", py}, true));
  const auto answers = ask_flask(requests);
  auto codec = make_codec();
  for (std::size_t i = 0; i < table.size(); ++i) {
    BOOST_TEST_CONTEXT(table[i].first << ": " << str(answers[i], "json")) {
      BOOST_TEST(verdict(codec.decode(str(answers[i], "token"))) == table[i].second);
    }
  }
}

// And the other way: a one-member object keyed like a tag is a tag to Flask. crumb signs
// whatever the application put there; where the value is no valid tag value, itsdangerous
// raises BadPayload, which Flask's open_session does not catch: every request carrying the
// cookie fails with an error 500.
// Regression: a tagged value Flask cannot read (" u" that is no UUID, " b" that is no
// base64, ...) was written, and Flask then failed every request with that cookie (a 500:
// itsdangerous' BadPayload escapes open_session). crumb now refuses to encode them; what
// Flask reads, it writes.
BOOST_AUTO_TEST_CASE(crumb_writes_no_tag_flask_cannot_read) {
  struct tag_case {
    std::string json;
    bool flask_reads;  // as written: crumb writes it
  };
  const std::vector<tag_case> table = {
      {R"({"x":{" u":"not a uuid"}})", false},
      {R"({"x":{" b":5}})", false},
      {R"({"x":{" b":"not base64!"}})", false},
      {R"({"x":{" t":5}})", false},
      {R"({"x":{" di":5}})", false},
      {R"({"x":[{" di":{"a":1}}]})", false},
      {R"({"x":{" d":"not a date"}})", false},  // parse_date: None, not what was written
      // Regression: werkzeug's parse_date raises OverflowError on a year this long.
      {R"({"x":{" d":"Mon, 01 Jan 99999999999999999999 00:00:00 GMT"}})", false},
      {R"({"x":{" d":"Wed, 15 Nov 2023 12:00:00 GMT"}})", true},
      // Regression: the session is untagged too; a tuple (or bytes, ...) is no session.
      {R"({" t":[1,2]})", false},
      {R"({" b":"aGk="})", false},
      {R"({" di":{" t__":1}})", true},
      {R"({"x":{" m":5}})", true},             // Markup(5): "5"
      {R"({"x":{" u":"{12345678-1234-5678-1234-567812345678}"}})", true},
      {R"({"x":{" b":"aGk="}})", true},
  };
  auto codec = make_codec();
  std::vector<crumb::object> requests;
  std::vector<std::string> readable;
  for (const auto& c : table) {
    const crumb::result<std::string> token = codec.encode(crumb_test::parse(c.json));
    BOOST_TEST(token.has_value() == c.flask_reads, c.json);
    if (!token) {
      BOOST_TEST(token.error() == crumb::errc::invalid_json);
      continue;
    }
    readable.push_back(c.json);
    requests.push_back(loads_request(*token, now, flask_max_age));
  }
  const auto answers = ask_flask(requests);
  for (std::size_t i = 0; i < readable.size(); ++i)
    BOOST_TEST(verdict(answers[i]) == "ok", readable[i]);
}

// Where the two differ: itsdangerous' base64 decoder drops characters outside the
// alphabet (and all non-ASCII ones), accepts surplus '=' and ignores the unused low bits of
// the last character, so a few spellings of one signature verify there. crumb reads
// canonical base64url only, so it refuses them: stricter, and nothing Flask writes.
BOOST_AUTO_TEST_CASE(flask_accepts_respelled_signatures_crumb_does_not) {
  auto codec = make_codec();
  const std::string token = codec.encode(crumb_test::parse(R"({"a":1})")).value();
  const token_parts p = split(token);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // 20 bytes in 27 characters: the last one carries 2 unused bits.
  const std::size_t last = alphabet.find(p.signature.back());
  std::vector<std::string> respelled = {
      token + "=", token + "==",
      join({p.payload, p.timestamp, p.signature.substr(0, 5) + "!!" + p.signature.substr(5)}),
      join(
          {p.payload, p.timestamp, p.signature.substr(0, 5) + "\xc3\xa9" + p.signature.substr(5)})};
  for (std::size_t bits = 1; bits < 4; ++bits)
    respelled.push_back(token.substr(0, token.size() - 1) +
                        alphabet[(last & ~3u) | ((last + bits) & 3u)]);
  std::vector<crumb::object> requests;
  for (const auto& t : respelled) requests.push_back(loads_request(t, now, flask_max_age));
  const auto answers = ask_flask(requests);
  for (std::size_t i = 0; i < respelled.size(); ++i) {
    BOOST_TEST_CONTEXT(respelled[i]) {
      BOOST_TEST(verdict(answers[i]) == "ok");
      const auto decoded = codec.decode(respelled[i]);
      BOOST_TEST((decoded.error() == crumb::errc::invalid_signature ||
                  decoded.error() == crumb::errc::malformed));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
// Offline: tokens Flask made, in tests/data/flask_vectors.jsonl. No Python here.
namespace {

struct flask_vector {
  std::string secret, salt, json, token, error;
  std::vector<std::string> fallbacks;
  std::int64_t now = 0, at = 0;
  std::optional<std::int64_t> max_age;
  bool compress = true, by_fallback = false;
};

std::vector<flask_vector> load_vectors() {
  std::istringstream lines(crumb_test::read_file(CRUMB_TEST_DATA_DIR "/flask_vectors.jsonl"));
  std::vector<flask_vector> all;
  for (std::string line; std::getline(lines, line);) {
    const crumb::value v = crumb_test::parse(line);
    const crumb::object& o = *v.if_object();
    flask_vector f;
    f.secret = *o.find("secret")->if_string();
    f.salt = *o.find("salt")->if_string();
    f.token = *o.find("token")->if_string();
    f.now = *o.find("now")->if_int();
    f.at = f.now;
    if (const auto* fb = o.find("fallbacks"))
      for (const auto& k : *fb->if_array()) f.fallbacks.push_back(*k.if_string());
    if (const auto* j = o.find("json")) f.json = *j->if_string();
    if (const auto* c = o.find("compress")) f.compress = *c->if_bool();
    if (const auto* b = o.find("by_fallback")) f.by_fallback = *b->if_bool();
    if (const auto* e = o.find("error")) f.error = *e->if_string();
    if (const auto* a = o.find("at")) f.at = *a->if_int();
    if (const auto* m = o.find("max_age")) f.max_age = *m->if_int();
    all.push_back(std::move(f));
  }
  return all;
}

flask_codec vector_codec(const flask_vector& f, std::int64_t at) {
  flask_codec::options opts;
  opts.salt = f.salt;
  opts.compress = f.compress;
  if (f.max_age) opts.max_age = std::chrono::seconds(*f.max_age);
  return flask_codec(crumb::key_ring(f.secret, f.fallbacks), opts, crumb::fixed_clock::at_unix(at));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flask_vectors)

BOOST_AUTO_TEST_CASE(there_are_enough_vectors) {
  int good = 0, bad = 0;
  for (const auto& f : load_vectors()) ++(f.error.empty() ? good : bad);
  BOOST_TEST(good >= 40);
  BOOST_TEST(bad >= 6);
}

// Each token decodes to the JSON Flask signed; crumb signs it again, byte for byte when
// uncompressed and, compressed, with the same JSON inside.
BOOST_AUTO_TEST_CASE(flask_tokens_decode_and_sign_again) {
  int compared = 0, compressed = 0, compressed_identical = 0;
  for (const auto& f : load_vectors()) {
    if (!f.error.empty()) continue;
    BOOST_TEST_CONTEXT(f.token) {
      auto codec = vector_codec(f, f.now);
      crumb::value decoded;
      crumb::token_info info;
      BOOST_REQUIRE(codec.decode_into(f.token, decoded, info) == crumb::errc::ok);
      BOOST_TEST(crumb::json::to_string(decoded).value() == f.json);
      BOOST_TEST(info.needs_resign == f.by_fallback);
      BOOST_TEST(info.issued_at == f.now);
      if (f.by_fallback) continue;  // crumb signs with the current key
      const std::string mine = codec.encode(decoded).value();
      if (f.token.front() == '.') {
        ++compressed;
        BOOST_TEST(mine.front() == '.');
        if (mine == f.token) ++compressed_identical;
        BOOST_TEST(crumb_test::same_but_compression(mine, f.token, '.') == "");
      } else {
        BOOST_TEST(mine == f.token);
        ++compared;
      }
    }
  }
  BOOST_TEST(compared >= 20);
  BOOST_TEST(compressed >= 10);
  BOOST_TEST_MESSAGE(compared << " uncompressed vectors byte-identical, " << compressed_identical
                              << " of " << compressed << " compressed ones");
}

// Tokens Flask refused (tampered, expired, from the future): crumb refuses them the same way.
BOOST_AUTO_TEST_CASE(flask_refusals_are_crumb_refusals) {
  for (const auto& f : load_vectors()) {
    if (f.error.empty()) continue;
    BOOST_TEST_CONTEXT(f.token << " at " << f.at) {
      auto codec = vector_codec(f, f.at);
      BOOST_TEST(verdict(codec.decode(f.token)) == f.error);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
