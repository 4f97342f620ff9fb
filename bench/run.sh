#!/usr/bin/env bash
# Builds the benchmarks in Release and prints a table: crumb against the dependency floor
# (libsodium HMAC + base64 [+ libdeflate]) and the hardware floor (OpenSSL HMAC with SHA
# extensions + crumb's base64 [+ libdeflate]), measured in the same run.
# usage: bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=small]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRUMB_BUILD_TESTS=off \
  -DCRUMB_BUILD_EXAMPLES=off >/dev/null
cmake --build build-bench --target codec_bench -j "${JOBS:-2}" >/dev/null
out=build-bench/codec_bench.json
build-bench/bin/codec_bench --benchmark_min_time=0.3 --benchmark_out="$out" \
  --benchmark_out_format=json "$@" >/dev/null
python3 bench/table.py "$out"
