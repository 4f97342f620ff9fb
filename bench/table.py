#!/usr/bin/env python3
"""Turns codec_bench's JSON output into the README's markdown table."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)

ctx = report["context"]
print(f"Machine: {ctx.get('num_cpus')} x {ctx.get('mhz_per_cpu')} MHz, "
      f"{ctx.get('date', '')[:10]}; ratios are to floors measured in the same run.\n")
print("| case | ns/op | x dep floor | x hw floor | allocs/op | token bytes |")
print("|---|---:|---:|---:|---:|---:|")
sweep = []
for b in report["benchmarks"]:
    name = b["name"]
    if name.startswith("floor_"):
        continue
    if name.startswith("sweep_"):
        sweep.append(b)
        continue
    ns = b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1000
    def num(key, fmt):
        return format(b[key], fmt) if key in b else "-"
    print(f"| {name} | {ns:,.0f} | {num('x_dep_floor', '.2f')} | {num('x_hw_floor', '.2f')} "
          f"| {num('allocs/op', '.0f')} | {num('token_bytes', '.0f')} |")

if sweep:
    print("\nSize sweep (one string of n bytes, uncompressed): cost per byte stays flat.\n")
    print("| case | bytes | ns/op | ns/byte |")
    print("|---|---:|---:|---:|")
    for b in sweep:
        base, size = b["name"].rsplit("/", 1)
        ns = b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1000
        print(f"| {base} | {int(size)} | {ns:,.0f} | {ns / int(size):.2f} |")
