#!/usr/bin/env bash
# Packaging: every way a project consumes crumb, each building and running main.cpp (sign
# and verify a session; with the Redis store where hiredis is present), with the
# consumer's own -Werror:
#   1. cmake --install to a prefix that is not the configured one; find_package(crumb),
#      with and without the redis component
#   2. add_subdirectory, and FetchContent from a local SOURCE_DIR: crumb's tests, benchmarks
#      and examples are not built, and no warning reaches the consumer
#   3. meson, crumb as a subproject (subprojects/crumb linked to the tree)
#   4. pkg-config with a plain c++ command, from the relocated prefix (and -fno-exceptions)
#   5. include/ copied alone, compiled with the line the README documents
# usage: run.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
here=$src/tests/consumers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
redis=0
pkg-config --exists hiredis && redis=1
quiet() { "$@" >"$work/log" 2>&1 || { cat "$work/log"; echo "failed: $*"; exit 1; }; }
check() {  # check NAME PROGRAM: the program runs and prints ok
  local out
  out=$("$2") || { echo "$1: the consumer failed: $out"; exit 1; }
  [[ $out == ok ]] || { echo "$1: printed '$out'"; exit 1; }
  printf '%-58s ok\n' "$1"
}
no_warnings() {  # the consumer's build log holds no warning (crumb's included)
  if grep -n "warning:" "$work/log"; then echo "$1: warnings leaked into the consumer"; exit 1; fi
}

# 1. Configured for /usr/local, installed somewhere else.
quiet cmake -S "$src" -B "$work/crumb" -G Ninja -DCRUMB_BUILD_TESTS=off -DCRUMB_BUILD_BENCH=off \
  -DCRUMB_BUILD_EXAMPLES=off -DCRUMB_INSTALL=on -DCMAKE_INSTALL_PREFIX=/usr/local
quiet cmake --install "$work/crumb" --prefix "$work/prefix"
for with_redis in OFF ON; do
  [[ $with_redis == ON && $redis == 0 ]] && continue
  quiet cmake -S "$here/find_package" -B "$work/fp-$with_redis" -G Ninja \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DWITH_REDIS=$with_redis
  quiet cmake --build "$work/fp-$with_redis"
  no_warnings "find_package"
  check "find_package from a relocated prefix (redis component $with_redis)" "$work/fp-$with_redis/consumer"
done
# A crumb installed without hiredis, asked for its redis component: a clear message at
# configure time, not a compile error in a header.
quiet cmake -S "$src" -B "$work/crumb-plain" -G Ninja -DCRUMB_BUILD_TESTS=off \
  -DCRUMB_BUILD_BENCH=off -DCRUMB_BUILD_EXAMPLES=off -DCRUMB_INSTALL=on -DCRUMB_WITH_HIREDIS=off
quiet cmake --install "$work/crumb-plain" --prefix "$work/plain"
if cmake -S "$here/find_package" -B "$work/fp-missing" -DCMAKE_PREFIX_PATH="$work/plain" \
    -DWITH_REDIS=ON >"$work/log" 2>&1 ||
    ! tr -s ' \n' ' ' <"$work/log" |
      grep -q "the redis component is not available: this crumb was installed without it"; then
  cat "$work/log"; echo "find_package(crumb COMPONENTS redis) without hiredis: no clear message"; exit 1
fi
printf '%-58s ok\n' "find_package(... COMPONENTS redis) without it: clear message"

# 2. From the source tree, as part of the consumer's own build.
for mode in OFF ON; do
  quiet cmake -S "$here/add_subdirectory" -B "$work/sub-$mode" -G Ninja \
    -DCRUMB_SOURCE_DIR="$src" -DUSE_FETCHCONTENT=$mode
  quiet cmake --build "$work/sub-$mode"
  no_warnings "add_subdirectory"
  [[ $mode == ON ]] && how=FetchContent || how=add_subdirectory
  check "$how (nothing of crumb's own built)" "$work/sub-$mode/consumer"
done

# 3. meson subproject.
mkdir -p "$work/meson/subprojects"
cp "$here/meson/meson.build" "$here/main.cpp" "$work/meson/"
ln -s "$src" "$work/meson/subprojects/crumb"
quiet meson setup "$work/meson/build" "$work/meson" --force-fallback-for=crumb
quiet meson compile -C "$work/meson/build"
no_warnings "meson subproject"
check "meson subproject, dependency('crumb')" "$work/meson/build/consumer"

# 4. pkg-config from the relocated prefix.
export PKG_CONFIG_PATH="$work/prefix/share/pkgconfig"
[[ $(pkg-config --variable=includedir crumb) -ef "$work/prefix/include" ]] ||
  { echo "crumb.pc points at $(pkg-config --variable=includedir crumb)"; exit 1; }
pc=crumb pc_flags=()
((redis)) && pc=crumb-redis pc_flags=(-DCRUMB_CONSUMER_REDIS=1)
# shellcheck disable=SC2046
quiet c++ -Wall -Wextra -Werror "${pc_flags[@]}" -o "$work/pc" "$here/main.cpp" \
  $(pkg-config --cflags --libs "$pc")
check "pkg-config --cflags --libs $pc, relocated prefix" "$work/pc"
# The library also builds and works without exceptions (misuse then aborts with a message).
# shellcheck disable=SC2046
quiet c++ -fno-exceptions -o "$work/noexcept" "$here/main.cpp" $(pkg-config --cflags --libs crumb)
check "-fno-exceptions" "$work/noexcept"

# 5. include/ dropped into a project, compiled with the README's line.
line=$(grep -m1 '^c++ -std=c++20 .*-I include ' "$src/README.md") ||
  { echo "README.md documents no drop-in compile line"; exit 1; }
mkdir "$work/dropin"
cp -r "$src/include" "$here/main.cpp" "$work/dropin/"
(cd "$work/dropin" && quiet bash -c "$line")
check "include/ alone: $line" "$work/dropin/main"
