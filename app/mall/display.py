"""Display helpers: what a coupon shows besides its own columns (offer title, merchant)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.mall.models import Coupon, Offer
from app.merchants import service as merchants


def describe_coupons(coupons: list[Coupon]) -> list[Coupon]:
    """Attach `offer_title` and `merchant_ref` (the merchant's name and place: where to
    use the coupon) for display (two queries)."""
    if not coupons:
        return coupons
    titles = dict(
        db.session.execute(
            select(Offer.id, Offer.title).where(Offer.id.in_({c.offer_id for c in coupons}))
        ).all()
    )
    places = merchants.merchant_places({c.merchant_id for c in coupons})
    for coupon in coupons:
        coupon.offer_title = titles.get(coupon.offer_id, "")
        coupon.merchant_ref = places.get(coupon.merchant_id) or {
            "id": coupon.merchant_id,
            "name": "",
        }
    return coupons
