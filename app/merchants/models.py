"""Merchant, staff membership, staff-invite and alliance-application tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UtcDateTime
from app.extensions import Model

STAFF_OWNER = "owner"
STAFF_CLERK = "clerk"
MERCHANT_ACTIVE = "active"
# Frozen by an operator: its offers are not sold and its coupons not verified until it is
# unfrozen; residents may cancel its unused coupons for a refund (docs/decisions/0940).
MERCHANT_FROZEN = "frozen"


class Merchant(TimestampMixin, Model):
    """An alliance merchant: publishes offers, verifies coupons, is settled monthly."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # Where to use a coupon: free text hours ("周一至周五 9:00-21:00") and the shop's
    # position in degrees x 1e6, GCJ-02 (the datum WeChat's map and wx.getLocation use).
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    latitude_e6: Mapped[int | None] = mapped_column()
    longitude_e6: Mapped[int | None] = mapped_column()
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MERCHANT_ACTIVE)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    frozen_reason: Mapped[str] = mapped_column(String(200), default="")


class MerchantStaff(TimestampMixin, Model):
    """A person working for a merchant. One person belongs to at most one merchant
    (unique user_id), so a clerk's merchant scope is never ambiguous. Removing a clerk
    deletes the row; every merchant call reads this table, so access ends at once."""

    __tablename__ = "merchant_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MerchantInvite(TimestampMixin, Model):
    """A single-use code an owner gives a future clerk. Only its SHA-256 is stored."""

    __tablename__ = "merchant_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


APPLICATION_PENDING = "pending"
APPLICATION_APPROVED = "approved"
APPLICATION_REJECTED = "rejected"
APPLICATION_WITHDRAWN = "withdrawn"
APPLICATION_STATUSES = (
    APPLICATION_PENDING, APPLICATION_APPROVED, APPLICATION_REJECTED, APPLICATION_WITHDRAWN,
)  # fmt: skip


class MerchantApplication(TimestampMixin, Model):
    """A resident's request to join the alliance as a merchant owner, decided by an operator.

    `pending_user_id` is the applicant's id while the application is pending and NULL
    once it is decided or withdrawn: its unique index allows one pending application per
    resident on both backends (NULLs never collide), with no partial index.
    """

    __tablename__ = "merchant_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pending_user_id: Mapped[int | None] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(32))
    opening_hours: Mapped[str] = mapped_column(String(100))
    latitude_e6: Mapped[int] = mapped_column()
    longitude_e6: Mapped[int] = mapped_column()
    # The public id of the licence photo (a checked, metadata-free upload of the applicant).
    licence_upload_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=APPLICATION_PENDING)
    review_note: Mapped[str] = mapped_column(String(255), default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
