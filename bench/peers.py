#!/usr/bin/python3
"""Times crumb's Python peers on codec_bench's fixtures with codec_bench's secret: Django's
signed_cookies session codec, itsdangerous configured as Flask configures it (plain JSON), and,
where python3-flask is installed, Flask's own session serializer (tagged JSON, in an app
context as in a request). Timed the
way Google Benchmark times codec_bench; writes a Google-Benchmark-shaped JSON report.

usage: /usr/bin/python3 bench/peers.py [--min-time SECONDS] [--filter REGEX] [--out FILE]

Run it with Debian's /usr/bin/python3, without -S: -S drops /usr/lib/python3/dist-packages,
where python3-django and python3-itsdangerous live, and the python3 in PATH may be another
interpreter altogether.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import socket
import sys
import time
from functools import partial
from pathlib import Path

try:
    import django
    import itsdangerous
    from django.conf import settings
    from django.contrib.sessions.serializers import JSONSerializer
    from django.core import signing
    from itsdangerous.encoding import base64_encode
    from itsdangerous.url_safe import URLSafeSerializerMixin, URLSafeTimedSerializer
except ImportError as e:
    sys.exit(f"peers.py: {e}: run it with /usr/bin/python3 (python3-django, python3-itsdangerous)")
try:
    import flask
    from flask.sessions import SecureCookieSessionInterface
except ImportError:  # the Flask rows are left out; the others do not need it
    flask = None

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
FIXTURES = ("small", "medium", "large", "huge")
MODES = ("plain", "zlib")

# codec_bench.cpp's secret, so every codec signs with the same key material.
SECRET = "django-insecure-bench-secret-0123456789abcdefghijklmnop"
DJANGO_SALT = "django.contrib.sessions.backends.signed_cookies"
# SessionStore.load() passes get_session_cookie_age(): SESSION_COOKIE_AGE, two weeks by
# default (crumb's default max_age too).
DJANGO_MAX_AGE = 60 * 60 * 24 * 7 * 2
FLASK_SALT = "cookie-session"
# Flask's open_session() passes PERMANENT_SESSION_LIFETIME, 31 days by default.
FLASK_MAX_AGE = 60 * 60 * 24 * 31

MAX_ITERATIONS = 1_000_000_000  # Google Benchmark's kMaxIterations


def django_codec(compress):
    """encode and decode exactly as django.contrib.sessions.backends.signed_cookies.SessionStore
    does in _get_session_key() and load() (which always compresses; plain differs only there).
    Each call derives the MAC key afresh (salted_hmac): that is what Django does per call."""
    encode = partial(signing.dumps, salt=DJANGO_SALT, serializer=JSONSerializer,
                     compress=compress)
    decode = partial(signing.loads, salt=DJANGO_SALT, serializer=JSONSerializer,
                     max_age=DJANGO_MAX_AGE)
    return encode, decode


class UncompressedURLSafeTimedSerializer(URLSafeTimedSerializer):
    """URLSafeTimedSerializer that never compresses. itsdangerous 2.1.2 has no switch for it:
    URLSafeSerializerMixin.dump_payload compresses whenever that is shorter. This skips only
    that method, keeping its base64 step; its load_payload already reads payloads without the
    '.' (compressed) mark, so loads is untouched."""

    def dump_payload(self, obj):
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


def itsdangerous_codec(compress):
    """The serializer Flask's SecureCookieSessionInterface builds, with plain json (sorted
    keys, compact) in place of Flask's tagged JSON. Each dumps/loads builds a Signer and
    derives its key (HMAC of the salt) afresh: that is what itsdangerous does per call."""
    cls = URLSafeTimedSerializer if compress else UncompressedURLSafeTimedSerializer
    s = cls(SECRET, salt=FLASK_SALT, serializer=json,
            serializer_kwargs={"separators": (",", ":"), "sort_keys": True},
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    return s.dumps, partial(s.loads, max_age=FLASK_MAX_AGE)


_flask_app = None


def flask_codec(compress):
    """Flask's own session serializer: SecureCookieSessionInterface.get_signing_serializer(app)
    (URLSafeTimedSerializer with Flask's tagged JSON, SHA-1, salt cookie-session), used inside
    an app context, as in a request (so the app's JSON provider, sorted keys, is what dumps).
    plain: the same serializer with the UncompressedURLSafeTimedSerializer class."""
    global _flask_app
    if _flask_app is None:
        _flask_app = flask.Flask("crumb_bench")
        _flask_app.secret_key = SECRET
        _flask_app.app_context().push()
    interface = SecureCookieSessionInterface()
    s = interface.get_signing_serializer(_flask_app)
    if not compress:
        s = UncompressedURLSafeTimedSerializer(
            _flask_app.secret_key, salt=interface.salt, serializer=interface.serializer,
            signer_kwargs={"key_derivation": interface.key_derivation,
                           "digest_method": interface.digest_method})
    max_age = int(_flask_app.permanent_session_lifetime.total_seconds())
    return s.dumps, partial(s.loads, max_age=max_age)


PEERS = {"peer_django": django_codec, "peer_itsdangerous": itsdangerous_codec}
if flask is not None:
    PEERS["peer_flask"] = flask_codec


def measure(op, arg, min_ns):
    """Google Benchmark's calibration: start at one iteration and grow the count by its
    prediction until one batch lasts min_ns; report that batch's mean. (Its 10x cap while a
    batch is under a tenth of min_ns is kept too.) The loop costs tens of ns an iteration,
    small beside microseconds of work."""
    iterations = 1
    while True:
        cpu0, t0 = time.process_time_ns(), time.perf_counter_ns()
        for _ in range(iterations):
            op(arg)
        real, cpu = time.perf_counter_ns() - t0, time.process_time_ns() - cpu0
        if real >= min_ns or iterations >= MAX_ITERATIONS:
            return iterations, real / iterations, cpu / iterations
        multiplier = min_ns * 1.4 / max(real, 1) if real > min_ns / 10 else 10.0
        iterations = min(MAX_ITERATIONS, max(int(multiplier * iterations), iterations + 1))


def check(name, token, decoded, session, compress):
    """A peer that is fast but wrong measures nothing: the token must exist, read back to the
    fixture, and carry the compressed mark only where compression was allowed."""
    problem = None
    if not isinstance(token, str) or not token:
        problem = f"encode gave {token!r}, not a token"
    elif decoded != session:
        problem = "decoding the token did not give back the fixture"
    elif token.startswith(".") and not compress:
        problem = "a plain case produced a compressed token"
    if problem:
        sys.exit(f"peers.py: {name}: {problem}")


def selected(name, pattern):
    """Google Benchmark's --benchmark_filter: a regex searched in the name; '-' negates."""
    if not pattern:
        return True
    if pattern.startswith("-"):
        return not re.search(pattern[1:], name)
    return bool(re.search(pattern, name))


def run(min_ns, pattern):
    results = []
    for fixture in FIXTURES:
        session = json.loads((FIXTURES_DIR / f"session_{fixture}.json").read_text("utf-8"))
        for mode in MODES:
            for peer, make_codec in PEERS.items():
                encode, decode = make_codec(compress=mode == "zlib")
                token = encode(session)
                # Checked even when filtered out: it is cheap and catches a broken peer.
                check(f"{peer}/{fixture}/{mode}", token, decode(token), session, mode == "zlib")
                for op, fn, arg in (("encode", encode, session), ("decode", decode, token)):
                    name = f"{peer}/{op}/{fixture}/{mode}"
                    if not selected(name, pattern):
                        continue
                    iterations, real_ns, cpu_ns = measure(fn, arg, min_ns)
                    print(f"{name:<42} {real_ns:>12,.0f} ns {iterations:>10}", flush=True)
                    results.append({"name": name, "run_name": name, "run_type": "iteration",
                                    "iterations": iterations, "real_time": real_ns,
                                    "cpu_time": cpu_ns, "time_unit": "ns",
                                    "token_bytes": len(token)})
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-time", type=float, default=0.3,
                        help="seconds one measured batch lasts at least (default 0.3)")
    parser.add_argument("--filter", default="", help="regex on case names, as --benchmark_filter")
    parser.add_argument("--out", help="write the JSON report here")
    args = parser.parse_args()

    settings.configure(SECRET_KEY=SECRET)
    context = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": sys.executable,
        "num_cpus": os.cpu_count(),
        "python_version": sys.version.split()[0],
        "django_version": django.get_version(),
        "itsdangerous_version": itsdangerous.__version__,
        "flask_version": getattr(flask, "__version__", None),
        "min_time": args.min_time,
    }
    benchmarks = run(int(args.min_time * 1e9), args.filter)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"context": context, "benchmarks": benchmarks}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
