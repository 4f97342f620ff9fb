#!/usr/bin/env bash
# The README's usage snippet must be, line for line, the region between the tag markers in
# tests/doc_examples_test.cpp, which is compiled and run: the docs cannot rot.
# usage: readme_test.sh path/to/README.md path/to/doc_examples_test.cpp
set -euo pipefail
readme=$1
source=$2
snippet=$(sed -n '/\/\/ tag::usage\[\]/,/\/\/ end::usage\[\]/p' "$source" | sed '1d;$d')
[[ -n "$snippet" ]] || { echo "no tagged snippet in $source"; exit 1; }
if ! python3 - "$readme" "$snippet" <<'PY'
import sys
readme = open(sys.argv[1], encoding="utf-8").read()
sys.exit(0 if "```cpp\n" + sys.argv[2] + "\n```" in readme else 1)
PY
then
  echo "README.md does not contain the usage snippet of $source verbatim:"
  echo "$snippet"
  exit 1
fi
echo "README usage snippet matches $source"
