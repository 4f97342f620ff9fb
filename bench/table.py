#!/usr/bin/python3
"""Turns codec_bench's JSON output into the README's markdown tables.

usage: table.py CODEC_BENCH_JSON [PEERS_JSON]
The native profile's rows get tables of their own (cases, token sizes beside Django's, and
the MAC choice for its signed mode). With PEERS_JSON (bench/peers.py's output) a last table
sets crumb beside Django and itsdangerous on the same fixtures, and the flask profile's rows
(libcrypto builds) get a table with its hardware floor and, with PEERS_JSON, Flask itself.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def ns_per_op(b):
    return b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1000


def print_codec_table(report):
    ctx = report["context"]
    print(f"Machine: {ctx.get('num_cpus')} x {ctx.get('mhz_per_cpu')} MHz, "
          f"{ctx.get('date', '')[:10]}; ratios are to floors measured in the same run.\n")
    print("| case | ns/op | x dep floor | x hw floor | allocs/op | token bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    sweep = []
    for b in report["benchmarks"]:
        name = b["name"]
        if name.startswith(("floor_", "native_", "mac/", "flask_", "base64/")):
            continue
        if name.startswith("sweep_"):
            sweep.append(b)
            continue
        def num(key, fmt):
            return format(b[key], fmt) if key in b else "-"
        print(f"| {name} | {ns_per_op(b):,.0f} | {num('x_dep_floor', '.2f')} "
              f"| {num('x_hw_floor', '.2f')} | {num('allocs/op', '.0f')} "
              f"| {num('token_bytes', '.0f')} |")

    if sweep:
        print("\nSize sweep (one string of n bytes, uncompressed): cost per byte stays flat.\n")
        print("| case | bytes | ns/op | ns/byte |")
        print("|---|---:|---:|---:|")
        for b in sweep:
            base, size = b["name"].rsplit("/", 1)
            ns = ns_per_op(b)
            print(f"| {base} | {int(size)} | {ns:,.0f} | {ns / int(size):.2f} |")


def print_native_tables(report):
    """The native profile: its cases against floors over its own tokens, its token sizes
    beside Django's, and keyed BLAKE2b against HMAC-SHA256 for its signed mode."""
    rows = [b for b in report["benchmarks"] if b["name"].startswith("native_")]
    if rows:
        print("\nNative profile: signed (HMAC-SHA256, each backend) and encrypted "
              "(XChaCha20-Poly1305). Its floors are the same recipes over each mode's own "
              "token: base64 of the whole token and HMAC-SHA256 over all but its 16-byte tag "
              "(encrypted: header, nonce and ciphertext). Overhead: token bytes beyond the "
              "base64url of the bare payload (the JSON, or its compressed form).\n")
        print("| case | ns/op | x dep floor | x hw floor | allocs/op | token bytes | overhead bytes |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for b in rows:
            def num(key, fmt):
                return format(b[key], fmt) if key in b else "-"
            print(f"| {b['name']} | {ns_per_op(b):,.0f} | {num('x_dep_floor', '.2f')} "
                  f"| {num('x_hw_floor', '.2f')} | {num('allocs/op', '.0f')} "
                  f"| {num('token_bytes', '.0f')} | {num('overhead_bytes', '.0f')} |")

        by_name = {b["name"]: b for b in report["benchmarks"]}
        sizes = []
        for fixture in ("small", "medium", "large", "huge"):
            for mode in ("plain", "zlib"):
                cells = []
                for row in ("django_sodium", "native_signed_sodium", "native_encrypted"):
                    b = by_name.get(f"{row}/encode/{fixture}/{mode}", {})
                    cells.append(f"{b['token_bytes']:.0f} (+{b['overhead_bytes']:.0f})"
                                 if "overhead_bytes" in b else "-")
                if any(c != "-" for c in cells):
                    sizes.append(f"| {fixture}/{mode} | " + " | ".join(cells) + " |")
        if sizes:
            print("\nToken bytes (overhead over the bare payload's base64url):\n")
            print("| fixture | Django | native signed | native encrypted |")
            print("|---|---:|---:|---:|")
            print("\n".join(sizes))

    macs = [b for b in report["benchmarks"] if b["name"].startswith("mac/")]
    if macs:
        print("\nMAC for the native signed mode, over the bytes a signed token of each fixture "
              "MACs: HMAC-SHA256 from prekeyed OpenSSL states (SHA extensions: the hardware "
              "floor's) and libsodium's, keyed BLAKE2b-256 (libsodium crypto_generichash, "
              "32-byte key) in one call and from a state keyed once. x: ns over the HMAC "
              "row's.\n")
        print("| case | bytes | ns/op | x HMAC sodium | x HMAC hw |")
        print("|---|---:|---:|---:|---:|")
        for b in macs:
            def num(key, fmt):
                return format(b[key], fmt) if key in b else "-"
            print(f"| {b['name']} | {num('bytes', '.0f')} | {ns_per_op(b):,.0f} "
                  f"| {num('x_dep_floor', '.2f')} | {num('x_hw_floor', '.2f')} |")


def print_base64_table(report):
    """crumb's base64 codec against the table loops the hardware floor uses."""
    decoders = [b for b in report["benchmarks"] if b["name"].startswith("base64/")]
    if decoders:
        print("\nbase64 of each fixture's payload (uncompressed Django token), encoded and "
              "decoded: the table loops, which the hardware floor uses, and crumb's codec as "
              "the profiles call it (AVX2 where the CPU has it). x: ns over the table row's.\n")
        print("| case | chars | ns/op | x table |")
        print("|---|---:|---:|---:|")
        for b in decoders:
            x = format(b["x_table"], ".2f") if "x_table" in b else "-"
            print(f"| {b['name']} | {b['chars']:.0f} | {ns_per_op(b):,.0f} | {x} |")


CRUMBS = ("django_openssl", "django_sodium")
PEERS = (("peer_django", "Django"), ("peer_itsdangerous", "itsdangerous"))


def print_peer_table(report, peers):
    """One row per fixture x op x plain/zlib; each x is peer ns/op over crumb ns/op: how
    many times faster crumb is."""
    by_name = {b["name"]: b for b in report["benchmarks"] + peers["benchmarks"]}
    ctx = peers["context"]
    print(f"\ncrumb against the Python peers: Django {ctx.get('django_version')} and "
          f"itsdangerous {ctx.get('itsdangerous_version')} (as Flask sets it up) under Python "
          f"{ctx.get('python_version')}, same fixtures and secret, min time "
          f"{ctx.get('min_time')} s. ns/op; x: the peer's ns/op over crumb's, how many times "
          "faster crumb is.\n")
    header = ["case", "crumb openssl", "crumb sodium"]
    for _, peer in PEERS:
        header += [peer, f"{peer} x openssl", f"{peer} x sodium"]
    header.append("token bytes crumb / Django / itsdangerous")
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")

    def ns(name):
        return ns_per_op(by_name[name]) if name in by_name else None

    def fmt(value, spec):
        return "-" if value is None else format(value, spec)

    def token_bytes(names):
        found = [by_name[n]["token_bytes"] for n in names if "token_bytes" in by_name.get(n, {})]
        return fmt(found[0] if found else None, ".0f")

    for fixture in ("small", "medium", "large", "huge"):
        for op in ("encode", "decode"):
            for mode in ("plain", "zlib"):
                case = f"{op}/{fixture}/{mode}"
                crumb = [ns(f"{c}/{case}") for c in CRUMBS]
                peer_ns = [ns(f"{p}/{case}") for p, _ in PEERS]
                if not any(crumb) or not any(peer_ns):
                    continue
                row = [case] + [fmt(c, ",.0f") for c in crumb]
                for p in peer_ns:
                    row.append(fmt(p, ",.0f"))
                    row += [fmt(p / c if p and c else None, ".1f") for c in crumb]
                sizes = [token_bytes([f"{c}/{case}" for c in CRUMBS])]
                sizes += [token_bytes([f"{p}/{case}"]) for p, _ in PEERS]
                row.append(" / ".join(sizes))
                print("| " + " | ".join(row) + " |")


def print_flask_table(report, peers):
    """The flask profile (HMAC-SHA1 on libcrypto): ns/op, x its hardware floor, allocations,
    token bytes and overhead beside Django's, and with PEERS_JSON Flask's own serializer:
    its ns/op and how many times faster crumb is."""
    rows = [b for b in report["benchmarks"] if b["name"].startswith("flask_")]
    if not rows:
        return
    by_name = {b["name"]: b for b in report["benchmarks"] + (peers or {}).get("benchmarks", [])}
    flask_version = (peers or {}).get("context", {}).get("flask_version")
    print("\nFlask profile (crumb::basic_codec<profile::flask, zlib_compression, "
          "openssl_hmac_sha256>, HMAC-SHA1). Its hardware floor: HMAC-SHA1 from prekeyed "
          "OpenSSL SHA_CTX states over the flask token's signed part + a table base64 of its "
          "payload (+ libdeflate); no dependency floor (libsodium has no SHA-1). Overhead: "
          "token bytes beyond the base64url of the bare payload."
          + (f" Flask: Flask {flask_version}'s own session serializer (tagged JSON, in an app "
             "context); x Flask: its ns/op over crumb's." if flask_version else "") + "\n")
    header = ["case", "ns/op", "x hw floor", "allocs/op", "token bytes (overhead)",
              "Django token bytes (overhead)"]
    if flask_version:
        header += ["Flask ns/op", "x Flask", "Flask token bytes"]
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")

    def num(b, key, fmt):
        return format(b[key], fmt) if key in b else "-"

    for b in rows:
        case = b["name"].split("/", 1)[1]
        ns = ns_per_op(b)
        django = by_name.get(f"django_openssl/{case}", by_name.get(f"django_sodium/{case}", {}))
        cells = [b["name"], f"{ns:,.0f}", num(b, "x_hw_floor", ".2f"), num(b, "allocs/op", ".0f"),
                 f"{num(b, 'token_bytes', '.0f')} (+{num(b, 'overhead_bytes', '.0f')})",
                 f"{num(django, 'token_bytes', '.0f')} (+{num(django, 'overhead_bytes', '.0f')})"]
        if flask_version:
            peer = by_name.get(f"peer_flask/{case}")
            cells += [f"{ns_per_op(peer):,.0f}" if peer else "-",
                      f"{ns_per_op(peer) / ns:.1f}" if peer and ns else "-",
                      num(peer or {}, "token_bytes", ".0f")]
        print("| " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    report = load(sys.argv[1])
    print_codec_table(report)
    print_native_tables(report)
    print_base64_table(report)
    peers = load(sys.argv[2]) if len(sys.argv) == 3 else None
    if peers:
        print_peer_table(report, peers)
    print_flask_table(report, peers)


if __name__ == "__main__":
    main()
