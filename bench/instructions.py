#!/usr/bin/env python3
"""Instructions per codec operation, counted by callgrind: repeatable where timings are not.

Each case runs twice under callgrind (1 + 0 and 1 + N operations); the difference over N
is the cost of one operation, start-up and set-up cancelled. Costs are split by where the
instructions ran: crumb's own code (header-only, so inside the bench executable) and each
library. Library code is chosen by CPU at run time (libcrypto's SHA extensions, libc's
memcpy; callgrind's CPU has no SHA extensions), so the regression check compares crumb's
own count with the committed baseline: more than --tolerance over it fails.

usage: instructions.py BINARY [--check BASELINE.json] [--write BASELINE.json]
                              [--cases a,b] [--iterations N] [--top N]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_CASES = [f"{backend}/{op}/{fixture}/{mode}"
                 for backend in ("openssl", "sodium")
                 for fixture in ("small", "medium")
                 for mode in ("plain", "zlib")
                 for op in ("encode", "decode")]
# The native profile, signed (libsodium HMAC) and encrypted: uncompressed only (the
# compression path is the codec's, counted by the cases above).
DEFAULT_CASES += [f"native_{kind}/{op}/{fixture}/plain"
                  for kind in ("signed", "encrypted")
                  for fixture in ("small", "medium")
                  for op in ("encode", "decode")]


def parse_callgrind(path):
    """Exclusive Ir per (object, function) from a callgrind output file."""
    names = {"ob": {}, "fn": {}}
    cost = collections.Counter()
    ob = fn = "?"
    skip_next_cost = False

    def name_of(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), text)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            head = line[0]
            if head.isdigit() or head in "+-*":
                if skip_next_cost:  # the inclusive cost of the call just named
                    skip_next_cost = False
                    continue
                fields = line.split()
                if len(fields) >= 2:
                    cost[(ob, fn)] += int(fields[1])
                continue
            key, _, value = line.partition("=")
            if key == "ob":
                ob = name_of("ob", value)
            elif key == "fn":
                fn = name_of("fn", value)
            elif key in ("cob",):
                name_of("ob", value)
            elif key == "cfn":
                name_of("fn", value)
            elif key == "calls":
                skip_next_cost = True
    return cost


def run_case(binary, case, iterations, workdir):
    counts = []
    for n in (0, iterations):
        out = os.path.join(workdir, f"cg.{n}.out")
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, case, str(n)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"{case}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
        counts.append(parse_callgrind(out))
    per_op = collections.Counter()
    for key in set(counts[0]) | set(counts[1]):
        delta = counts[1][key] - counts[0][key]
        if delta:
            per_op[key] = delta / iterations
    return per_op


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cases", default=",".join(DEFAULT_CASES))
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--check", metavar="BASELINE")
    ap.add_argument("--write", metavar="BASELINE")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--top", type=int, default=0, help="also list the N costliest functions")
    args = ap.parse_args()

    binary = os.path.realpath(args.binary)
    results = {}
    print("| case | crumb's own Ir/op | libraries Ir/op | total Ir/op |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as workdir:
        for case in args.cases.split(","):
            per_op = run_case(binary, case, args.iterations, workdir)
            own = sum(v for (ob, _), v in per_op.items() if ob == binary)
            total = sum(per_op.values())
            results[case] = {"own": round(own), "total": round(total)}
            print(f"| {case} | {own:,.0f} | {total - own:,.0f} | {total:,.0f} |")
            if args.top:
                for (ob, fn), v in per_op.most_common(args.top):
                    print(f"|   {os.path.basename(ob)}: {fn[:70]} | | | {v:,.0f} |")

    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            json.dump({"tolerance": args.tolerance, "own_instructions_per_op":
                       {c: r["own"] for c, r in results.items()}}, f, indent=2, sort_keys=True)
            f.write("\n")
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            baseline = json.load(f)["own_instructions_per_op"]
        failed, unchecked = [], []
        for case, r in results.items():
            if case not in baseline:
                unchecked.append(case)
                continue
            limit = baseline[case] * (1 + args.tolerance)
            if r["own"] > limit:
                failed.append(f"{case}: {r['own']:,} instructions per op, baseline "
                              f"{baseline[case]:,} (+{args.tolerance:.0%} allowed)")
        if failed:
            print("\ninstruction count regressions:\n  " + "\n  ".join(failed))
            return 1
        print(f"\nno case over its baseline by more than {args.tolerance:.0%}")
        if unchecked:
            print("not in the baseline, so not checked: " + ", ".join(unchecked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
