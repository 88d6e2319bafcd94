"""Coupon codes and coupon validity.

- `code`: the QR payload, `secrets.token_urlsafe(20)` = 160 random bits (27 characters):
  unguessable even with the whole coupon table known, so it alone proves the coupon.
- `short_code`: 10 random digits for a clerk to type when the camera fails. 10^10 is not
  unguessable on its own; it is only accepted together with the clerk's merchant scope
  and wrong codes are rate limited per clerk (see docs/decisions/0300).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, time, timedelta

from app.clock import SHANGHAI
from app.mall.models import Offer

CODE_BYTES = 20
SHORT_CODE_DIGITS = 10
_SHORT_CODE_INPUT = re.compile(r"[\d\s-]+")


def new_code() -> str:
    """A new random redemption code (URL-safe, for the QR)."""
    return secrets.token_urlsafe(CODE_BYTES)


def new_short_code() -> str:
    """A new random short numeric code, for typing in at the counter."""
    return f"{secrets.randbelow(10**SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"


def parse_short_code(text: str) -> str | None:
    """The 10 digits of a typed short code ("123 456 7890" is fine), or None if `text`
    is not one (then it is a full code)."""
    if not _SHORT_CODE_INPUT.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == SHORT_CODE_DIGITS else None


def coupon_validity(offer: Offer, redeemed_at: datetime) -> tuple[datetime | None, datetime]:
    """(valid_from, expires_at) of a coupon redeemed now.

    Fixed window: the offer's own. N days: until the end of the Asia/Shanghai day that is
    N days after the redemption day, so a coupon always has at least N full days.
    """
    if offer.valid_until is not None:
        return offer.valid_from, offer.valid_until
    local_day = redeemed_at.astimezone(SHANGHAI).date()
    # mypy: an offer without a fixed window (valid_until) has valid_days.
    end = datetime.combine(local_day + timedelta(days=offer.valid_days + 1), time.min, SHANGHAI)  # type: ignore[operator]
    return None, end.astimezone(UTC)
