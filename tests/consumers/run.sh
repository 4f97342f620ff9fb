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
#   5. include/ copied alone, compiled with the lines the README documents (plain, with
#      the Redis store, with OpenSSL's HMAC)
# and, with hiredis or libcrypto hidden from pkg-config, that each way of asking for them
# stops at configure time with a message naming the missing library (CMake's
# CRUMB_WITH_HIREDIS=on and CRUMB_WITH_OPENSSL=on, find_package's redis component, meson's
# crumb-redis), and that the headers' #error guards say the same when compiled by hand.
# usage: run.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
here=$src/tests/consumers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
redis=0 openssl=0
pkg-config --exists hiredis && redis=1
pkg-config --exists 'libcrypto >= 3.0' && openssl=1
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
says() {  # says NAME TEXT COMMAND...: the command fails, and its output contains TEXT
  local name=$1 text=$2
  shift 2
  # CMake wraps its messages: compare with runs of spaces and newlines squeezed.
  if "$@" >"$work/log" 2>&1 || ! tr -s ' \n' ' ' <"$work/log" | grep -qF -- "$text"; then
    cat "$work/log"; echo "$name: no clear message (expected: $text)"; exit 1
  fi
  printf '%-58s ok\n' "$name: message"
}

# Machines without an optional library: pkg-config sees every .pc file it sees here but
# that library's. no_hiredis=(env PKG_CONFIG_LIBDIR=DIR PKG_CONFIG_PATH=) runs a command
# there; meson also looks through CMake, kept away by $work/no-cmake.ini.
IFS=: read -ra pc_dirs <<<"${PKG_CONFIG_PATH:-}:$(pkg-config --variable pc_path pkg-config)"
hide_pc() {  # hide_pc NAME PC_NAME...: $work/pc-NAME holds every .pc file but those
  local dir=$work/pc-$1 pc_dir pc_file
  shift
  mkdir "$dir"
  for pc_dir in "${pc_dirs[@]}"; do
    for pc_file in "$pc_dir"/*.pc; do
      [[ -e $pc_file && ! -e $dir/${pc_file##*/} ]] || continue
      [[ " $* " == *" $(basename "$pc_file" .pc) "* ]] || ln -s "$pc_file" "$dir/"
    done
  done
  env PKG_CONFIG_LIBDIR="$dir" PKG_CONFIG_PATH= pkg-config --exists libsodium libdeflate simdjson || { echo "hiding $* hid crumb's required dependencies too"; exit 1; }
  if env PKG_CONFIG_LIBDIR="$dir" PKG_CONFIG_PATH= pkg-config --exists "$1"; then
    echo "$1 still visible through $dir"; exit 1
  fi
}
hide_pc no-hiredis hiredis
hide_pc no-openssl libcrypto libssl openssl
no_hiredis=(env PKG_CONFIG_LIBDIR="$work/pc-no-hiredis" PKG_CONFIG_PATH=)
no_openssl=(env PKG_CONFIG_LIBDIR="$work/pc-no-openssl" PKG_CONFIG_PATH=)
printf "[binaries]\ncmake = 'false'\n" >"$work/no-cmake.ini"

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
says "find_package COMPONENTS redis, built without" \
  "the redis component is not available: this crumb was installed without it" \
  cmake -S "$here/find_package" -B "$work/fp-missing" -DCMAKE_PREFIX_PATH="$work/plain" \
  -DWITH_REDIS=ON
# Installed with it, and hiredis gone since.
if ((redis)); then
  says "find_package COMPONENTS redis, hiredis gone" \
    "the redis component is not available: hiredis is not installed" \
    "${no_hiredis[@]}" cmake -S "$here/find_package" -B "$work/fp-gone" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DWITH_REDIS=ON
fi
# crumb's own configure, told to use a library that is not there.
no_extras=(-DCRUMB_BUILD_TESTS=off -DCRUMB_BUILD_BENCH=off -DCRUMB_BUILD_EXAMPLES=off)
says "cmake -DCRUMB_WITH_HIREDIS=on, no hiredis" \
  "crumb: CRUMB_WITH_HIREDIS=on, but hiredis was not found" \
  "${no_hiredis[@]}" cmake -S "$src" -B "$work/no-hiredis" -G Ninja "${no_extras[@]}" \
  -DCRUMB_WITH_HIREDIS=on
says "cmake -DCRUMB_WITH_OPENSSL=on, no libcrypto" \
  "crumb: CRUMB_WITH_OPENSSL=on, but OpenSSL's libcrypto 3 was not found" \
  "${no_openssl[@]}" cmake -S "$src" -B "$work/no-openssl" -G Ninja "${no_extras[@]}" \
  -DCRUMB_WITH_OPENSSL=on

# 2. From the source tree, as part of the consumer's own build.
for mode in OFF ON; do
  quiet cmake -S "$here/add_subdirectory" -B "$work/sub-$mode" -G Ninja \
    -DCRUMB_SOURCE_DIR="$src" -DUSE_FETCHCONTENT=$mode
  quiet cmake --build "$work/sub-$mode"
  no_warnings "add_subdirectory"
  [[ $mode == ON ]] && how=FetchContent || how=add_subdirectory
  check "$how (nothing of crumb's own built)" "$work/sub-$mode/consumer"
done

# 3. meson subproject; where hiredis is present, crumb-redis is required.
mkdir -p "$work/meson/subprojects"
cp "$here/meson/meson.build" "$here/meson/meson_options.txt" "$here/main.cpp" "$work/meson/"
ln -s "$src" "$work/meson/subprojects/crumb"
meson_redis=auto
((redis)) && meson_redis=enabled
quiet meson setup "$work/meson/build" "$work/meson" --force-fallback-for=crumb \
  -Dredis=$meson_redis
quiet meson compile -C "$work/meson/build"
no_warnings "meson subproject"
check "meson subproject (crumb-redis $meson_redis)" "$work/meson/build/consumer"
# Without hiredis, a consumer requiring crumb-redis learns why it is missing.
says "meson dependency('crumb-redis'), no hiredis" \
  "crumb-redis (crumb/store/redis.hpp) is not available: hiredis was not found" \
  "${no_hiredis[@]}" meson setup "$work/meson/no-hiredis" "$work/meson" --force-fallback-for=crumb \
  --native-file "$work/no-cmake.ini" -Dredis=enabled

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

# 5. include/ dropped into a project, compiled with the README's lines: the plain one, the
# one with the Redis store (main.cpp including store/redis.hpp), and the plain one with
# what the README says to add for OpenSSL's HMAC.
dropin() {  # dropin NAME DIR LINE [MACRO]: include/ and main.cpp (#define MACRO 1) in DIR
  mkdir "$work/$2"
  cp -r "$src/include" "$work/$2/"
  { [[ -z ${4:-} ]] || echo "#define $4 1"; cat "$here/main.cpp"; } >"$work/$2/main.cpp"
  (cd "$work/$2" && quiet bash -c "$3")
  check "include/ alone, $1" "$work/$2/main"
  echo "  $3"
}
readme_lines=$(grep '^c++ -std=c++20 .*-I include ' "$src/README.md") || true
line=$(grep -v -- ' -lhiredis' <<<"$readme_lines" | head -n1) || true
redis_line=$(grep -- ' -lhiredis' <<<"$readme_lines" | head -n1) || true
# shellcheck disable=SC2016
openssl_flags=$(grep -o -m1 'add `-DCRUMB_WITH_OPENSSL=1 [^`]*`' "$src/README.md" |
                tr -d '`') || true
[[ -n $line && -n $redis_line && -n $openssl_flags ]] ||
  { echo "README.md lacks a drop-in compile line (plain, -lhiredis) or the OpenSSL flags"; exit 1; }
dropin "the README's line" dropin "$line"
((redis)) && dropin "the README's line for the Redis store" dropin-redis "$redis_line" \
  CRUMB_CONSUMER_REDIS
((openssl)) && dropin "the README's line + its OpenSSL flags" dropin-openssl \
  "$line ${openssl_flags#add }"

# The headers' own guards, for whoever compiles by hand without the library: the
# compiler's include path with /usr/include replaced by a copy (of symlinks) lacking
# hiredis/ and openssl/.
mkdir "$work/usr-include"
for entry in /usr/include/*; do
  case ${entry##*/} in hiredis | openssl) ;; *) ln -s "$entry" "$work/usr-include/" ;; esac
done
hidden_inc=(-nostdinc)
while read -r dir; do
  [[ $dir -ef /usr/include ]] && dir=$work/usr-include
  hidden_inc+=(-isystem "$dir")
done < <(c++ -x c++ -E -v - </dev/null 2>&1 |
           sed -n '/^#include <...> search starts here:/,/^End of search list/s/^ //p')
# The control: without either library, the plain consumer still compiles.
quiet c++ -std=c++20 "${hidden_inc[@]}" -I "$src/include" -fsyntax-only "$here/main.cpp"
says "include store/redis.hpp, no hiredis headers" \
  "crumb/store/redis.hpp needs hiredis (Debian: libhiredis-dev)" \
  c++ -std=c++20 "${hidden_inc[@]}" -I "$src/include" -DCRUMB_CONSUMER_REDIS=1 -fsyntax-only \
  "$here/main.cpp"
says "-DCRUMB_WITH_OPENSSL=1, no OpenSSL headers" \
  "CRUMB_WITH_OPENSSL=1 needs OpenSSL 3's headers (Debian: libssl-dev)" \
  c++ -std=c++20 "${hidden_inc[@]}" -I "$src/include" -DCRUMB_WITH_OPENSSL=1 -fsyntax-only \
  "$here/main.cpp"
