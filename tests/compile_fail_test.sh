#!/usr/bin/env bash
# A type with no crumb::value_traits is a compile-time error with crumb's own message.
# usage: compile_fail_test.sh CXX INCLUDE_DIR SOURCE
set -uo pipefail
cxx=$1
include=$2
source=$3
if ! "$cxx" -std=c++20 -fsyntax-only -I"$include" -DCRUMB_CONTROL "$source"; then
  echo "FAIL: the control (with traits) does not compile"
  exit 1
fi
log=$("$cxx" -std=c++20 -fsyntax-only -I"$include" "$source" 2>&1)
if [[ $? -eq 0 ]]; then
  echo "FAIL: a type without value_traits compiled"
  exit 1
fi
if ! grep -q "no crumb::value_traits<T>::to_value for this type" <<<"$log"; then
  echo "FAIL: the error does not carry crumb's message:"
  echo "$log" | head -20
  exit 1
fi
echo "unserializable type refused at compile time, with crumb's message"
