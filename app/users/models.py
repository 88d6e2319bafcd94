"""User, role and auth-token tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UtcDateTime
from app.extensions import Model

ROLES = ("resident", "merchant_owner", "merchant_clerk", "operator", "holder", "verifier")


class User(TimestampMixin, Model):
    """A person: a WeChat resident (openid) or a console account (username + password)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str] = mapped_column(String(64), default="")
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The WeChat session_key, encrypted with a key derived from SECRET_KEY (never sent).
    wx_session_key_enc: Mapped[str | None] = mapped_column(Text)
    wx_session_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A keyed hash (HMAC-SHA256, server key) of the WeChat openid. Kept after deletion, for
    # `IDENTITY_RETENTION_DAYS`, only so that the same WeChat account signing up again
    # continues its per-person limits instead of resetting them (docs/decisions/0701).
    identity_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The first account of this WeChat identity when this one is a re-registration after a
    # deletion, else None (the account is its own person). Daily caps, per-person offer and
    # campaign limits are keyed on `coalesce(person_id, id)` (users.service.person_key).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The resident's avatar (chosen with WeChat's avatar fill-in, checked with
    # img_sec_check): a random name under <instance>/avatars, new on every change so
    # caches never serve the old picture. None: no avatar.
    avatar_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    # An operator froze the resident's account: no check-ins, uploads, WeRun, redemptions,
    # adoptions or offsets (403 `account_frozen`) until unfrozen; reading, exporting and
    # deleting stay open (docs/decisions/0941). The reason is for operators only.
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    frozen_reason: Mapped[str] = mapped_column(String(200), default="")
    frozen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A console account an operator disabled: it cannot log in and its sessions are dead.
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class AuthToken(TimestampMixin, Model):
    """A login session. Only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
