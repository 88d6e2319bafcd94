"""Keys derived from SECRET_KEY: one HKDF-SHA256 derivation per (salt, purpose).

Every secret the app keeps at rest or signs with (WeChat session keys, site QR codes,
partner secrets) uses its own derived key, so no two purposes share key material.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret_key: str, salt: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for `purpose`, derived from the app's SECRET_KEY."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(
        secret_key.encode()
    )


def fernet_for(key: bytes) -> Fernet:
    """Authenticated encryption with a derived key."""
    return Fernet(base64.urlsafe_b64encode(key))
