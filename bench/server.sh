#!/usr/bin/env bash
# The example server under wrk, in one run: requests per second on session endpoints as a
# ratio to a trivial endpoint of the same server (GET /health: no session). Keep-alive,
# loopback, one server process.
#   GET /       cookie session: verify, decode, count, encode, sign, Set-Cookie
#   GET / (spilled)  the same through the file store: read + update of the entry
# usage: bench/server.sh [seconds per case, default 5]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
command -v wrk >/dev/null || { echo "bench/server.sh needs wrk (apt-get install wrk)"; exit 1; }
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRUMB_BUILD_TESTS=off \
  -DCRUMB_BUILD_BENCH=off -DCRUMB_BUILD_EXAMPLES=on >/dev/null
cmake --build build-bench --target stateless_server -j "${JOBS:-2}" >/dev/null
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CRUMB_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') \
  build-bench/bin/stateless_server --port "$port" --store "$work/store" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 50); do curl -s -o /dev/null "$url/health" && break; sleep 0.1; done
cookie_of() { curl -s -o /dev/null -c - "$@" | awk '$6 == "sessionid" { print $7 }'; }
small=$(cookie_of "$url/")
spilled=$(cookie_of -X POST -d '' "$url/history?n=40")
rate() {  # requests/s of wrk on $1 with optional Cookie $2
  local args=(-t2 -c16 -d"${seconds}s" --latency)
  [[ -n ${2:-} ]] && args+=(-H "Cookie: sessionid=$2")
  wrk "${args[@]}" "$1" | awk '/Requests\/sec/ { print $2 }'
}
base=$(rate "$url/health")
cookie=$(rate "$url/" "$small")
stored=$(rate "$url/" "$spilled")
printf 'Machine: %s x %s, %s; wrk -t2 -c16, %s s per case, one server process.\n\n' \
  "$(nproc)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(date -u +%F)" "$seconds"
echo "| endpoint | req/s | ratio to /health |"
echo "|---|---:|---:|"
printf '| GET /health (no session) | %.0f | 1.00 |\n' "$base"
ratio() { awk -v a="$1" -v b="$base" 'BEGIN { printf "%.2f", a / b }'; }
printf '| GET / (session in the cookie) | %.0f | %s |\n' "$cookie" "$(ratio "$cookie")"
printf '| GET / (session in the file store) | %.0f | %s |\n' "$stored" "$(ratio "$stored")"
