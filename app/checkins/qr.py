"""Signed site QR payloads: `TPH1.<site>.<key version>.<window>.<signature>`.

The signature is a truncated HMAC-SHA256 (128 bits) with a key derived from SECRET_KEY,
so nobody can make a code for a site, nor change a site id, key version or window in one.
`window` is 0 for a printed (static) code; for a site shown on a screen it is the
number of `rotation_seconds` periods since the epoch, and a code is accepted only in its
own window and the `QR_GRACE_WINDOWS` after it, so a screenshot stops working minutes
later. Bumping a site's key version retires every code made before.

A mini-program code (wxacode, from WeChat's getwxacodeunlimit) carries a `scene` of at most
32 characters instead, too short for the payload, so it gets its own short form

    s=<site id, base 36>.<window, base 36>.<signature>

whose signature (HMAC-SHA256 under a key of its own, as many base64url characters as the
32 leave, up to 16: 96 bits, 90 for site ids past 36^6 or one-second windows, never
under 72) covers the site id, the site's *current* key version and
the window. The key version is not written out: the server signs and checks with the
version it holds, so bumping it retires short codes exactly like long ones, and the
window rules are the same (docs/decisions/0947).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from app.checkins.settings import derived_key, setting
from app.errors import BadRequest, Unprocessable

PREFIX = "TPH1"
_PAYLOAD = re.compile(r"^TPH1\.(\d{1,12})\.(\d{1,6})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")
SCENE_PREFIX = "s="
SCENE_MAX = 32  # WeChat: a scene holds at most 32 visible characters
_SCENE = re.compile(r"^s=([0-9a-z]{1,13})\.([0-9a-z]{1,13})\.([A-Za-z0-9_-]{12,16})$")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class InvalidQr(BadRequest):
    reason, message = "invalid_qr", "二维码无效"


@dataclass(frozen=True)
class SitePayload:
    site_id: int
    key_version: int
    window: int


def _signature(body: str) -> str:
    digest = hmac.new(derived_key(b"site-qr"), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def current_window(rotation_seconds: int, now: float | None = None) -> int:
    """The rotation window a code made now carries (0 for static codes)."""
    if rotation_seconds <= 0:
        return 0
    return int((now if now is not None else time.time()) // rotation_seconds)


def sign_payload(
    site_id: int, key_version: int, rotation_seconds: int, now: float | None = None
) -> tuple[str, datetime | None]:
    """The string a site's QR encodes now, and when it stops being accepted (None: never)."""
    window = current_window(rotation_seconds, now)
    body = f"{PREFIX}.{site_id}.{key_version}.{window}"
    expires_at = None
    if rotation_seconds > 0:
        end = (window + 1 + setting("QR_GRACE_WINDOWS")) * rotation_seconds
        expires_at = datetime.fromtimestamp(end, UTC)
    return f"{body}.{_signature(body)}", expires_at


def base36(value: int) -> str:
    """A non-negative integer in base 36 (0-9a-z), as the short mini-program scene writes it."""
    digits = ""
    while True:
        value, rest = divmod(value, 36)
        digits = _BASE36[rest] + digits
        if not value:
            return digits


def scene_signature(body: str, key_version: int, purpose: bytes = b"site-qr-scene") -> str:
    """The signature of a short scene `body` (everything before its last dot), as long as
    the 32 characters leave (at most 16), over the body and the key version."""
    length = min(16, SCENE_MAX - len(body) - 1)
    digest = hmac.new(derived_key(purpose), f"{body}|{key_version}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode()[:length]


def sign_scene(
    site_id: int, key_version: int, rotation_seconds: int, now: float | None = None
) -> str:
    """The `scene` of the site's mini-program code now (see the module docstring)."""
    window = current_window(rotation_seconds, now)
    body = f"{SCENE_PREFIX}{base36(site_id)}.{base36(window)}"
    if SCENE_MAX - len(body) - 1 < 12:  # never below 72 bits of signature
        raise Unprocessable("该打卡点的编号过长，无法生成小程序码", reason="scene_too_long")
    return f"{body}.{scene_signature(body, key_version)}"


def is_scene(token: str) -> bool:
    """Whether `token` looks like a short mini-program scene (by its prefix only, unchecked)."""
    return isinstance(token, str) and token.strip().startswith(SCENE_PREFIX)


def parse_scene(scene: str) -> tuple[int, int, str, str]:
    """(site id, window, body, signature) of a short scene, not yet verified (the key
    version is the site's). Raises InvalidQr."""
    match = _SCENE.match(scene.strip()) if isinstance(scene, str) else None
    if not match or len(scene.strip()) > SCENE_MAX:
        raise InvalidQr()
    body = scene.strip().rsplit(".", 1)[0]
    return int(match[1], 36), int(match[2], 36), body, match[3]


def check_scene(body: str, signature: str, key_version: int) -> None:
    """Raises InvalidQr unless `signature` is the body's under this key version."""
    if not hmac.compare_digest(scene_signature(body, key_version), signature):
        raise InvalidQr()


def parse_payload(payload: str) -> SitePayload:
    """Check the signature of a scanned code. Raises InvalidQr (400 `invalid_qr`)."""
    match = _PAYLOAD.match(payload.strip()) if isinstance(payload, str) else None
    if not match:
        raise InvalidQr()
    body = payload.strip().rsplit(".", 1)[0]
    if not hmac.compare_digest(_signature(body), match[4]):
        raise InvalidQr()
    return SitePayload(int(match[1]), int(match[2]), int(match[3]))


def check_window(parsed: SitePayload, rotation_seconds: int, now: float | None = None) -> None:
    """A rotating site's code must be from this window or a grace window just before.

    Raises InvalidQr.
    """
    if rotation_seconds <= 0:
        if parsed.window != 0:
            raise InvalidQr()
        return
    current = current_window(rotation_seconds, now)
    if not current - setting("QR_GRACE_WINDOWS") <= parsed.window <= current:
        raise InvalidQr("二维码已过期，请扫描现场最新的二维码")
