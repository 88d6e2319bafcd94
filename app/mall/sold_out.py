"""Sold out, answered before the database: a marker in Redis under the offer list's
generation (app/cache.py, catalog.GEN_KEY).

When a redemption reads a live offer with no stock left it leaves a marker tagged with
the generation read before that read; the crowd that keeps asking afterwards is told
409 `out_of_stock` from the marker, read in the session's round trip (app/auth.py
`read_with_session`), with no offer, merchant or freeze read. Every commit that can
bring stock back (a stock edit, a cancellation, the coupons of a deleted account) or
change what is sellable (pause, take-down, a merchant frozen) bumps that generation, so the
marker stops counting at once; it also lasts no longer than `TTL_SECONDS`, nor beyond
the end of the sale, so "sale over" is never answered as "sold out".

The marker can only refuse, never sell: the conditional stock UPDATE stays the
authority. What it skips is only what a refusal that moves nothing does not need: the
freeze check guards writes that move points (docs/decisions/0941), so a frozen resident
asking for a sold-out offer is told it is sold out. The Idempotency-Key's replay is read
before, as for any request (a retry of the purchase that took the last unit still gets
its coupon back). docs/decisions/1009.
"""

from __future__ import annotations

from datetime import datetime

from app import cache
from app.mall import catalog
from app.mall.models import Offer

TTL_SECONDS = 30
_KEY = "mall:sold-out:{offer_id}"

# What the session's round trip read: (generation, current payload or None), as
# cache.read returns them.
Read = tuple[str | None, str | None]


def keys(offer_id: int) -> tuple[str, str]:
    """(generation key, marker key) of one offer."""
    return catalog.GEN_KEY, _KEY.format(offer_id=int(offer_id))


def read_late(offer_id: int) -> Read:
    """The marker read on its own, when the session's round trip did not read it: good to
    refuse with, not to leave a marker with. This transaction may have read before (a
    session loaded from the database), and on SQLite its reads come from the snapshot of
    its first one, older than the generation read now; so no generation comes back."""
    return None, cache.read(*keys(offer_id))[1]


def known(marker: Read) -> bool:
    """Whether the offer was sold out at the current generation."""
    return marker[1] is not None


def remember(offer: Offer, marker: Read, now: datetime) -> None:
    """The live offer read with no stock left: say so under the generation `marker` was
    read with (before this transaction's first query), for as long as the sale lasts, at
    most TTL_SECONDS. Nothing is written for a marker without a generation."""
    ttl = float(TTL_SECONDS)
    for end in (offer.sale_ends_at, offer.valid_until):
        if end is not None:
            ttl = min(ttl, (end - now).total_seconds())
    if ttl >= 1:
        cache.write(keys(offer.id)[1], marker[0], "1", int(ttl))
