"""The audit log table (append-only: a PostgreSQL trigger rejects UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import BigId, UtcDateTime, utcnow
from app.extensions import Model


class AuditEntry(Model):
    """One operator (or system) action: actor, action, target, state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_id", "target", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: the system itself (a CLI job), not a person.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
