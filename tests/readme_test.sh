#!/usr/bin/env bash
# Every README snippet tagged in the given sources (// tag::NAME[] ... // end::NAME[]) must
# appear in README.md verbatim as a ```cpp block: those sources are compiled and run by
# the suite (doc_examples_test, the example servers' tests), so the docs cannot rot.
# usage: readme_test.sh path/to/README.md SOURCE...
set -euo pipefail
python3 - "$@" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
tags, missing = [], []
for path in sys.argv[2:]:
    source = open(path, encoding="utf-8").read()
    found = re.findall(r"// tag::(\w+)\[\]\n(.*?)// end::\1\[\]\n", source, re.S)
    if not found:
        sys.exit("expected tagged snippets in " + path)
    tags += found
    for name, body in found:
        if "```cpp\n" + body + "```" not in readme:
            missing.append(name)
            print("README.md lacks the '%s' snippet of %s verbatim" % (name, path))
if missing:
    sys.exit(1)
print("README contains all %d tagged snippets: %s" % (len(tags), ", ".join(n for n, _ in tags)))
PY
