"""Freezing a resident's account (冻结账号) and unfreezing it.

A frozen resident can still log in, read, export and delete their data, but every write
that moves or earns points is refused with 403 `account_frozen`: check-ins (also a
partner's events for them), photo uploads, WeRun syncs, redemptions, tree adoptions and
offsets. Each of those services calls `require_not_frozen` first, which reads the
`frozen_at` column now: a freeze is not cached anywhere (not in the auth cache either),
so the next such request is refused on every worker, whatever session it carries. A
write already running when the freeze commits may finish: it started before it.
(docs/decisions/0941)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, select, update

from app.audit.service import record_audit
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, Unauthorized
from app.extensions import db
from app.sql import execute_prepared, in_values
from app.users.models import User, UserRole


class AccountFrozen(Forbidden):
    reason = "account_frozen"
    message = (
        "您的账号已被冻结，暂不能打卡、兑换或使用积分；查看和导出数据不受影响。如有疑问请联系客服"
    )


def require_not_frozen(user_id: int) -> None:
    """Raise AccountFrozen (403 `account_frozen`) if an operator froze this account."""
    found = execute_prepared("users.frozen_at", _frozen_statement, {"user_id": user_id})
    if (frozen_at := found.scalar()) is not None:
        raise AccountFrozen(frozen_at=frozen_at.isoformat())


def signed_up_unless_frozen(user_id: int) -> datetime:
    """When this account was created (risk scoring), read with its freeze in one query:
    `require_not_frozen` for a check-in, which also needs the account's age.

    Raises AccountFrozen (403 `account_frozen`), Unauthorized (`invalid_token`) if the
    account is gone."""
    found = execute_prepared("users.signed_up", _signed_up_statement, {"user_id": user_id})
    if (row := found.one_or_none()) is None:
        raise Unauthorized(reason="invalid_token")
    if row.frozen_at is not None:
        raise AccountFrozen(frozen_at=row.frozen_at.isoformat())
    return row.created_at


def _frozen_statement():  # hot reads of every check-in or redemption (app/sql.py)
    return select(User.frozen_at).where(User.id == bindparam("user_id"))


def _signed_up_statement():
    return select(User.frozen_at, User.created_at).where(User.id == bindparam("user_id"))


def frozen_since(user_ids: set[int]) -> dict[int, datetime]:
    """{user id: frozen_at} of those of these accounts an operator froze."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.frozen_at).where(
            in_values(User.id, user_ids), User.frozen_at.is_not(None)
        )
    )
    return {row.id: row.frozen_at for row in rows}


def _resident(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("用户不存在", reason="user_not_found")
    is_resident = db.session.scalar(
        select(exists().where(UserRole.user_id == user_id, UserRole.role == "resident"))
    )
    if not is_resident:
        raise Conflict(
            "只能冻结居民账号；控制台账号请在「账号管理」中停用", reason="not_a_resident"
        )
    return user


def freeze_resident(operator_id: int, user_id: int, reason: str) -> User:
    """Freeze a resident's account; `reason` is for operators (audited, not shown to the
    resident). Raises NotFound (`user_not_found`), Conflict (`not_a_resident`,
    `account_frozen` if it already is)."""
    user = _resident(user_id)
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.frozen_at.is_(None))
        .values(frozen_at=utcnow(), frozen_reason=reason, frozen_by=operator_id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise Conflict("该账号已处于冻结状态", reason="account_frozen")
    record_audit(operator_id, "users.freeze", f"user:{user_id}", {"frozen": False},
                 {"frozen": True, "reason": reason})  # fmt: skip
    return user


def unfreeze_resident(operator_id: int, user_id: int) -> User:
    """Unfreeze a resident's account. Raises NotFound (`user_not_found`), Conflict
    (`not_a_resident`, `account_not_frozen`)."""
    user = _resident(user_id)
    reason = user.frozen_reason
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.frozen_at.is_not(None))
        .values(frozen_at=None, frozen_reason="", frozen_by=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise Conflict("该账号未被冻结", reason="account_not_frozen")
    record_audit(operator_id, "users.unfreeze", f"user:{user_id}",
                 {"frozen": True, "reason": reason}, {"frozen": False})  # fmt: skip
    return user
