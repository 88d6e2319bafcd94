"""Offer, per-user redemption counter and coupon tables.

Stock and per-user limits are enforced by the database itself: `offers.stock_left` only
moves by conditional UPDATEs (and a CHECK keeps it >= 0), and each (offer, user) pair has
one counter row moved by a conditional upsert, so no code path counts and then inserts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import BigId, TimestampMixin, UtcDateTime, utcnow
from app.extensions import Model

# Ledger transaction ids are 64-bit on PostgreSQL.

OFFER_PENDING = "pending_review"
OFFER_LIVE = "live"
OFFER_PAUSED = "paused"
OFFER_REJECTED = "rejected"
# 下架: an operator took the offer off sale. Only an operator puts it back (the owner can
# neither resume it nor change its terms meanwhile); issued coupons stay valid (0940).
OFFER_TAKEN_DOWN = "taken_down"
OFFER_STATUSES = (OFFER_PENDING, OFFER_LIVE, OFFER_PAUSED, OFFER_REJECTED, OFFER_TAKEN_DOWN)

CANCEL_ALLOWED = "cancellable"  # the resident may cancel an unused, unexpired coupon
CANCEL_FORBIDDEN = "not_cancellable"
EXPIRY_REFUND = "refund"  # an unused coupon that lapses gives its points back
EXPIRY_NO_REFUND = "no_refund"

COUPON_ISSUED = "issued"
COUPON_USED = "used"
COUPON_CANCELLED = "cancelled"
COUPON_EXPIRED = "expired"
COUPON_STATUSES = (COUPON_ISSUED, COUPON_USED, COUPON_CANCELLED, COUPON_EXPIRED)


class Offer(TimestampMixin, Model):
    """Something residents can buy with points at one merchant."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("stock_left >= 0", name="stock_left_not_negative"),
        CheckConstraint("stock_left <= stock_total", name="stock_left_within_total"),
        CheckConstraint("points_price > 0", name="points_price_positive"),
        CheckConstraint("per_user_limit > 0", name="per_user_limit_positive"),
        Index("ix_offers_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    points_price: Mapped[int] = mapped_column(Integer)
    stock_total: Mapped[int] = mapped_column(Integer)
    stock_left: Mapped[int] = mapped_column(Integer)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    # Validity of the coupons: N days after redemption, or a fixed window.
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Sale window; an offer with a start time is a flash sale (Redis gate in front).
    sale_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sale_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancel_policy: Mapped[str] = mapped_column(String(16), default=CANCEL_ALLOWED)
    expiry_policy: Mapped[str] = mapped_column(String(16), default=EXPIRY_REFUND)
    # What the scheme pays the merchant per verified coupon, in fen (0.01 CNY).
    settlement_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=OFFER_PENDING)
    review_note: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def is_flash_sale(self) -> bool:
        return self.sale_starts_at is not None


class OfferRedemptionCounter(Model):
    """How many live coupons (issued or used) one resident holds from one offer.

    `user_id` is the person (`users.person_key`): re-registering does not reset it.

    Raised by `INSERT .. ON CONFLICT DO UPDATE .. WHERE redeemed < limit`: the database
    decides, so twenty concurrent redemptions by one resident cannot pass a limit of one.
    """

    __tablename__ = "offer_redemption_counters"
    __table_args__ = (CheckConstraint("redeemed >= 0", name="redeemed_not_negative"),)

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    redeemed: Mapped[int] = mapped_column(Integer, default=0)


class Coupon(TimestampMixin, Model):
    """A redeemed offer, shown as a QR code at the counter and verified once."""

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("merchant_id", "short_code"),
        Index("ix_coupons_user_id_id", "user_id", "id"),
        Index("ix_coupons_status_expires_at", "status", "expires_at"),
        Index("ix_coupons_merchant_id_used_at", "merchant_id", "used_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The QR payload: 160 random bits. The short code is what a clerk types when the
    # camera fails; it is only looked up within the clerk's own merchant.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=COUPON_ISSUED)
    points_price: Mapped[int] = mapped_column(Integer)
    settlement_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redemption_txn_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_transactions.id")
    )
    refund_txn_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
