"""Merchant, staff membership and staff-invite tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UtcDateTime
from app.extensions import db

STAFF_OWNER = "owner"
STAFF_CLERK = "clerk"
MERCHANT_ACTIVE = "active"
# Frozen by an operator: its offers are not sold and its coupons not verified until it is
# unfrozen; residents may cancel its unused coupons for a refund (docs/decisions/0940).
MERCHANT_FROZEN = "frozen"


class Merchant(TimestampMixin, db.Model):
    """An alliance merchant: publishes offers, verifies coupons, is settled monthly."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MERCHANT_ACTIVE)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    frozen_reason: Mapped[str] = mapped_column(String(200), default="")


class MerchantStaff(TimestampMixin, db.Model):
    """A person working for a merchant. One person belongs to at most one merchant
    (unique user_id), so a clerk's merchant scope is never ambiguous. Removing a clerk
    deletes the row; every merchant call reads this table, so access ends at once."""

    __tablename__ = "merchant_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MerchantInvite(TimestampMixin, db.Model):
    """A single-use code an owner gives a future clerk. Only its SHA-256 is stored."""

    __tablename__ = "merchant_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
