#!/usr/bin/python3
"""crumb's native token (docs/format.md) written again from the spec, with Python's
standard library only, against tests/data/native_vectors.jsonl:
  - every key id is BLAKE2b-128(b"crumb key id", key=master)[:4];
  - every signed vector is sealed here byte for byte (keys, header, zlib, HMAC, base64url);
  - every token's header reads back as the vector says (version, flags, key id, times),
    and an encrypted token is exactly header + 24-byte nonce + payload + 16-byte tag long.
No XChaCha20-Poly1305 in the standard library: encrypted payloads are checked by
tests/native_vectors_test.cpp. docs/format.md's worked example of the keys is computed
again, and every token it quotes must be a vector.
Usage: native_independent.py [native_vectors.jsonl [format.md]]
"""
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import zlib

VERSION = 1
FLAG_ENCRYPTED = 0x01
FLAG_COMPRESSED = 0x02
USES = {("cookie", "mac"): 1, ("cookie", "aead"): 2,
        ("store_entry", "mac"): 3, ("store_entry", "aead"): 4}


def varint(n):
    """Unsigned LEB128, shortest form."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def read_varint(raw, at):
    value, shift = 0, 0
    while True:
        byte = raw[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte & 0x80 == 0:
            assert byte != 0 or shift == 0, "varint not in shortest form"
            return value, at
        shift += 7
        assert shift < 63, "varint longer than 9 bytes"


def master_key(secret):
    return hashlib.blake2b(secret.encode(), digest_size=32,
                           key=b"crumb native master key v1").digest()


def key_id(secret):
    return hashlib.blake2b(b"crumb key id", digest_size=16, key=master_key(secret)).digest()[:4]


def kdf(master, subkey_id, context=b"crumb_v1"):
    """libsodium's crypto_kdf_derive_from_key (BLAKE2b): salt = id as 8 little-endian
    bytes, person = the 8-byte context, each zero-padded to 16 bytes; empty message."""
    return hashlib.blake2b(b"", digest_size=32, key=master,
                           salt=subkey_id.to_bytes(8, "little"), person=context).digest()


def bound_key(secret, use, purpose, cookie_name):
    p, c = purpose.encode(), cookie_name.encode()
    bound = varint(len(p)) + p + varint(len(c)) + c
    return hashlib.blake2b(bound, digest_size=32, key=kdf(master_key(secret), use)).digest()


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def payload_of(json_text, compress):
    """The vectors' streams: zlib level 6, 15-bit window, memLevel 4, which for these
    inputs is what crumb's own deflater writes (any zlib stream reads back); used when it
    saves at least one byte."""
    data = json_text.encode()
    if compress and len(data) > 1:
        assert len(data) <= 1024, "longer JSON goes through libdeflate: not reproducible here"
        z = zlib.compressobj(6, zlib.DEFLATED, 15, 4)
        packed = z.compress(data) + z.flush()
        if len(packed) + 1 <= len(data):
            return packed, True
    return data, False


def lifetime_of(v):
    if v["renewing_expires_at"]:
        return max(1, v["renewing_expires_at"] - v["now"])
    return max(1, v["max_age"]) if v["max_age"] is not None else 0


def header_of(v, compressed):
    flags = (FLAG_ENCRYPTED if v["mode"] == "encrypted" else 0) | (
        FLAG_COMPRESSED if compressed else 0)
    idle = max(1, v["idle_timeout"]) if v["idle_timeout"] is not None else 0
    return (bytes([VERSION, flags]) + key_id(v["secret"]) + varint(max(0, v["now"])) +
            varint(lifetime_of(v)) + varint(idle))


def seal_signed(v):
    payload, compressed = payload_of(v["json"], v["compress"])
    signed = header_of(v, compressed) + payload
    key = bound_key(v["secret"], USES[(v["for"], "mac")], v["purpose"], v["cookie_name"])
    return b64(signed + hmac.new(key, signed, hashlib.sha256).digest()[:16])


def check(v):
    name = v["name"]
    assert key_id(v["secret"]).hex() == v["key_id"], name
    # crumb writes JSON as Python's json.dumps(obj, separators=(",", ":")) does.
    assert json.dumps(json.loads(v["json"]), separators=(",", ":")) == v["json"], name
    raw = unb64(v["token"])
    assert b64(raw) == v["token"], name + ": base64url not canonical"
    payload, compressed = payload_of(v["json"], v["compress"])
    header = header_of(v, compressed)
    assert raw.startswith(header), name + ": header"
    assert compressed == v["compressed"], name
    at = 6
    issued, at = read_varint(raw, at)
    lifetime, at = read_varint(raw, at)
    idle, at = read_varint(raw, at)
    assert at == len(header) and issued == v["now"], name
    # What a reader with the vector's options reports: the token's limits capped by its own.
    end = issued + lifetime if lifetime else 0
    if v["max_age"] is not None:
        end = issued + v["max_age"] if end == 0 else min(end, issued + v["max_age"])
    if v["idle_timeout"] is not None and (idle == 0 or v["idle_timeout"] < idle):
        idle = max(1, v["idle_timeout"])
    assert end == v["expires_at"], name
    assert (issued + max(1, idle // 2) if idle else 0) == v["refresh_at"], name
    if v["mode"] == "signed":
        assert seal_signed(v) == v["token"], name + ": signed token differs"
    else:
        assert len(raw) == len(header) + 24 + len(payload) + 16, name + ": length"


def check_doc(text, vectors):
    """docs/format.md: its worked example of the keys, and every token it quotes is a vector."""
    fields = dict(re.findall(r"^(secret|master|key_id|sub\(1\)|key\(1\)|key\(2\)) +(.+)$",
                             text.split("Worked example", 1)[1], re.M)[:6])
    secret = fields["secret"]
    m = master_key(secret)
    assert fields["master"] == m.hex(), "docs: master"
    assert fields["key_id"] == key_id(secret).hex(), "docs: key_id"
    assert fields["sub(1)"] == kdf(m, 1).hex(), "docs: sub(1)"
    assert fields["key(1)"] == bound_key(secret, 1, "crumb.session", "sessionid").hex(), "key(1)"
    assert fields["key(2)"] == bound_key(secret, 2, "crumb.session", "sessionid").hex(), "key(2)"
    quoted = re.findall(r"^token +(\S+)$", text, re.M)
    assert len(quoted) >= 6, "docs: too few vectors"
    tokens = {v["token"] for v in vectors}
    for t in quoted:
        assert t in tokens, "docs: %s is not in native_vectors.jsonl" % t


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data",
                                                              "native_vectors.jsonl")
    doc = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "docs",
                                                             "format.md")
    with open(path, encoding="utf-8") as f:
        vectors = [json.loads(line) for line in f if line.strip()]
    signed = sum(v["mode"] == "signed" for v in vectors)
    assert signed >= 8 and len(vectors) - signed >= 8, "too few vectors"
    for v in vectors:
        check(v)
    with open(doc, encoding="utf-8") as f:
        check_doc(f.read(), vectors)
    print("native_independent: %d vectors (%d signed, sealed byte for byte), docs/format.md" %
          (len(vectors), signed))


if __name__ == "__main__":
    main()
