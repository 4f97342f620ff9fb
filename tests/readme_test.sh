#!/usr/bin/env bash
# Every README snippet tagged in tests/doc_examples_test.cpp (// tag::NAME[] ... // end::NAME[])
# must appear in README.md verbatim as a ```cpp block: those snippets are compiled and
# run by doc_examples_test, so the docs cannot rot.
# usage: readme_test.sh path/to/README.md path/to/doc_examples_test.cpp
set -euo pipefail
python3 - "$1" "$2" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
source = open(sys.argv[2], encoding="utf-8").read()
tags = re.findall(r"// tag::(\w+)\[\]\n(.*?)// end::\1\[\]\n", source, re.S)
if len(tags) < 2:
    sys.exit("expected tagged snippets in " + sys.argv[2])
missing = [name for name, body in tags if "```cpp\n" + body + "```" not in readme]
for name in missing:
    print("README.md lacks the '%s' snippet of %s verbatim" % (name, sys.argv[2]))
if missing:
    sys.exit(1)
print("README contains all %d tagged snippets: %s" % (len(tags), ", ".join(n for n, _ in tags)))
PY
