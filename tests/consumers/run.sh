#!/usr/bin/env bash
# Packaging: install crumb with CMake into a temporary prefix, then build and run a
# consumer through find_package(crumb) and through pkg-config (crumb.pc).
# usage: run.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/crumb" -G Ninja -DCRUMB_BUILD_TESTS=off -DCRUMB_BUILD_BENCH=off \
  -DCRUMB_BUILD_EXAMPLES=off -DCRUMB_INSTALL=on -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/crumb" >/dev/null

cmake -S "$src/tests/consumers" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
echo "find_package consumer: $("$work/consumer/consumer")"

export PKG_CONFIG_PATH="$work/prefix/share/pkgconfig"
# shellcheck disable=SC2046
c++ -o "$work/pc_consumer" "$src/tests/consumers/main.cpp" $(pkg-config --cflags --libs crumb)
echo "pkg-config consumer: $("$work/pc_consumer")"

# The library also builds and works without exceptions (misuse then aborts with a message).
# shellcheck disable=SC2046
c++ -fno-exceptions -o "$work/noexcept_consumer" "$src/tests/consumers/main.cpp" \
  $(pkg-config --cflags --libs crumb)
echo "-fno-exceptions consumer: $("$work/noexcept_consumer")"
