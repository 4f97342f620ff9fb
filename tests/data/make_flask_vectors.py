#!/usr/bin/python3
"""Writes flask_vectors.jsonl: tokens made by the real Flask (Debian python3-flask 2.2.2,
python3-itsdangerous 2.1.2, through tests/interop/flask_peer.py) for crumb's offline
suite flask_vectors (tests/interop/flask_interop_test.cpp). Run from this folder:
    /usr/bin/python3 make_flask_vectors.py > flask_vectors.jsonl
Each line: secret, fallbacks (older keys, verifying only), salt, now (Flask's clock when
it signed), compress (false: itsdangerous kept from compressing), py (the session as
Python; fixture(name) is bench/fixtures/session_<name>.json), json (the JSON text inside the token), token, by_fallback (signed by a key that
is now a fallback). Refusal lines have no json: the token, the time it was checked ("at"),
max_age if not Flask's 31 days, and Flask's verdict ("error": invalid_signature, expired
or not_yet_valid).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import flask_peer  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "fixtures")

sessions = [
    "{}",
    "{'a': 1}",
    "{'_user_id': '7', '_fresh': True, 'csrf_token': 'c0ffee' * 7}",
    "{'unicode': 'Grüß Gott — こんにちは', 'emoji': '👋🎉🦀', 'nul': 'a\\x00b'}",
    "{'😀': 1, '\\uffff': 2, 'é': 3, 'z': 4, 'a': 5, 'A': 6, '': 7}",
    "{'floats': [0.1, 1.0, -0.0, 1e-05, 1e16, 2.5e-07, 1.7976931348623157e308, 5e-324]}",
    "{'ints': [0, -1, 9223372036854775807, -9223372036854775808]}",
    "{'nested': {'b': {'a': {'c': [1, [2, [3, {'d': None}]]]}}}}",
    "{'quote': 'He said \"hi\"\\\\n\\ttabs', 'ctl': '\\x01\\x1f\\x7f'}",
    "{'cart': list(range(100))}",
    "{'k%02d' % i: i for i in range(40, 0, -1)}",
    "{'long': 'x' * 1000}",
    "{'t': (1, 'two', 3.0), 'b': b'\\x00\\xff binary'}",
    "{'d': datetime(2024, 2, 29, 12, 34, 56, tzinfo=timezone.utc),"
    " 'u': UUID('12345678-1234-5678-1234-567812345678')}",
    "{'m': Markup('<b>bold</b> &amp; café'), 'x': {' t': [1, 2]}, 'y': {' di': ()}}",
    "{' u': 'not a uuid'}",
    "{'_flashes': [('message', 'Saved.'), ('error', 'Oops')]}",
    "{'blob': bytes(600), 'tuple': tuple(range(50))}",
]
for name in ("small", "medium", "large", "huge"):
    sessions.append("fixture('%s')" % name)


def fixture(name):
    with open(os.path.join(FIXTURES, "session_%s.json" % name), encoding="utf-8") as f:
        return json.load(f)


flask_peer.fixture = fixture  # for the "py" of the four fixtures

secrets = ["flask-vectors: 7x!k3$2p@q#w8e^r5t&y*u(i)o_p+a=s-d", "s", "clé secrète ✓"]
salts = ["cookie-session", "cookie-session", "custom-salt"]
# 1 second, Nov 2023, 2^32 (a five-byte timestamp), and 0 (an empty one).
times = [1700000000, 1, 4294967296, 0]

out = []


def vector(session, secret, salt, now, compress, fallbacks=(), signer=None):
    req = {"op": "dumps", "secret": signer or secret, "salt": salt, "now": now,
           "compress": compress, "py": session}
    answer = flask_peer.handle(req)
    line = {"secret": secret, "salt": salt, "now": now, "compress": compress, "py": session,
            "json": answer["json"], "token": answer["token"]}
    if fallbacks:
        line["fallbacks"] = list(fallbacks)
        line["by_fallback"] = signer is not None
    out.append(line)
    return line


for i, session in enumerate(sessions):
    for compress in (False, True):
        vector(session, secrets[i % 3], salts[i % 3], times[i % 4], compress)

# Key rotation: signed by the current key with a ring, and by a key that is now a fallback.
ring = ["the key of last year", "the key before that"]
vector(sessions[1], secrets[0], salts[0], times[0], True, ring)
vector(sessions[12], secrets[0], salts[0], times[0], True, ring, signer=ring[0])
vector(sessions[16], secrets[0], salts[0], times[0], True, ring, signer=ring[1])


# Refusals, each checked by Flask first.
def refusal(token, secret, at, error, max_age=None):
    req = {"op": "loads", "secret": secret, "now": at, "token": token}
    if max_age is not None:
        req["max_age"] = max_age
    answer = flask_peer.handle(req)
    assert not answer["ok"] and answer["error"] == error, answer
    line = {"secret": secret, "salt": "cookie-session", "now": at, "at": at, "token": token,
            "error": error}
    if max_age is not None:
        line["max_age"] = max_age
    out.append(line)


base = flask_peer.handle({"op": "dumps", "secret": secrets[0], "now": 1700000000,
                          "py": "{'user': 'ada', 'ids': (1, 2)}"})["token"]
payload, ts, sig = base.rsplit(".", 2)
refusal(base, secrets[0], 1700000000 + 2678401, "expired")
refusal(base, secrets[0], 1700000061, "expired", max_age=60)
refusal(base, secrets[0], 1699999999, "not_yet_valid")
refusal(base, secrets[1], 1700000000, "invalid_signature")
refusal(base[:3] + ("A" if base[3] != "A" else "B") + base[4:], secrets[0], 1700000000,
        "invalid_signature")
refusal("%s.%s.%s" % (payload, ts[:-1] + ("A" if ts[-1] != "A" else "B"), sig), secrets[0],
        1700000000, "invalid_signature")
refusal("%s.%s.%s" % (payload, ts, sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]),
        secrets[0], 1700000000, "invalid_signature")

for line in out:
    print(json.dumps(line, separators=(",", ":"), sort_keys=True))
