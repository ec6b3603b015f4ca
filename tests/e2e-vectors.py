#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Known-answer vectors for tests/test-e2e-frame.c and tests/test-join-sign.c,
computed here with
Python's hmac/hashlib (HKDF, RFC 5869) and the `cryptography` package's
AESGCM and ChaCha20Poly1305, independently of GnuTLS and of our C code:
the frame key and the sealed e2e body (a sender's first counter, 0, and
a later one) that docs/PROTOCOL.md ("End-to-end
frames") defines, for both suites; and the join key pair and a proof of
join-sign.h, with the package's Ed25519. Prints C initialisers; the tests
pin its output. Run: python3 tests/e2e-vectors.py"""
import hashlib
import hmac

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

E2E_KEY = bytes(range(0x40, 0x60))
ROOM = b"party"
SENDER = bytes.fromhex("02aabbccddee")
EPOCH = (1765000000123 << 20) | 0xABCDE
COUNTER = 0x0102030405
FRAME = bytes.fromhex("ffffffffffff" "02aabbccddee" "0806") + bytes(range(28))


def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def frame_key(suite):
    info = (b"lanparty/3 frame key" + bytes([suite, len(ROOM)]) + ROOM + SENDER + EPOCH.to_bytes(8, "big"))
    return hkdf(E2E_KEY, b"lanparty/3 frame", info)


def seal(suite, counter):
    header = FRAME[:12] + EPOCH.to_bytes(8, "big") + bytes([suite]) + counter.to_bytes(7, "big")
    nonce = bytes(5) + counter.to_bytes(7, "big")
    aead = AESGCM if suite == 1 else ChaCha20Poly1305
    return header + aead(frame_key(suite)).encrypt(nonce, FRAME[12:], header)


def c_bytes(name, b):
    rows = [", ".join(f"0x{x:02x}" for x in b[i:i + 12]) for i in range(0, len(b), 12)]
    return f"static const uint8_t {name}[] = {{\n        " + ",\n        ".join(rows) + ",\n};"


# The HKDF above gives RFC 5869's test case 1 before it is trusted.
assert hkdf(bytes([0x0b] * 22), bytes(range(13)), bytes(range(0xf0, 0xfa)), 42).hex() == (
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")


for suite, name in ((1, "aes"), (2, "chacha")):
    print(c_bytes(f"kat_{name}_key", frame_key(suite)))
    print(c_bytes(f"kat_{name}_sealed_first", seal(suite, 0)))
    print(c_bytes(f"kat_{name}_sealed", seal(suite, COUNTER)))

# join-sign.h: room key 0x42 * 32, exporter 0xe1 * 32, room "party", MAC
# 02:11:22:33:44:55.
ROOM_KEY = bytes([0x42] * 32)
seed = hkdf(ROOM_KEY, b"lanparty/2 room", b"lanparty/3 join")
key = Ed25519PrivateKey.from_private_bytes(seed)
pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
message = b"lanparty/3 join" + bytes([0xe1] * 32) + bytes([len(ROOM)]) + ROOM + bytes.fromhex("021122334455")
print(c_bytes("kat_join_seed", seed))
print(c_bytes("kat_join_pub", pub))
print(c_bytes("kat_join_proof", key.sign(message)))
