#!/usr/bin/python3
"""Writes django_vectors.jsonl: tokens made by the real Django (python3-django) for
crumb's offline compatibility test (tests/compat_test.cpp). Run from this folder:
    /usr/bin/python3 make_django_vectors.py > django_vectors.jsonl
Each line: secret, salt, now, compress, algorithm, json (the session as JSON text), token.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import django_peer  # noqa: E402  (configures Django)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "fixtures")
SESSION_SALT = "django.contrib.sessions.backends.signed_cookies"

sessions = [
    {},
    {"a": 1},
    {"_auth_user_id": "1", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"},
    {"unicode": "Grüß Gott — こんにちは", "emoji": "👋🎉", "nul": "a\x00b"},
    {"floats": [0.1, 1.0, -0.0, 1e-05, 1e16, 2.5e-07, 1.7976931348623157e308, 5e-324]},
    {"ints": [0, -1, 9223372036854775807, -9223372036854775808]},
    {"nested": {"a": {"b": {"c": [1, [2, [3, {"d": None}]]]}}}},
    {"quote": "He said \"hi\"\\n\ttabs", "ctl": "\x01\x1f\x7f"},
    {"cart": list(range(100))},
    {"z": 1, "a": 2, "m": 3},
    {"bools": [True, False, None]},
    {"long": "x" * 1000},
]
for name in ("small", "medium", "large", "huge"):
    with open(os.path.join(FIXTURES, "session_%s.json" % name), encoding="utf-8") as f:
        sessions.append(json.load(f))

secrets = ["django-insecure-7x!k3$2p@q#w8e^r5t&y*u(i)o_p+a=s-d", "s", "clé secrète ✓"]
salts = [SESSION_SALT, "django.core.signing", "custom-salt"]
times = [1700000000, 1, 2000000000]

out = []
for i, session in enumerate(sessions):
    for compress in (False, True):
        req = {"op": "dumps", "secret": secrets[i % 3], "salt": salts[i % 3] if i % 4 else SESSION_SALT,
               "now": times[i % 3], "compress": compress,
               "json": json.dumps(session, separators=(",", ":"))}
        req["token"] = django_peer.handle(req)["token"]
        req["algorithm"] = "sha256"
        del req["op"]
        out.append(req)
# Django 3.1/3.2 legacy SHA-1 signatures.
for i, session in enumerate(sessions[:4]):
    req = {"op": "dumps", "secret": secrets[0], "salt": SESSION_SALT, "now": times[0],
           "compress": bool(i % 2), "json": json.dumps(session, separators=(",", ":")),
           "algorithm": "sha1"}
    req["token"] = django_peer.handle(req)["token"]
    del req["op"]
    out.append(req)

for req in out:
    print(json.dumps(req, separators=(",", ":"), sort_keys=True))
