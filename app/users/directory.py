"""Finding people for operators: residents by id, public code or nickname; names for ids;
console accounts with their roles and last login."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, or_, select

from app.extensions import db
from app.pagination import paginate_desc
from app.users import public_code
from app.users.models import AuthToken, User, UserRole


def _has_role(role: str):
    return exists().where(UserRole.user_id == User.id, UserRole.role == role)


def search_residents(
    query: str | None, limit: int, cursor: str | None, frozen: bool | None = None
) -> tuple[list[User], str | None]:
    """Residents matching `query`: the user id, the short public code (公开编号) the
    resident reads from the mini-program, or part of the nickname; newest first.
    `frozen` keeps only frozen (True) or unfrozen (False) accounts. Deleted accounts are
    found by id only (their nickname is gone). Raises InvalidCursor (400)."""
    stmt = select(User).where(_has_role("resident"))
    if frozen is not None:
        stmt = stmt.where(User.frozen_at.is_not(None) if frozen else User.frozen_at.is_(None))
    text = (query or "").strip()
    if text:
        matches: list[ColumnElement[bool]] = [
            User.nickname.contains(text, autoescape=True) & User.deleted_at.is_(None)
        ]
        if text.isdigit() and len(text) <= 18:
            matches.append(User.id == int(text))
        if (decoded := public_code.decode(text)) is not None and decoded < 2**63:
            matches.append(User.id == decoded)
        stmt = stmt.where(or_(*matches))
    return paginate_desc(stmt, User.id, limit, cursor)


def user_names(user_ids: list[int]) -> list[dict]:
    """[{id, name, kind}] for the given ids that exist: a console account's nickname (or
    username), a resident's nickname, "已注销用户" for a deleted account."""
    if not user_ids:
        return []
    rows = db.session.execute(
        select(User.id, User.nickname, User.username, User.deleted_at).where(
            User.id.in_(sorted(set(user_ids)))
        )
    )
    return [
        {
            "id": row.id,
            "name": row.nickname or row.username or f"用户{row.id}",
            "kind": "deleted" if row.deleted_at else ("console" if row.username else "resident"),
        }
        for row in rows
    ]


def list_console_accounts(
    role: str | None, query: str | None, limit: int, cursor: str | None
) -> tuple[list[User], str | None]:
    """Console accounts (username and password logins), newest first, optionally with one
    role or matching part of the username or nickname; each with `last_login_at`.
    Raises InvalidCursor (400)."""
    stmt = select(User).where(User.username.is_not(None))
    if role:
        stmt = stmt.where(_has_role(role))
    text = (query or "").strip()
    if text:
        stmt = stmt.where(
            or_(
                User.username.contains(text.lower(), autoescape=True),
                User.nickname.contains(text, autoescape=True),
            )
        )
    accounts, next_cursor = paginate_desc(stmt, User.id, limit, cursor)
    with_last_login(accounts)
    return accounts, next_cursor


def with_last_login(accounts: list[User]) -> list[User]:
    """Set `last_login_at` (the newest session's start, or None) on each account."""
    ids = [a.id for a in accounts]
    last = dict(
        db.session.execute(
            select(AuthToken.user_id, func.max(AuthToken.created_at))
            .where(AuthToken.user_id.in_(ids))
            .group_by(AuthToken.user_id)
        ).tuples().all()
    ) if ids else {}  # fmt: skip
    for account in accounts:
        # mypy: a display attribute for the account schema, not a column.
        account.last_login_at = last.get(account.id)  # type: ignore[attr-defined]
    return accounts
