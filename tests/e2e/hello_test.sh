#!/usr/bin/env bash
# The shortest server (examples/hello_httplib) as a browser meets it: the counter goes up
# across requests, the cookie is HttpOnly and SameSite=Lax, responses vary on Cookie.
# usage: hello_test.sh path/to/hello_httplib
set -euo pipefail
work=$(mktemp -d)
port=$(/usr/bin/python3 -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CRUMB_SECRET=hello-test-secret-0123456789abcdef "$1" "$port" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
rm -f "$work/jar"
first=$(curl -s -D "$work/headers" -c "$work/jar" -b "$work/jar" "http://127.0.0.1:$port/")
second=$(curl -s -c "$work/jar" -b "$work/jar" "http://127.0.0.1:$port/")
fail() { echo "FAIL: $*"; cat "$work/headers"; exit 1; }
[[ $first == "visits: 1" && $second == "visits: 2" ]] || fail "counter: '$first', '$second'"
grep -qi '^Set-Cookie: sessionid=.*; HttpOnly; SameSite=Lax' "$work/headers" || fail "cookie attributes"
grep -qi '^Vary: Cookie' "$work/headers" || fail "no Vary: Cookie"
echo "hello_httplib: counts across requests, HttpOnly + SameSite=Lax, Vary: Cookie"
