"""The mall's interface for other domains (settlement, stats, data export).

Inside the mall the work is split by topic: `offers` (management and review), `catalog`
(what residents see), `redemption`, `coupons` (resident side, expiry), `verification`
(merchant side), `gate` (flash sales). Other domains import from here only.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.mall.coupons import ExpiryBatch, cancel_coupon, expire_due_coupons
from app.mall.models import Coupon, Offer
from app.mall.redemption import Redemption, redeem_offer
from app.mall.verification import used_coupons_between, verify_coupon

__all__ = [
    "ExpiryBatch",
    "Redemption",
    "cancel_coupon",
    "coupon_counts_by_status",
    "expire_due_coupons",
    "offer_titles",
    "redeem_offer",
    "used_coupons_between",
    "user_coupons",
    "verify_coupon",
]


def offer_titles(offer_ids: set[int]) -> dict[int, str]:
    """{offer id: title} for the given ids (one query)."""
    if not offer_ids:
        return {}
    rows = db.session.execute(select(Offer.id, Offer.title).where(Offer.id.in_(offer_ids)))
    return {row.id: row.title for row in rows}


def coupon_counts_by_status() -> dict[str, int]:
    """How many coupons exist in each status (for dashboards)."""
    rows = db.session.execute(select(Coupon.status, func.count()).group_by(Coupon.status))
    return {status: int(count) for status, count in rows}


def user_coupons(user_id: int) -> list[Coupon]:
    """Every coupon of one resident, oldest first (for their data export)."""
    return list(
        db.session.scalars(select(Coupon).where(Coupon.user_id == user_id).order_by(Coupon.id))
    )
