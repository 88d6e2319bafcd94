"""What residents see: live offers. The list page is cached in Redis at the API
(app/view_cache.py, app/mall/api.py).

A page of the list is cached for `LIST_TTL_SECONDS` under a generation number that every
committed offer change bumps: edits, approval, pause, take-down, a merchant frozen or
unfrozen, and every redemption or cancellation (stock_left), so a resident never sees a
page older than the last commit.
During a flash sale the bumps make most reads rebuild the page (two queries), which is
what every read cost before the cache.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from app import cache
from app.db import utcnow
from app.extensions import db
from app.mall.errors import OfferNotFound, OfferNotLive
from app.mall.models import OFFER_LIVE, Offer, OfferRedemptionCounter
from app.merchants import service as merchants
from app.pagination import paginate_desc

LIST_TTL_SECONDS = 30  # of a cached list page (app/mall/api.py)
GEN_KEY = "mall:offers:gen"


def _live_conditions(now: datetime) -> tuple:
    return (
        Offer.status == OFFER_LIVE,
        Offer.merchant_id.in_(merchants.active_merchant_ids_filter()),
        or_(Offer.sale_ends_at.is_(None), Offer.sale_ends_at > now),
        or_(Offer.valid_until.is_(None), Offer.valid_until > now),
    )


def check_sellable(offer: Offer, now: datetime) -> None:
    """Raise OfferNotLive (409 `offer_not_live`) unless residents may redeem it now."""
    if offer.status != OFFER_LIVE or not merchants.is_merchant_active(offer.merchant_id):
        raise OfferNotLive()
    if offer.sale_starts_at is not None and now < offer.sale_starts_at:
        raise OfferNotLive("秒杀尚未开始", starts_at=offer.sale_starts_at.isoformat())
    if offer.sale_ends_at is not None and now >= offer.sale_ends_at:
        raise OfferNotLive("兑换已结束")
    if offer.valid_until is not None and now >= offer.valid_until:
        raise OfferNotLive("兑换已结束")


def offer_view(offer: Offer, place: dict | None) -> dict:
    """The resident's view of an offer (plain values), with where to use it (`place`:
    merchants.merchant_places)."""
    return {
        "id": offer.id,
        "merchant": place or {"id": offer.merchant_id, "name": ""},
        "title": offer.title,
        "description": offer.description,
        "points_price": offer.points_price,
        "stock_total": offer.stock_total,
        "stock_left": offer.stock_left,
        "per_user_limit": offer.per_user_limit,
        "valid_days": offer.valid_days,
        "valid_from": offer.valid_from,
        "valid_until": offer.valid_until,
        "sale_starts_at": offer.sale_starts_at,
        "sale_ends_at": offer.sale_ends_at,
        "flash_sale": offer.is_flash_sale,
        "cancel_policy": offer.cancel_policy,
        "expiry_policy": offer.expiry_policy,
    }


def list_live_offers(limit: int, cursor: str | None, merchant_id: int | None = None) -> dict:
    """One page of live offers, newest first (of one merchant with `merchant_id`):
    {items, next_cursor}, read from the database (the API caches the page under GEN_KEY).

    Raises InvalidCursor (400).
    """
    stmt = select(Offer).where(*_live_conditions(utcnow()))
    if merchant_id is not None:
        stmt = stmt.where(Offer.merchant_id == merchant_id)
    offers, next_cursor = paginate_desc(stmt, Offer.id, limit, cursor)
    places = merchants.merchant_places({o.merchant_id for o in offers})
    return {
        "items": [offer_view(o, places.get(o.merchant_id)) for o in offers],
        "next_cursor": next_cursor,
    }


def get_live_offer(offer_id: int, user_id: int) -> dict:
    """One live offer with how many of it this resident holds (`redeemed_by_me`).

    Raises OfferNotFound (404) for unknown and not-live offers.
    """
    offer = db.session.scalar(
        select(Offer).where(Offer.id == offer_id, *_live_conditions(utcnow()))
    )
    if offer is None:
        raise OfferNotFound()
    mine = db.session.scalar(
        select(OfferRedemptionCounter.redeemed).where(
            OfferRedemptionCounter.offer_id == offer_id, OfferRedemptionCounter.user_id == user_id
        )
    )
    view = offer_view(offer, merchants.merchant_places({offer.merchant_id}).get(offer.merchant_id))
    return {**view, "redeemed_by_me": mine or 0}


def invalidate_after_commit() -> None:
    """Once this transaction commits, residents see the new list (bump the generation)."""
    cache.bump_after_commit(GEN_KEY)


# Offer pages carry the merchant's name and place: a profile edit shows at once too.
merchants.on_profile_change(invalidate_after_commit)
# A merchant frozen or unfrozen: its offers leave or rejoin the list once committed.
merchants.register_standing_listener(lambda _merchant_id: invalidate_after_commit())
