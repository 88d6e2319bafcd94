"""Signed site QR payloads: `TPH1.<site>.<key version>.<window>.<signature>`.

The signature is a truncated HMAC-SHA256 (128 bits) with a key derived from SECRET_KEY,
so nobody can make a code for a site, nor change a site id, key version or window in one.
`window` is 0 for a printed (static) code; for a site shown on a screen it is the
number of `rotation_seconds` periods since the epoch, and a code is accepted only in its
own window and the `QR_GRACE_WINDOWS` after it, so a screenshot stops working minutes
later. Bumping a site's key version retires every code made before.
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
from app.errors import BadRequest

PREFIX = "TPH1"
_PAYLOAD = re.compile(r"^TPH1\.(\d{1,12})\.(\d{1,6})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


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
