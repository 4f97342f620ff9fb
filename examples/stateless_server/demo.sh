#!/usr/bin/env bash
# Two stateless servers, one secret, one store; a scripted visitor alternates between
# them and each step prints which process answered, the cookie's size and whether the
# session lives in the cookie or in the store.
#
#   examples/stateless_server/demo.sh            build, run the visitor, stop the servers
#   examples/stateless_server/demo.sh --serve    ... and leave them running for a browser
#   examples/stateless_server/demo.sh --check    ... asserting every step (the e2e test)
#   examples/stateless_server/demo.sh --redis    ... with a throwaway redis-server as the
#                                                store instead of a directory
#
# Options: --server PATH and --crumb PATH use prebuilt binaries instead of building.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
serve=0 check=0 redis=0 server="" crumb_cli=""
while (($#)); do
  case $1 in
    --serve) serve=1 ;;
    --check) check=1 ;;
    --redis) redis=1 ;;
    --server) server=$2; shift ;;
    --crumb) crumb_cli=$2; shift ;;
    *) echo "usage: $0 [--serve] [--check] [--redis] [--server PATH] [--crumb PATH]" >&2; exit 2 ;;
  esac
  shift
done

if [[ -z $server ]]; then
  echo "building everything (cmake + ninja into build/; the first time takes a few minutes) ..."
  cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
  cmake --build "$root/build" -j 2 >/dev/null
  server=$root/build/bin/stateless_server
  crumb_cli=$root/build/bin/crumb
fi

python=python3
[[ -x /usr/bin/python3 ]] && python=/usr/bin/python3  # the system's: starts fastest
free_port() { "$python" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=${PORT_A:-$(free_port)}
port_b=${PORT_B:-$(free_port)}
work=$(mktemp -d)
store=$work/store
jar=$work/cookies.txt
CRUMB_SECRET=$("$python" -S -c 'import secrets; print(secrets.token_urlsafe(48))')
export CRUMB_SECRET
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

store_entries() { ls "$store" | grep '\.session$' || true; }  # entries, not the .usage count
if ((redis)); then
  command -v redis-server >/dev/null || { echo "--redis needs redis-server (apt-get install redis-server)"; exit 1; }
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  store=redis://127.0.0.1:$redis_port
  # Session entries only: the store also keeps its bookkeeping under crumb:session:@...
  store_entries() { redis-cli -p "$redis_port" --scan --pattern 'crumb:session:*' | grep -v ':@' || true; }
fi

"$server" --port "$port_a" --store "$store" --name A >"$work/a.log" 2>&1 &
pids+=($!)
"$server" --port "$port_b" --store "$store" --name B >"$work/b.log" 2>&1 &
pids+=($!)
for port in "$port_a" "$port_b"; do
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/__ready" && break
    sleep 0.1
  done
done

failures=0
# fields JSON: each top-level field of a response body into F[name] (strings as they are,
# the rest as JSON); one Python start per response, not one per field.
declare -A F
fields() {
  F=()
  local pair
  while IFS= read -r -d '' pair; do F[${pair%%=*}]=${pair#*=}; done < <(
    "$python" -S -c '
import json, sys
try:
    body = json.loads(sys.argv[1])
except ValueError:
    body = {}
for k, v in (body.items() if isinstance(body, dict) else []):
    sys.stdout.write(k + "=" + (v if isinstance(v, str) else json.dumps(v)) + "\0")
' "$1")
}
field() { echo "${F[$1]:-<missing>}"; }
cookie_bytes() { awk '$6 ~ /^sessionid/ { n += length($6) + length($7) } END { print n + 0 }' "$jar"; }

step=0
# visit SERVER METHOD PATH [EXPECT_FIELD=VALUE ...]
visit() {
  local who=$1 method=$2 path=$3
  shift 3
  local port=$port_a
  [[ $who == B ]] && port=$port_b
  step=$((step + 1))
  local body
  local data=()
  [[ $method == POST ]] && data=(-d '')
  body=$(curl -s -X "$method" "${data[@]}" -b "$jar" -c "$jar" "http://127.0.0.1:$port$path") ||
    { echo "request to $who failed; server logs:"; cat "$work"/*.log; exit 1; }
  fields "$body"
  printf '%2d  %-4s %-22s -> %s answered | session in %-6s | cookie %4s B | visits=%s user=%s cart=%s history=%s\n' \
    "$step" "$method" "$path" "$(field server)" "$(field lives_in)" \
    "$(cookie_bytes)" "$(field visits)" "$(field user)" "$(field cart)" "$(field history)"
  for expectation in "$@"; do
    local key=${expectation%%=*} want=${expectation#*=} got
    got=$(field "$key")
    if ((check)) && [[ $got != "$want" ]]; then
      echo "    FAIL: $key is $got, expected $want"
      failures=$((failures + 1))
    fi
  done
}

echo "servers A (:$port_a) and B (:$port_b) share one secret and the store $store"
visit A GET / visits=1 lives_in=cookie server=A
visit B GET / visits=2 server=B
visit A POST '/login?user=alice' user=alice
visit B POST '/cart/add?item=book' 'cart=["book"]'
visit A POST '/cart/add?item=pen' 'cart=["book", "pen"]'
visit B POST '/history?n=100' lives_in=store history=100
visit A GET / lives_in=store visits=3 history=100 user=alice
visit B POST '/history?n=5' lives_in=store history=105
visit A POST /history/clear lives_in=cookie history=0
visit B POST '/cart/remove?item=pen' 'cart=["book"]' lives_in=cookie
((check)) && [[ -n $(store_entries) ]] && { echo "    FAIL: store not emptied"; failures=$((failures + 1)); }
visit A POST /logout user=null visits=0
visit B GET / visits=1 user=null

if ((check)); then
  # A tampered cookie gets a fresh, empty session (and the reason, for logs).
  body=$(curl -s -H 'Cookie: sessionid=eyJ2aXNpdHMiOjk5fQ:1r31eq:forgedforgedforgedforgedforgedforgedforged' \
    "http://127.0.0.1:$port_a/")
  fields "$body"
  [[ $(field visits) == 1 && $(field rejected_cookie) == invalid_signature ]] ||
    { echo "FAIL: tampered cookie: $body"; failures=$((failures + 1)); }
  # A genuine but expired cookie (signed three weeks ago) too.
  old=$(echo '{"visits":99}' | "$crumb_cli" sign --profile django --now $(( $(date +%s) - 1814400 )))
  body=$(curl -s -H "Cookie: sessionid=$old" "http://127.0.0.1:$port_b/")
  fields "$body"
  [[ $(field visits) == 1 && $(field rejected_cookie) == expired ]] ||
    { echo "FAIL: expired cookie: $body"; failures=$((failures + 1)); }
  # And the same token, fresh, is accepted by both: one secret, any server.
  fresh=$(echo '{"visits":99}' | "$crumb_cli" sign --profile django)
  body=$(curl -s -H "Cookie: sessionid=$fresh" "http://127.0.0.1:$port_b/")
  fields "$body"
  [[ $(field visits) == 100 ]] || { echo "FAIL: CLI-made cookie: $body"; failures=$((failures + 1)); }
  # Bad input is a 400 with a short text, never a 500 nor an exception's text in a header
  # (item=%FF, invalid UTF-8, once threw): bytes that are not UTF-8, an encoded surrogate,
  # a control character, an n that is not a number or out of range.
  for path in '/cart/remove?item=%FF' '/cart/add?item=%ED%A0%80' '/cart/add?item=a%0Ab' \
      '/history?n=abc' '/history?n=1001' '/login?user='; do
    reply=$(curl -s -i -d '' "http://127.0.0.1:$port_a$path")
    [[ $reply == "HTTP/1.1 400 "* && $reply != *EXCEPTION_WHAT* && $reply != *Set-Cookie* ]] ||
      { echo "FAIL: $path: ${reply%%$'\r'*}"; failures=$((failures + 1)); }
  done
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all end-to-end checks passed"
fi

if ((serve)); then
  echo
  echo "serving: http://127.0.0.1:$port_a/ (A) and http://127.0.0.1:$port_b/ (B); Ctrl-C stops them"
  echo "  try: curl -c jar -b jar http://127.0.0.1:$port_a/ ; curl -X POST -c jar -b jar 'http://127.0.0.1:$port_b/history?n=50'"
  wait
fi
