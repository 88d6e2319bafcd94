"""Console accounts managed from the console (账号管理): create an operator, disable and
enable an account, reset its password, give or take the operator role.

- Passwords are made here (16 random characters) and shown once, in the answer of the
  create or reset call; the database keeps the Argon2 hash. A reset and a disable end
  every session of the account at once (`revoke_user_tokens`: the database and the
  revoked markers every worker reads). A disabled account cannot log in
  (401 `account_disabled`).
- The operator role is the one role managed here. Merchant owners and clerks come with
  their merchant, verifiers and holders with their organisation (their own pages).
- Nobody locks the console out: an operator cannot disable, reset or demote themself
  (`cannot_change_own_account`), and the last active operator cannot be disabled or
  demoted (`last_operator`); the active operators' rows are locked first, so two such
  changes at once are decided one after the other.
(docs/decisions/0942)
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from app.audit.service import record_audit
from app.auth import revoke_user_tokens
from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.sql import select_for_update
from app.users.directory import with_last_login
from app.users.models import User, UserRole

OPERATOR = "operator"
GRANTABLE_ROLES = (OPERATOR,)
PASSWORD_BYTES = 12  # 16 URL-safe characters, 96 bits


def new_password() -> str:
    """A random password for a console account (shown once to the operator who made it)."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def find_console_account(user_id: int) -> User:
    """A console account (one with a username). Raises NotFound (`account_not_found`)."""
    user = db.session.get(User, user_id)
    if user is None or user.username is None or user.deleted_at is not None:
        raise NotFound("控制台账号不存在", reason="account_not_found")
    return user


def _not_self(actor_id: int, user_id: int) -> None:
    if actor_id == user_id:
        raise Conflict("不能对自己的账号进行此操作，请由另一位运营人员处理",
                       reason="cannot_change_own_account")  # fmt: skip


def _keep_an_operator(user: User) -> None:
    """Refuse (409 `last_operator`) when `user` is the only active operator left."""
    if OPERATOR not in user.role_names or user.disabled_at is not None:
        return
    active = (
        select_for_update(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == OPERATOR, User.disabled_at.is_(None), User.deleted_at.is_(None))
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    if set(active) <= {user.id}:
        raise Conflict(
            "这是最后一个可用的运营账号，不能停用或取消其运营权限", reason="last_operator"
        )


def create_operator_account(actor_id: int, username: str, nickname: str) -> tuple[User, str]:
    """A new operator login; returns it with its password (shown once).

    Raises Conflict (`username_taken`)."""
    from app.users.service import create_console_user

    password = new_password()
    user = create_console_user(username, password, role=OPERATOR, nickname=nickname)
    record_audit(actor_id, "users.account.create", f"user:{user.id}", None,
                 {"username": user.username, "roles": [OPERATOR]})  # fmt: skip
    user.last_login_at = None  # type: ignore[attr-defined]  # display only: no session yet
    return user, password


def disable_account(actor_id: int, user_id: int) -> User:
    """Stop a console account: it cannot log in and its sessions end now.

    Raises NotFound (`account_not_found`), Conflict (`cannot_change_own_account`,
    `last_operator`, `account_disabled` if it already is)."""
    _not_self(actor_id, user_id)
    user = find_console_account(user_id)
    _keep_an_operator(user)
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.disabled_at.is_(None))
        .values(disabled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise Conflict("该账号已停用", reason="account_disabled")
    revoke_user_tokens(user_id)
    record_audit(actor_id, "users.account.disable", f"user:{user_id}", {"disabled": False},
                 {"disabled": True})  # fmt: skip
    return with_last_login([user])[0]


def enable_account(actor_id: int, user_id: int) -> User:
    """Let a disabled console account log in again (with its password as it was).

    Raises NotFound (`account_not_found`), Conflict (`account_not_disabled`)."""
    user = find_console_account(user_id)
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.disabled_at.is_not(None))
        .values(disabled_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise Conflict("该账号未停用", reason="account_not_disabled")
    record_audit(actor_id, "users.account.enable", f"user:{user_id}", {"disabled": True},
                 {"disabled": False})  # fmt: skip
    return with_last_login([user])[0]


def reset_password(actor_id: int, user_id: int) -> tuple[User, str]:
    """A new password for a console account (shown once); its sessions end now.

    Raises NotFound (`account_not_found`), Conflict (`cannot_change_own_account`)."""
    from app.users.service import password_hasher

    _not_self(actor_id, user_id)
    user = find_console_account(user_id)
    password = new_password()
    user.password_hash = password_hasher.hash(password)
    db.session.flush()
    revoke_user_tokens(user_id)
    record_audit(actor_id, "users.account.reset_password", f"user:{user_id}", None,
                 {"password": "reset"})  # fmt: skip
    return with_last_login([user])[0], password


def set_role(actor_id: int, user_id: int, role: str, granted: bool) -> User:
    """Give (`granted`) or take away a role of a console account; applies at once.

    Raises Unprocessable (`role_not_grantable`), NotFound (`account_not_found`),
    Conflict (`cannot_change_own_account`, `last_operator`)."""
    from app.users.service import grant_role, revoke_role

    if role not in GRANTABLE_ROLES:
        raise Unprocessable("此处只能授予或取消运营权限（operator）", reason="role_not_grantable")
    _not_self(actor_id, user_id)
    user = find_console_account(user_id)
    had = role in user.role_names
    if granted:
        grant_role(user_id, role)
    else:
        _keep_an_operator(user)
        revoke_role(user_id, role)
    db.session.expire(user, ["roles"])  # the role rows changed under the loaded list
    if had != granted:
        record_audit(actor_id, f"users.role.{'grant' if granted else 'revoke'}", f"user:{user_id}",
                     {"roles": sorted(set(user.role_names) ^ {role})},
                     {"roles": user.role_names})  # fmt: skip
    return with_last_login([user])[0]
