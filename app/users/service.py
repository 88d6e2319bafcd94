"""Login, logout and console accounts. Services flush; the request boundary commits."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import Principal, forget_roles_after_commit, issue_token, revoke_tokens
from app.db import utcnow
from app.errors import Conflict, NotFound, Unauthorized
from app.extensions import db
from app.sql import in_values
from app.users import identity
from app.users.identity import (  # noqa: F401
    earlier_accounts,
    person_key,
    person_of,
    persons_of,
    purge_expired_identities,
)
from app.users.models import AuthToken, User, UserRole
from app.users.profile import (  # noqa: F401  (re-exported for the views)
    avatar_file,
    avatar_path,
    avatar_url,
    erase_avatar,
    set_avatar,
    set_nickname,
)
from app.users.standing import (  # noqa: F401  (the domain's interface)
    AccountFrozen,
    freeze_resident,
    frozen_since,
    require_not_frozen,
    signed_up_unless_frozen,
    unfreeze_resident,
)
from app.wechat import WxSession, wechat

password_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases cost the same time.
_DUMMY_HASH = password_hasher.hash("not-a-real-password")


class InvalidCredentials(Unauthorized):
    reason, message = "invalid_credentials", "用户名或密码错误"


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_in: int
    user: User


def _find_or_create_wechat_user(session: WxSession) -> User:
    hashed = identity.identity_hash(session.openid)
    user = db.session.scalar(select(User).where(User.openid == session.openid))
    if user is not None:
        if user.identity_hash is None:
            user.identity_hash = hashed  # accounts made before identity hashes existed
        return user
    try:
        # A savepoint: two first logins of one openid at once must give one user.
        with db.session.begin_nested():
            user = User(
                openid=session.openid,
                unionid=session.unionid,
                nickname="",
                identity_hash=hashed,
                # Signing up again after deleting an account continues its limits.
                person_id=identity.predecessor_person(hashed),
            )
            user.roles.append(UserRole(role="resident"))
            db.session.add(user)
    except IntegrityError:
        user = db.session.execute(select(User).where(User.openid == session.openid)).scalar_one()
    return user


def login_with_wechat(code: str, ttl_seconds: int) -> LoginResult:
    """Exchange a wx.login code for our own token; creates the resident on first login.

    Raises WeChatLoginFailed (unknown or used code), WeChatUnavailable, Unauthorized
    (reason `account_deleted`) for an anonymised account.
    """
    session = wechat.code_to_session(code)
    user = _find_or_create_wechat_user(session)
    if user.deleted_at is not None:
        raise Unauthorized("该账号已注销", reason="account_deleted")
    user.wx_session_key_enc = wechat.encrypt_session_key(session.session_key)
    user.wx_session_updated_at = utcnow()
    if not user.nickname:
        user.nickname = f"绿友{user.id:06d}"
    token, expires_in = issue_token(user, ttl_seconds)
    return LoginResult(token, expires_in, user)


def login_operator(username: str, password: str, ttl_seconds: int) -> LoginResult:
    """Check a console account's password and issue a token.

    Raises InvalidCredentials for an unknown username or a wrong password, Unauthorized
    (`account_disabled`) for a disabled account (only once the password is right).
    """
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    stored = user.password_hash if user is not None else None
    try:
        password_hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if user is None or stored is None or user.deleted_at is not None:
        raise InvalidCredentials()
    if user.disabled_at is not None:
        raise Unauthorized("该账号已停用，请联系运营管理员", reason="account_disabled")
    if password_hasher.check_needs_rehash(stored):
        user.password_hash = password_hasher.hash(password)
    token, expires_in = issue_token(user, ttl_seconds)
    return LoginResult(token, expires_in, user)


def logout(principal: Principal) -> None:
    """End the caller's session: the token is refused everywhere from now on."""
    expires_at = db.session.scalar(
        select(AuthToken.expires_at).where(AuthToken.token_hash == principal.token_hash)
    )
    revoke_tokens([principal.token_hash], expires_at)


def create_console_user(username: str, password: str, role: str, nickname: str = "") -> User:
    """Create a console account (operator, or a merchant owner for the console).

    Raises Conflict (reason `username_taken`).
    """
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("用户名已存在", reason="username_taken")
    user = User(
        username=username,
        nickname=nickname or username,
        password_hash=password_hasher.hash(password),
    )
    user.roles.append(UserRole(role=role))
    db.session.add(user)
    db.session.flush()
    return user


def get_user(user_id: int) -> User:
    """The user with this id. Raises Unauthorized if it no longer exists."""
    user = db.session.get(User, user_id)
    if user is None:
        raise Unauthorized(reason="invalid_token")
    return user


def find_user(user_id: int) -> User:
    """Look a user up for an operator. Raises NotFound (reason `user_not_found`)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在", reason="user_not_found")
    return user


def find_live_user(user_id: int) -> User:
    """A user who has not deleted their account. Raises NotFound (`user_not_found`)."""
    user = find_user(user_id)
    if user.deleted_at is not None:
        raise NotFound("用户不存在", reason="user_not_found")
    return user


def grant_role(user_id: int, role: str) -> None:
    """Give a user a role; a no-op if they already have it (safe under concurrency)."""
    if db.session.get(UserRole, (user_id, role)) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(UserRole(user_id=user_id, role=role))
    except IntegrityError:
        pass  # granted by a concurrent request: the outcome is the same
    forget_roles_after_commit()


def revoke_role(user_id: int, role: str) -> None:
    """Take a role away from a user (no-op if they do not have it); applies at once."""
    row = db.session.get(UserRole, (user_id, role))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        forget_roles_after_commit()


def residents_by_openid(openids: set[str]) -> dict[str, int]:
    """{openid: user id} of the live residents with these openids (partner events: one
    event's or a whole batch's)."""
    if not openids:
        return {}
    rows = db.session.execute(
        select(User.openid, User.id).where(
            in_values(User.openid, openids), User.deleted_at.is_(None)
        )
    )
    return {row.openid: row.id for row in rows}


def public_profiles(user_ids: list[int]) -> dict[int, dict]:
    """{id: {nickname, avatar_url}} of the given users that still exist (leaderboards)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.nickname, User.avatar_key).where(
            User.id.in_(user_ids), User.deleted_at.is_(None)
        )
    )
    return {
        row.id: {
            "nickname": row.nickname,
            "avatar_url": avatar_path(row.avatar_key),
        }
        for row in rows
    }


def public_nicknames(user_ids: list[int]) -> dict[int, str]:
    """Nicknames of the given users that still exist (deleted accounts are left out)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.nickname).where(User.id.in_(user_ids), User.deleted_at.is_(None))
    )
    return {row.id: row.nickname for row in rows}


def anonymise_user(user_id: int) -> None:
    """Strip a user's personal data and mark the account deleted (the id stays, pseudonymous).

    The openid is dropped, so logging in again with the same WeChat starts a new account;
    its keyed hash stays for the retention period so that the new account continues this
    one's per-person limits (app/users/identity.py). Raises NotFound (`user_not_found`).
    """
    user = find_user(user_id)
    if user.openid and user.identity_hash is None:
        user.identity_hash = identity.identity_hash(user.openid)
    user.openid = None
    user.unionid = None
    user.username = None
    user.password_hash = None
    user.wx_session_key_enc = None
    erase_avatar(user)
    user.nickname = "已注销用户"
    user.deleted_at = utcnow()
    db.session.flush()
