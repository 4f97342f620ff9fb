#!/usr/bin/python3
"""The real Flask on the other end of crumb's flask interop tests.

Reads one JSON request per line on stdin and answers one JSON line each on stdout. The
session to sign is given as JSON text ("json") or as a Python expression ("py", with
datetime, timezone, timedelta, UUID and Markup in scope) for the values only Flask's
tagged JSON carries (tuples, bytes, datetimes, UUIDs, Markup, dicts keyed like a tag).
  {"op": "dumps", "secret", ["fallbacks"], ["salt"], "now", ["compress"], "json" | "py"}
      -> {"token", "json": the JSON text inside the token, "compressed"}
  {"op": "loads", "secret", ["fallbacks"], ["salt"], "now", ["max_age"], "token",
   ["json" | "py"]}
      -> {"ok": true, "json": the loaded value written again by Flask, "repr",
          ["same": whether it is the expected Python value, types included]}
       | {"ok": false, "error", "exception", "message"}
  {"op": "sign", "secret", ["salt"], "value"} -> {"token": value "." signature}
  {"op": "request", "secret", "now", ["cookie"], ["json" | "py"]}
      -> {"json": the session Flask opened from the cookie, "cookie": the Set-Cookie
          value after the session was updated with the given value, or null}
"now" fixes time.time() (as crumb's fixed_clock; fractions allowed). "max_age" defaults to
Flask's PERMANENT_SESSION_LIFETIME (31 days); null turns the age check off. "compress":
false stops itsdangerous from compressing (its zlib.compress made to lose), so tokens of
any size can be compared with crumb's uncompressed ones; by default it compresses when that
saves 2 bytes, as always. "fallbacks": older secrets that still verify, as Flask 3.1's
SECRET_KEY_FALLBACKS: the serializer gets [*fallbacks, secret], an itsdangerous key list
whose last key signs (Flask 2.2 passes app.secret_key through as it is, so a list there
works the same). Errors: "invalid_signature" (BadSignature and its subclasses), "expired"
and "not_yet_valid" (SignatureExpired, for an age above max_age or below 0), "bad_payload"
(BadPayload: signed, but not base64, zlib or JSON), "crash" (any other exception: Flask would
answer 500). Uses the system's python3-flask (Debian: 2.2.2, itsdangerous 2.1.2).
"""
import hashlib
import importlib.metadata
import json
import math
import sys
import zlib
from datetime import datetime, timedelta, timezone  # noqa: F401  (for "py")
from unittest import mock
from uuid import UUID  # noqa: F401  (for "py")

from flask import Flask, session
from itsdangerous import BadPayload, BadSignature, SignatureExpired, Signer
from itsdangerous.encoding import base64_decode
from markupsafe import Markup  # noqa: F401  (for "py")

app = Flask("crumb_interop")
app.secret_key = "replaced by every request"
app.logger.disabled = True  # the 500s the tests provoke: their status is the answer
SESSION_SALT = app.session_interface.salt
_update = None  # what the /session view puts into the session


@app.route("/session")
def session_view():
    seen = app.session_interface.serializer.dumps(dict(session))
    if _update is not None:
        session.update(_update)
    return seen


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def value_of(req):
    if "py" in req:
        return eval(req["py"])  # noqa: S307  (the test's own expressions)
    return json.loads(req["json"])


def same(a, b):
    """== as Python sees it, and the same types all the way down (Markup is not str, a
    tuple is not a list, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


def configure(req):
    """Flask's own serializer for this request's keys and salt."""
    keys = [*req.get("fallbacks", []), req["secret"]]
    app.secret_key = keys if len(keys) > 1 else keys[0]
    app.session_interface.salt = req.get("salt", SESSION_SALT)
    return app.session_interface.get_signing_serializer(app)


def payload_json(token):
    payload = token.rsplit(".", 2)[0]
    if payload.startswith("."):
        return zlib.decompress(base64_decode(payload[1:])).decode()
    return base64_decode(payload).decode()


def dumps(req):
    s = configure(req)
    if req.get("compress", True):
        token = s.dumps(value_of(req))
    else:
        with mock.patch("itsdangerous.url_safe.zlib.compress", lambda data: data + b"--"):
            token = s.dumps(value_of(req))
    return {"token": token, "json": payload_json(token), "compressed": token.startswith(".")}


def loads(req):
    s = configure(req)
    default_max_age = int(app.permanent_session_lifetime.total_seconds())
    try:
        obj = s.loads(req["token"], max_age=req.get("max_age", default_max_age))
    except SignatureExpired as e:
        future = int(e.date_signed.timestamp()) > int(req["now"])
        return failure("not_yet_valid" if future else "expired", e)
    except BadSignature as e:
        return failure("invalid_signature", e)
    except BadPayload as e:
        return failure("bad_payload", e)
    except Exception as e:  # noqa: BLE001  (what open_session would let through)
        return failure("crash", e)
    answer = {"ok": True, "json": s.serializer.dumps(obj), "repr": repr(obj)}
    if "py" in req or "json" in req:
        answer["same"] = same(obj, value_of(req))
    return answer


def failure(error, e):
    return {"ok": False, "error": error, "exception": type(e).__name__, "message": str(e)}


def request(req):
    global _update
    configure(req)
    _update = value_of(req) if "py" in req or "json" in req else None
    headers = {"Cookie": "session=" + req["cookie"]} if req.get("cookie") else {}
    # Without the client's cookie jar, which would replace the Cookie header with its own.
    response = app.test_client(use_cookies=False).get("/session", headers=headers)
    cookie = None
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            cookie = header[len("session="):].split(";", 1)[0]
    return {"status": response.status_code, "json": response.get_data(as_text=True),
            "cookie": cookie}


def sign(req):
    signer = Signer(req["secret"], salt=req.get("salt", SESSION_SALT),
                    key_derivation=app.session_interface.key_derivation,
                    digest_method=hashlib.sha1)
    return {"token": signer.sign(req["value"]).decode()}


def handle(req):
    # The request context gives Flask's JSON provider (sorted keys, ASCII), as in a request.
    with mock.patch("itsdangerous.timed.time.time", return_value=req.get("now", 0)), \
            app.test_request_context():
        op = {"dumps": dumps, "loads": loads, "sign": sign}.get(req["op"])
        if op is not None:
            return op(req)
    if req["op"] == "request":
        with mock.patch("itsdangerous.timed.time.time", return_value=req["now"]):
            return request(req)
    raise ValueError("unknown op %r" % req["op"])


def main():
    version = importlib.metadata.version
    print(compact({"flask": version("flask"), "itsdangerous": version("itsdangerous")}),
          flush=True)
    for line in sys.stdin:
        if line.strip():
            print(compact(handle(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
