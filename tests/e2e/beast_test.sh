#!/usr/bin/env bash
# The Boost.Beast example servers as a browser meets them. beast_server: the counter goes
# up, log in gives a fresh cookie, log out deletes it; HttpOnly, SameSite=Lax, Vary:
# Cookie; and 8 visitors at once on a multi-threaded io_context, every counter exact.
# hello_beast (the README's shortest server): the counter across requests and
# connections, the cookie's attributes, Vary: Cookie.
# usage: beast_test.sh path/to/beast_server path/to/hello_beast
set -euo pipefail
work=$(mktemp -d)
free_port() {
  /usr/bin/python3 -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
hello_port=$(free_port)
CRUMB_SECRET=beast-test-secret-0123456789abcdef "$1" "$port" 4 >"$work/log" 2>&1 &
pid=$!
CRUMB_SECRET=beast-test-secret-0123456789abcdef "$2" "$hello_port" >"$work/hello_log" 2>&1 &
hello_pid=$!
trap 'kill $pid $hello_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
url=http://127.0.0.1:$port
hello_url=http://127.0.0.1:$hello_port
for u in "$url" "$hello_url"; do
  for _ in $(seq 50); do curl -s -o /dev/null "$u/" && break; sleep 0.1; done
done
fail() { echo "FAIL: $*"; cat "$work/log" "$work/hello_log"; exit 1; }
get() { curl -s -c "$work/jar" -b "$work/jar" "$@"; }
rm -f "$work/jar"
first=$(curl -s -D "$work/headers" -c "$work/jar" -b "$work/jar" "$url/")
[[ $first == "visits: 1, user: -" ]] || fail "first visit: $first"
grep -qi '^Set-Cookie: sessionid=.*; HttpOnly; SameSite=Lax' "$work/headers" || fail "cookie attributes"
grep -qi '^Vary: Cookie' "$work/headers" || fail "no Vary: Cookie"
before=$(grep sessionid "$work/jar" | cut -f7)
[[ $(get -X POST "$url/login?user=alice") == "logged in" ]] || fail "login"
after=$(grep sessionid "$work/jar" | cut -f7)
[[ -n $after && $after != "$before" ]] || fail "login did not re-issue the cookie"
[[ $(get "$url/") == "visits: 2, user: alice" ]] || fail "after login"
[[ $(get -X POST "$url/login?user=bad%20name") == "user: 1 to 64 of [A-Za-z0-9_-]" ]] || fail "bad user"
[[ $(get -X POST "$url/logout") == "logged out" ]] || fail "logout"
grep -q sessionid "$work/jar" && fail "cookie kept after logout"
[[ $(get "$url/") == "visits: 1, user: -" ]] || fail "after logout"
# Regression: HEAD was answered with a body (a 404's), which a kept-alive connection then
# read as the start of the next response. GET's headers, no body, and the next answer
# parses.
/usr/bin/python3 -S - "$port" <<'PY' || fail "HEAD then GET on one connection"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200"), head
assert b"Content-Length: 0" not in head, head
assert rest.startswith(b"HTTP/1.1 200"), rest[:40]
assert rest.rstrip().endswith(b"visits: 1, user: -"), rest[-40:]  # no cookie sent: a new visitor
PY

# 8 visitors at once, 50 requests each, over keep-alive connections.
visitors=()
for v in $(seq 8); do
  (
    jar=$work/jar$v
    urls=()
    for _ in $(seq 50); do urls+=("$url/"); done
    last=$(curl -s -c "$jar" -b "$jar" "${urls[@]}" | tail -1)
    [[ $last == "visits: 50, user: -" ]] || { echo "visitor $v: $last"; exit 1; }
  ) &
  visitors+=($!)
done
for job in "${visitors[@]}"; do
  wait "$job" || fail "a concurrent visitor lost count"
done
echo "beast_server: counts, log in and out, cookie attributes, 8 visitors at once"

# hello_beast: one request per connection; curl reconnects for each of several URLs.
rm -f "$work/hello_jar"
first=$(curl -s -D "$work/hello_headers" -c "$work/hello_jar" -b "$work/hello_jar" "$hello_url/")
[[ $first == "visits: 1" ]] || fail "hello_beast first visit: $first"
grep -qi '^Set-Cookie: sessionid=.*; HttpOnly; SameSite=Lax' "$work/hello_headers" ||
  fail "hello_beast cookie attributes"
grep -qi '^Vary: Cookie' "$work/hello_headers" || fail "hello_beast: no Vary: Cookie"
last=$(curl -s -c "$work/hello_jar" -b "$work/hello_jar" "$hello_url/" "$hello_url/" "$hello_url/" | tail -1)
[[ $last == "visits: 4" ]] || fail "hello_beast counter: $last"
[[ $(curl -s "$hello_url/") == "visits: 1" ]] || fail "hello_beast: a new visitor starts at 1"
echo "hello_beast: counts across requests and connections, HttpOnly + SameSite=Lax, Vary: Cookie"
