"""Weighing-station receipts: the signed quantity a recycling station measured.

A site whose `quantity_source` is "station" (a smart bin or a staffed scale) does not show
a printed code. After weighing, the station shows or prints a one-time code

    TPW1.<site>.<key version>.<receipt id>.<quantity in thousandths>.<issued at>.<signature>

signed with the site's station key (HMAC-SHA256, first 128 bits, base64url), which an
operator provisions into the station (`POST /admin/sites/{id}/station-key`). The key is
derived from SECRET_KEY, the site id and its key version, so rotating the site's key
retires the station key too. A receipt is accepted for `STATION_RECEIPT_MAX_AGE_SECONDS`
after it was issued and pays once, ever: (site, receipt id) is unique in the database,
which also stops two residents from sharing one receipt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from app.checkins.models import StationReceipt
from app.checkins.qr import InvalidQr
from app.checkins.settings import derived_key, setting
from app.db import table_of, utcnow
from app.errors import Conflict
from app.extensions import db
from app.sql import conflict_insert

PREFIX = "TPW1"
RECEIPT_FORMAT = (
    "TPW1.<site id>.<key version>.<receipt id [A-Za-z0-9_-]{6,40}>.<quantity x 1000>."
    "<issued at, unix seconds>.<base64url(HMAC-SHA256(key, everything before it))[:22]>"
)
_RECEIPT = re.compile(
    r"^TPW1\.(\d{1,12})\.(\d{1,6})\.([A-Za-z0-9_-]{6,40})\.(\d{1,12})\.(\d{1,12})\."
    r"([A-Za-z0-9_-]{22})$"
)
FUTURE_SKEW_SECONDS = 300  # a station's clock may run a little ahead

_receipts = table_of(StationReceipt)


class ReceiptAlreadyUsed(Conflict):
    reason, message = "receipt_already_used", "这张称重小票已经打过卡"


@dataclass(frozen=True)
class Receipt:
    site_id: int
    key_version: int
    receipt_id: str
    quantity_milli: int
    issued_at: int  # seconds since the epoch


def station_key(site_id: int, key_version: int) -> bytes:
    """The 32-byte key a site's weighing station signs its receipts with."""
    message = f"{site_id}.{key_version}".encode()
    return hmac.new(derived_key(b"site-station"), message, hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def sign_receipt(
    key: bytes,
    site_id: int,
    key_version: int,
    receipt_id: str,
    quantity_milli: int,
    issued_at: int | None = None,
) -> str:
    """The code a station shows after weighing (what station firmware implements)."""
    issued = int(time.time() if issued_at is None else issued_at)
    body = f"{PREFIX}.{site_id}.{key_version}.{receipt_id}.{quantity_milli}.{issued}"
    return f"{body}.{_signature(key, body)}"


def is_receipt(token: str) -> bool:
    """Whether `token` looks like a weighing-station receipt (by its prefix only, unchecked)."""
    return isinstance(token, str) and token.strip().startswith(PREFIX + ".")


def parse_receipt(token: str, now: float | None = None) -> Receipt:
    """Check a receipt's signature and age. Raises InvalidQr (400 `invalid_qr`)."""
    text = token.strip()
    match = _RECEIPT.match(text)
    if not match:
        raise InvalidQr()
    receipt = Receipt(int(match[1]), int(match[2]), match[3], int(match[4]), int(match[5]))
    key = station_key(receipt.site_id, receipt.key_version)
    if not hmac.compare_digest(_signature(key, text.rsplit(".", 1)[0]), match[6]):
        raise InvalidQr()
    age = (time.time() if now is None else now) - receipt.issued_at
    if not -FUTURE_SKEW_SECONDS <= age <= setting("STATION_RECEIPT_MAX_AGE_SECONDS"):
        raise InvalidQr("称重小票已过期，请在称重后尽快扫码")
    if receipt.quantity_milli <= 0:
        raise InvalidQr()
    return receipt


def claim_receipt(receipt: Receipt, user_id: int) -> None:
    """Mark a receipt used by this resident (one statement; a used receipt inserts
    nothing). Raises ReceiptAlreadyUsed (409)."""
    stmt = (
        conflict_insert(_receipts)
        .values(
            site_id=receipt.site_id,
            receipt_id=receipt.receipt_id,
            user_id=user_id,
            quantity_milli=receipt.quantity_milli,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[_receipts.c.site_id, _receipts.c.receipt_id])
        .returning(_receipts.c.id)
    )
    if db.session.execute(stmt).first() is None:
        raise ReceiptAlreadyUsed()
