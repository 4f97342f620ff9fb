#!/usr/bin/env bash
# Builds the benchmarks in Release and prints a table: crumb against the dependency floor
# (libsodium HMAC + base64 [+ libdeflate]) and the hardware floor (OpenSSL HMAC with SHA
# extensions + crumb's base64 [+ libdeflate]), measured in the same run. Then times the
# Python peers (Django, itsdangerous, Flask) on the same fixtures and prints crumb beside them,
# and counts instructions per operation under callgrind (repeatable where times are not).
# usage: bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=small]
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's interpreter: it sees python3-django, python3-itsdangerous and python3-flask
# (peers.py says why).
python=/usr/bin/python3
# The peers run with the same min time and filter as codec_bench (Benchmark 1.8 writes
# the min time as 0.3s).
min_time=0.3
filter=
for arg in "$@"; do
  case $arg in
    --benchmark_min_time=*) min_time=${arg#*=}; min_time=${min_time%s} ;;
    --benchmark_filter=*) filter=${arg#*=} ;;
  esac
done
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRUMB_BUILD_TESTS=off \
  -DCRUMB_BUILD_EXAMPLES=off >/dev/null
cmake --build build-bench --target codec_bench instructions auth_bench -j "${JOBS:-2}" >/dev/null
out=build-bench/codec_bench.json
peers=build-bench/peers.json
build-bench/bin/codec_bench --benchmark_min_time=0.3 --benchmark_out="$out" \
  --benchmark_out_format=json "$@" >/dev/null
"$python" bench/peers.py --min-time "$min_time" --filter="$filter" --out "$peers" >/dev/null
"$python" bench/table.py "$out" "$peers"
echo
echo "Instructions per operation (callgrind, this Release build):"
echo
"$python" bench/instructions.py build-bench/bin/instructions
echo
echo "What logins, revocations and CSRF add to a request (auth_bench; each row opens the"
echo "session first, as session/open alone does):"
echo
# The Redis row needs a server: a throwaway one on a free port, when redis-server is here.
redis_port=
if command -v redis-server >/dev/null; then
  redis_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$PWD/build-bench/redis.pid" --logfile "$PWD/build-bench/redis.log" >/dev/null
  trap 'kill "$(cat build-bench/redis.pid)" 2>/dev/null || true' EXIT
  sleep 0.3
fi
CRUMB_REDIS_PORT=$redis_port build-bench/bin/auth_bench --benchmark_min_time=0.3 2>/dev/null
