"""A resident's coupons: list, QR image, cancel with refund; and the expiry job.

Every state change of a coupon is one conditional UPDATE from `issued`, so a coupon is
used, cancelled or expired exactly once whatever races with it. Points go back only
through a ledger reversal of the redemption (`redemption_refund`, `coupon-refund:<id>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.audit.service import record_audit
from app.db import utcnow
from app.extensions import db
from app.ledger import service as ledger
from app.mall import catalog, gate
from app.mall.display import describe_coupons
from app.mall.errors import CouponNotCancellable, CouponNotFound
from app.mall.models import (
    CANCEL_ALLOWED,
    COUPON_CANCELLED,
    COUPON_EXPIRED,
    COUPON_ISSUED,
    EXPIRY_REFUND,
    Coupon,
    Offer,
)
from app.mall.redemption import release_user_slot
from app.merchants import service as merchants
from app.pagination import paginate_desc
from app.qrimage import qr_png


@dataclass(frozen=True)
class Cancellation:
    coupon: Coupon
    points_balance: int


@dataclass(frozen=True)
class ExpiryBatch:
    seen: int
    expired: int
    refunded: int
    points_refunded: int


def list_coupons(
    user_id: int, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Coupon], str | None]:
    """One page of the resident's coupons, newest first, optionally of one status.

    Raises InvalidCursor (400).
    """
    stmt = select(Coupon).where(Coupon.user_id == user_id)
    if status:
        stmt = stmt.where(Coupon.status == status)
    rows, next_cursor = paginate_desc(stmt, Coupon.id, limit, cursor)
    return describe_coupons(rows), next_cursor


def get_own_coupon(user_id: int, coupon_id: int) -> Coupon:
    """One of the resident's coupons; anyone else's is "not found". Raises CouponNotFound."""
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None or coupon.user_id != user_id:
        raise CouponNotFound()
    return describe_coupons([coupon])[0]


def coupon_qr_png(user_id: int, coupon_id: int) -> bytes:
    """The PNG of the QR code a clerk scans (it encodes the full code only).

    Raises CouponNotFound.
    """
    return qr_png(get_own_coupon(user_id, coupon_id).code)


def _not_cancellable_message(coupon: Coupon, now: datetime) -> str:
    if coupon.status == COUPON_ISSUED and coupon.expires_at <= now:
        return "该券已过期，不可取消"
    return {
        "used": "该券已核销，不可取消",
        COUPON_CANCELLED: "该券已取消",
        COUPON_EXPIRED: "该券已过期，不可取消",
    }.get(coupon.status, "该券不可取消")


def cancel_coupon(user_id: int, coupon_id: int) -> Cancellation:
    """Cancel an unused, unexpired coupon: points back through a ledger reversal, the
    stock back to the offer and the per-user slot back to the resident.

    A coupon of a frozen merchant may be cancelled whatever its offer says (it cannot be
    used meanwhile, docs/decisions/0940).

    Raises CouponNotFound (404, also for another resident's coupon), CouponNotCancellable
    (409 `coupon_not_cancellable`: used, expired, cancelled, or the offer forbids it).
    """
    coupon = get_own_coupon(user_id, coupon_id)
    offer = db.session.get_one(Offer, coupon.offer_id)
    if offer.cancel_policy != CANCEL_ALLOWED and not merchants.is_merchant_frozen(
        offer.merchant_id
    ):
        raise CouponNotCancellable("该券不支持取消")
    now = utcnow()
    result = db.session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.user_id == user_id,
            Coupon.status == COUPON_ISSUED,
            Coupon.expires_at > now,
        )
        .values(status=COUPON_CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(coupon)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise CouponNotCancellable(_not_cancellable_message(coupon, now))
    # Lock order as in redemption: per-user counter, ledger accounts, offer row.
    release_user_slot(offer.id, user_id)
    refund = ledger.reverse_transaction(
        # mypy: set at redemption, in the same flush as the coupon.
        coupon.redemption_txn_id,  # type: ignore[arg-type]
        code="redemption_refund",
        reference=f"coupon-refund:{coupon.id}",
        memo=f"取消兑换 {offer.title} +{coupon.points_price}"[:200],
    )
    coupon.refund_txn_id = refund.id
    db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id)
        .values(stock_left=Offer.stock_left + 1)
        .execution_options(synchronize_session=False)
    )
    gate.drop_after_commit(offer.id)
    catalog.invalidate_after_commit()
    db.session.flush()
    return Cancellation(coupon, ledger.get_points_balance(user_id))


def void_coupons_of_user(user_id: int) -> None:
    """Account deletion: the resident's unused, unexpired coupons are void (`cancelled`), so
    nobody can use them any more. The stock goes back to the offers; the points are
    forfeit (the account is closed) and the per-person slots stay used, so signing up
    again does not buy a second coupon of a one-per-person offer (docs/decisions/0701).
    Coupons already past their time are left to the expiry job."""
    now = utcnow()
    voided = db.session.execute(
        update(Coupon)
        .where(Coupon.user_id == user_id, Coupon.status == COUPON_ISSUED, Coupon.expires_at > now)
        .values(status=COUPON_CANCELLED, cancelled_at=now)
        .returning(Coupon.offer_id)
        .execution_options(synchronize_session=False)
    ).all()
    returned: dict[int, int] = {}
    for row in voided:
        returned[row.offer_id] = returned.get(row.offer_id, 0) + 1
    for offer_id in sorted(returned):  # offer rows last and in id order, as everywhere
        db.session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(stock_left=Offer.stock_left + returned[offer_id])
            .execution_options(synchronize_session=False)
        )
        gate.drop_after_commit(offer_id)
    if returned:
        catalog.invalidate_after_commit()


def export_coupons(user_id: int) -> list[dict]:
    """The resident's coupons for the data export (no codes: they are bearer secrets)."""
    stmt = select(Coupon).where(Coupon.user_id == user_id).order_by(Coupon.id)
    rows = describe_coupons(list(db.session.scalars(stmt)))
    return [
        {
            "id": c.id,
            "offer_id": c.offer_id,
            # mypy: offer_title and merchant_ref are attached by app/mall/display.py.
            "title": c.offer_title,  # type: ignore[attr-defined]
            "merchant": c.merchant_ref["name"],  # type: ignore[attr-defined]
            "status": c.status,
            "points_price": c.points_price,
            "created_at": c.created_at.isoformat(),
            "expires_at": c.expires_at.isoformat(),
            "used_at": c.used_at.isoformat() if c.used_at else None,
            "cancelled_at": c.cancelled_at.isoformat() if c.cancelled_at else None,
        }
        for c in rows
    ]


def expire_due_coupons(now: datetime, batch_size: int = 500) -> ExpiryBatch:
    """Expire one batch of unused coupons whose time is up; refund the points when the
    offer's policy says so or its merchant is frozen. Stock and per-user slots are not
    given back (the coupon was held until it lapsed). Call again until `seen` is 0;
    commit between batches.
    """
    ids = list(
        db.session.scalars(
            select(Coupon.id)
            .where(Coupon.status == COUPON_ISSUED, Coupon.expires_at <= now)
            .order_by(Coupon.id)
            .limit(batch_size)
        )
    )
    expired = refunded = points = 0
    for coupon_id in ids:
        result = db.session.execute(
            update(Coupon)
            .where(Coupon.id == coupon_id, Coupon.status == COUPON_ISSUED, Coupon.expires_at <= now)
            .values(status=COUPON_EXPIRED, expired_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
            continue  # used or cancelled meanwhile
        expired += 1
        coupon = db.session.get_one(Coupon, coupon_id)
        db.session.refresh(coupon)
        offer = db.session.get_one(Offer, coupon.offer_id)
        # A coupon that lapsed while its merchant was frozen could not be used: refunded.
        refundable = offer.expiry_policy == EXPIRY_REFUND or merchants.is_merchant_frozen(
            offer.merchant_id
        )
        if refundable and coupon.redemption_txn_id is not None:
            refund = ledger.reverse_transaction(
                coupon.redemption_txn_id,
                code="redemption_refund",
                reference=f"coupon-refund:{coupon.id}",
                memo=f"券过期退还 {offer.title} +{coupon.points_price}"[:200],
            )
            coupon.refund_txn_id = refund.id
            refunded += 1
            points += coupon.points_price
    if expired:
        record_audit(
            None, "mall.coupons.expire", "coupons",
            None, {"expired": expired, "refunded": refunded, "points_refunded": points},
        )  # fmt: skip
    db.session.flush()
    return ExpiryBatch(len(ids), expired, refunded, points)
