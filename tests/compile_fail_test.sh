#!/usr/bin/env bash
# What must not compile, refused by the compiler (each beside a control that compiles):
#   - a type with no crumb::value_traits, with crumb's own message;
#   - a session manager over a temporary store, a session of a temporary manager, and a
#     session over temporary settings or a temporary codec;
#   - wrap() of a temporary cpp-httplib adapter (where cpp-httplib is installed);
#   - the flask profile over a MAC without HMAC-SHA1, with crumb's message.
# usage: compile_fail_test.sh CXX INCLUDE_DIR COMPILE_FAIL_DIR
set -uo pipefail
cxx=$1
include=$2
dir=$3
syntax() { "$cxx" -std=c++20 -fsyntax-only -I"$include" "$@" 2>&1; }
fail() { echo "FAIL: $*"; exit 1; }

for source in unserializable.cpp dangling.cpp; do
  syntax -DCRUMB_CONTROL "$dir/$source" >/dev/null || fail "the control of $source does not compile"
done
log=$(syntax "$dir/unserializable.cpp") && fail "a type without value_traits compiled"
grep -q "no crumb::value_traits<T>::to_value for this type" <<<"$log" ||
  { echo "$log" | head -20; fail "the error does not carry crumb's message"; }
echo "unserializable type refused at compile time, with crumb's message"
for case in -DCRUMB_TEMPORARY_STORE -DCRUMB_TEMPORARY_MANAGER -DCRUMB_TEMPORARY_SETTINGS \
    -DCRUMB_TEMPORARY_CODEC; do
  log=$(syntax "$case" "$dir/dangling.cpp") && fail "$case compiled"
  grep -qE "use of deleted function|call to deleted" <<<"$log" || { echo "$log" | head; fail "$case: not refused as deleted"; }
done
echo "a temporary store, manager, settings or codec refused at compile time"
if [[ -e /usr/include/httplib.h ]]; then  # the cpp-httplib adapter, where cpp-httplib is
  syntax -DCRUMB_CONTROL "$dir/temporary_adapter.cpp" >/dev/null ||
    fail "the control of temporary_adapter.cpp does not compile"
  log=$(syntax "$dir/temporary_adapter.cpp") && fail "a temporary httplib adapter's wrap compiled"
  grep -qE "use of deleted function|call to deleted" <<<"$log" ||
    { echo "$log" | head; fail "a temporary adapter's wrap: not refused as deleted"; }
  echo "a temporary cpp-httplib adapter's wrap() refused at compile time"
fi
if [[ -e /usr/include/openssl/sha.h ]]; then  # the control needs libcrypto's headers
  syntax -DCRUMB_WITH_OPENSSL=1 -DCRUMB_CONTROL "$dir/flask_without_sha1.cpp" >/dev/null ||
    fail "the control of flask_without_sha1.cpp does not compile"
fi
log=$(syntax "$dir/flask_without_sha1.cpp") && fail "the flask profile compiled without SHA-1"
grep -q "the flask profile needs HMAC-SHA1" <<<"$log" ||
  { echo "$log" | head -20; fail "the error does not carry crumb's message"; }
echo "the flask profile without SHA-1 refused at compile time, with crumb's message"
