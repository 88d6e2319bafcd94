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
        )
        .tuples()
        .all()
    )
    places = merchants.merchant_places({c.merchant_id for c in coupons})
    for coupon in coupons:
        # mypy: display-only attributes attached to the coupon for the schemas.
        coupon.offer_title = titles.get(coupon.offer_id, "")  # type: ignore[attr-defined]
        coupon.merchant_ref = places.get(coupon.merchant_id) or {  # type: ignore[attr-defined]
            "id": coupon.merchant_id,
            "name": "",
        }
    return coupons
