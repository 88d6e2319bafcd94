"""The short public id (公开编号) a resident reads out to customer service: 8 characters
of Crockford base32 (no I, L, O, U: nothing to mistake on a phone screen or on the phone).

It is the user id put through a keyed permutation of 40 bits (a four-round Feistel
network whose round function is HMAC-SHA256 with a key derived from SECRET_KEY), then
written in base 32. So it is stable (the same id always gives the same code), unique
without a column or an index (a permutation never maps two ids to one code), decodable
for the operators' search, and says nothing about the id or the sign-up order to anyone
without the key. Ids beyond 2^40 (about 10^12 accounts) have no code.
Typing is forgiving: lower case, dashes and spaces are ignored, O reads as 0, I and L as 1.
A mistyped code decodes to some other number, which is almost never an account (with a
million residents, one chance in a million).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from flask import current_app

from app.keys import derive_key

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
BITS = 5 * LENGTH
_HALF = BITS // 2
_MASK = (1 << _HALF) - 1
_ROUNDS = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


@functools.lru_cache(maxsize=4)
def _key(secret_key: str) -> bytes:
    return derive_key(secret_key, b"public-code", b"users:public-code:v1")


def _round(key: bytes, number: int, half: int) -> int:
    digest = hmac.new(key, bytes([number]) + half.to_bytes(3, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:3], "big") & _MASK


def encode(user_id: int) -> str | None:
    """The public code of a user id, or None for an id outside 1..2^40-1."""
    if not 0 < user_id < (1 << BITS):
        return None
    key = _key(current_app.config["SECRET_KEY"])
    left, right = user_id >> _HALF, user_id & _MASK
    for number in range(_ROUNDS):
        left, right = right, left ^ _round(key, number, right)
    value = (left << _HALF) | right
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def decode(text: str) -> int | None:
    """The user id a (possibly sloppily typed) code stands for, or None if it is no code."""
    code = text.upper().translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    value = 0
    for ch in code:
        value = (value << 5) | ALPHABET.index(ch)
    key = _key(current_app.config["SECRET_KEY"])
    left, right = value >> _HALF, value & _MASK
    for number in reversed(range(_ROUNDS)):
        left, right = right ^ _round(key, number, left), left
    user_id = (left << _HALF) | right
    return user_id or None
