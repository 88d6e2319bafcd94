"""Display helpers: what a coupon shows besides its own columns (offer title, merchant)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.mall.models import Coupon, Offer
from app.merchants import service as merchants


def describe_coupons(
    coupons: list[Coupon], offer: Offer | None = None, places: dict | None = None
) -> list[Coupon]:
    """Attach `offer_title` and `merchant_ref` (the merchant's name and place: where to
    use the coupon) for display (two queries; none for coupons of one `offer` already
    loaded, with `places` from `merchant_places` read earlier: a redemption reads them
    before its first write)."""
    if not coupons:
        return coupons
    if offer is not None:
        titles = {offer.id: offer.title}
    else:
        wanted = {c.offer_id for c in coupons}
        titles = dict(
            db.session.execute(select(Offer.id, Offer.title).where(Offer.id.in_(wanted)))
            .tuples()
            .all()
        )
    if places is None:
        places = merchants.merchant_places({c.merchant_id for c in coupons})
    for coupon in coupons:
        # mypy: display-only attributes attached to the coupon for the schemas.
        coupon.offer_title = titles.get(coupon.offer_id, "")  # type: ignore[attr-defined]
        coupon.merchant_ref = places.get(coupon.merchant_id) or {  # type: ignore[attr-defined]
            "id": coupon.merchant_id,
            "name": "",
        }
    return coupons
