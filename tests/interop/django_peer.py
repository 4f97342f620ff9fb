#!/usr/bin/python3
"""The real Django on the other end of crumb's interop tests.

Reads one JSON request per line on stdin and answers one JSON line each on stdout:
  {"op": "dumps", "secret", "salt", "now", "compress", "json"[, "algorithm"]} -> {"token"}
  {"op": "loads", "secret", "salt", "now", "max_age", "token"}  -> {"ok", "json" | "error"}
"json" carries JSON text, so both sides parse and write it themselves. "now" fixes
time.time() the way crumb's fixed_clock does. Uses the system's python3-django.
"""
import json
import sys
from unittest import mock

import django
from django.conf import settings

settings.configure(SECRET_KEY="unused: every call passes its key", USE_TZ=True)
django.setup()

from django.core import signing  # noqa: E402  (needs settings first)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def handle(req):
    with mock.patch("django.core.signing.time.time", return_value=req["now"]):
        if req["op"] == "dumps":
            obj = json.loads(req["json"])
            signer = signing.TimestampSigner(req["secret"], salt=req["salt"],
                                             algorithm=req.get("algorithm", "sha256"))
            token = signer.sign_object(obj, compress=req["compress"])
            return {"token": token}
        if req["op"] == "loads":
            try:
                obj = signing.loads(req["token"], key=req["secret"], salt=req["salt"],
                                    max_age=req["max_age"])
            except signing.SignatureExpired:
                return {"ok": False, "error": "expired"}
            except signing.BadSignature:
                return {"ok": False, "error": "invalid_signature"}
            return {"ok": True, "json": compact(obj)}
    raise ValueError("unknown op %r" % req["op"])


def main():
    print(compact({"django": django.get_version()}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(compact(handle(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
