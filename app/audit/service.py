"""Writing and reading the audit log. Other domains call `record_audit` for every
operator action, in the same database transaction as the action itself (so an action
that rolls back leaves no audit row, and one that commits always has one)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db


def _jsonable(value: Any) -> Any:
    """Datetimes, dates, decimals and enums as JSON-friendly values (recursively)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def record_audit(
    actor_id: int | None,
    action: str,
    target: str,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one audit entry, e.g. `record_audit(op_id, "points.adjustment.approve",
    "adjustment:7", {"status": "pending_approval"}, {"status": "applied"})`.

    `actor_id` None means the system. Raises ValueError for an empty action or target.
    """
    if not action or len(action) > 64:
        raise ValueError("action must be 1..64 characters")
    if not target or len(target) > 128:
        raise ValueError("target must be 1..128 characters")
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target=target,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_audit_entries(
    limit: int,
    cursor: str | None,
    *,
    action: str | None = None,
    target: str | None = None,
    actor_id: int | None = None,
) -> tuple[list[AuditEntry], str | None]:
    """One page of the audit log, newest first, optionally filtered (exact match; an
    `action` ending in `.` matches a prefix). Raises InvalidCursor (400)."""
    from app.pagination import paginate_desc

    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(
            AuditEntry.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEntry.action == action
        )
    if target:
        stmt = stmt.where(AuditEntry.target == target)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return paginate_desc(stmt, AuditEntry.id, limit, cursor)
