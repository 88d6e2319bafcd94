"""Bearer tokens, roles and one decorator per audience.

A token is 32 random bytes handed to the client once; the database keeps its SHA-256
with an expiry and a revocation time (the source of truth). Redis caches
`token hash -> user id, expiry, roles` so that an authenticated request costs one Redis
round trip and no query, and holds a "revoked" marker written at logout so that a dead
token is refused by every worker at once. If Redis is lost, everything is read from the
database again.

Role changes apply at once: every committed grant or removal of a role bumps one
generation counter (`auth:roles:gen`, after commit) and a cached entry is used only if
it was cached under the current generation (the tagging of app/cache.py; the counter
and the entry are fetched together with one MGET). Roles change rarely (a merchant is
approved, a clerk joins or is removed), so the bump costs each live session one reload.

Account freezes are deliberately not part of the cached session: a frozen resident may
still log in and read, and every write that moves points reads `users.frozen_at` from
the database itself (app/users/standing.py), so a freeze refuses the very next check-in
or redemption on every worker even with a session cached a second before. Disabling a
console account (app/users/accounts.py) revokes its sessions like a logout does, and a
session loaded from the database is refused if its account is disabled.

A view may name a cached value to read with the session (`READ_WITH_SESSION`, set by
app/view_cache.py): then the session and that value for the user the session names come
back in the same round trip (app/cache.py read_chained), and the value waits for the
view in `g` (`SESSION_READ`). Only a current session's user gets it: a revoked, stale or
missing session reads nothing more, and the view reads for itself once the caller is
known.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import g, request
from sqlalchemy import bindparam, select, update

from app import cache, reference_cache
from app.db import utcnow
from app.errors import Forbidden, Unauthorized
from app.extensions import db, redis_client
from app.sql import execute_prepared
from app.users.models import AuthToken, User, UserRole

CACHE_PREFIX = "auth:token:"
ROLES_GENERATION_KEY = "auth:roles:gen"
CACHE_TTL_SECONDS = 300
REVOKED = "revoked"
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
# A view's attribute: () -> (generation key, value key) to read with the session, where
# app/cache.py OWNER stands for the user id; what was read goes to g.<SESSION_READ>.
READ_WITH_SESSION = "read_with_session"
SESSION_READ = "session_read"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user id, the hash of the token they used, and their roles."""

    user_id: int
    token_hash: str
    roles: frozenset[str] = frozenset()


def hash_token(token: str) -> str:
    """The SHA-256 hex digest of a bearer token: sessions store only this, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl_seconds: int) -> tuple[str, int]:
    """Create a login session for `user`; returns (bearer token, seconds until expiry)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    db.session.flush()
    return token, ttl_seconds


def _cache_set(token_hash: str, value: str, ttl: int) -> None:
    # The cache is an optimisation; the database still answers without it.
    with contextlib.suppress(redis.RedisError):
        redis_client.set(CACHE_PREFIX + token_hash, value, ex=max(1, ttl))


def authenticate(token: str) -> Principal:
    """Resolve a bearer token to a Principal with the caller's current roles.

    Raises Unauthorized (reason `invalid_token`) for unknown, expired or revoked tokens.
    """
    return _authenticate(token, None)[0]


def authenticate_and_read(
    token: str, generation_key: str, value_key: str
) -> tuple[Principal, tuple[str | None, str | None] | None]:
    """`authenticate`, and in the same Redis round trip the cached value under these
    keys (app/cache.py OWNER standing for the caller's user id): (generation, current
    payload or None) as `cache.read` returns them, or None when it was not read with the
    session (the caller reads it itself).

    Raises Unauthorized (reason `invalid_token`) as `authenticate` does.
    """
    return _authenticate(token, (generation_key, value_key))


def _authenticate(
    token: str, then_read: tuple[str, str] | None
) -> tuple[Principal, tuple[str | None, str | None] | None]:
    token_hash = hash_token(token)
    now = utcnow()
    # One round trip: the session (or the `revoked` marker, untagged) and the roles
    # generation it must have been cached under (app/cache.py), and what the view reads.
    # The reference stamp comes along: read before the request's first query, it lets the
    # request keep what it loads of scenarios, sites and campaigns (app/reference_cache.py).
    then = None
    keys = (ROLES_GENERATION_KEY, CACHE_PREFIX + token_hash, reference_cache.STAMP_KEY)
    if then_read is None:
        generation, cached, stamp = cache.read_raw(*keys)
    else:
        generation, cached, stamp, then = cache.read_chained(*keys, *then_read)
    reference_cache.read_with_session(stamp, reachable=generation is not None)
    if cached == REVOKED:
        raise Unauthorized("登录已失效，请重新登录", reason="invalid_token")
    if (payload := cache.current_payload(generation, cached)) is not None:
        data = json.loads(payload)
        if data["exp"] <= now.timestamp():
            raise Unauthorized("登录已过期，请重新登录", reason="invalid_token")
        principal = Principal(data["uid"], token_hash, frozenset(data["roles"]))
        # The script read for the user it found in this very value; checked all the same.
        if then is not None and then[0] == principal.user_id:
            return principal, then[1:]
        return principal, None
    found = execute_prepared("auth.session", _session_statement, {"token_hash": token_hash})
    row = found.one_or_none()
    if row is None or row.revoked_at or row.deleted_at or row.disabled_at or row.expires_at <= now:
        raise Unauthorized("登录已失效，请重新登录", reason="invalid_token")
    roles = frozenset(
        execute_prepared("auth.roles", _roles_statement, {"user_id": row.user_id}).scalars()
    )
    ttl = min(CACHE_TTL_SECONDS, int((row.expires_at - now).total_seconds()))
    data = {"uid": row.user_id, "exp": row.expires_at.timestamp(), "roles": sorted(roles)}
    cache.write(CACHE_PREFIX + token_hash, generation, json.dumps(data), max(1, ttl))
    return Principal(row.user_id, token_hash, roles), None


def _session_statement():  # a cold session's two reads, built once (app/sql.py)
    return (
        select(
            AuthToken.user_id, AuthToken.expires_at, AuthToken.revoked_at, User.deleted_at,
            User.disabled_at,
        )
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == bindparam("token_hash"))
    )  # fmt: skip


def _roles_statement():
    return select(UserRole.role).where(UserRole.user_id == bindparam("user_id"))


def forget_roles_after_commit() -> None:
    """A role of an existing user changed: once committed, cached sessions reload roles.

    Called by app.users.service.grant_role / revoke_role, the only ways a role of an
    existing user changes (a new user has no session cached yet)."""
    cache.bump_after_commit(ROLES_GENERATION_KEY)


def revoke_tokens(token_hashes: Iterable[str], expires_at: datetime | None = None) -> None:
    """Revoke login sessions in the database and mark them dead in Redis for every worker."""
    hashes = list(token_hashes)
    if not hashes:
        return
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash.in_(hashes), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    ttl = CACHE_TTL_SECONDS
    if expires_at is not None:
        ttl = max(ttl, int((expires_at - utcnow()).total_seconds()))
    for token_hash in hashes:
        _cache_set(token_hash, REVOKED, ttl)


def revoke_user_tokens(user_id: int) -> None:
    """Revoke every live session of a user (account deletion, removal from a merchant)."""
    rows = db.session.execute(
        select(AuthToken.token_hash, AuthToken.expires_at).where(
            AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        revoke_tokens([row.token_hash], row.expires_at)


def read_with_session(keys: Callable[[], tuple[str, str]]) -> Callable:
    """Under the auth decorator: read the cached value `keys()` names (generation key,
    value key; app/cache.py OWNER for the caller's id) in the session's round trip. The
    view takes it with `take_session_read()`."""

    def decorator(view: Callable) -> Callable:
        setattr(view, READ_WITH_SESSION, keys)
        return view

    return decorator


def take_session_read() -> tuple[str | None, str | None] | None:
    """What this request's session round trip read for the view: (generation, current
    payload or None), or None when it was not read with the session (a session loaded
    from the database, or no value asked for); once per request."""
    return g.pop(SESSION_READ, None)


def peek_session_read() -> tuple[str | None, str | None] | None:
    """`take_session_read` without taking it: for a check made before the view's own."""
    return g.get(SESSION_READ)


def current_principal() -> Principal:
    """The authenticated caller of this request (only inside a protected view)."""
    return g.principal


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", reason="missing_token")
    return token.strip()


def _require(allowed_roles: frozenset[str] | None) -> Callable:
    def decorator(view: Callable) -> Callable:
        read_keys = getattr(view, READ_WITH_SESSION, None)

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if read_keys is None:
                principal = authenticate(_bearer_token())
            else:
                principal, read = authenticate_and_read(_bearer_token(), *read_keys())
                setattr(g, SESSION_READ, read)
            if allowed_roles is not None and not (principal.roles & allowed_roles):
                raise Forbidden("当前账号没有此操作的权限", reason="forbidden")
            g.principal = principal
            return view(*args, **kwargs)

        # What Blueprint.doc(security=...) records for the OpenAPI document, without the
        # call-through layer it would add to every request.
        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        doc["manual_doc"] = {**doc.get("manual_doc", {}), "security": BEARER_SECURITY}
        wrapper._apidoc = doc  # type: ignore[attr-defined]  # read by flask-smorest
        return wrapper

    return decorator


login_required = _require(None)
resident_required = _require(frozenset({"resident"}))
merchant_staff_required = _require(frozenset({"merchant_owner", "merchant_clerk"}))
merchant_owner_required = _require(frozenset({"merchant_owner"}))
operator_required = _require(frozenset({"operator"}))
holder_required = _require(frozenset({"holder"}))  # a registry holder's console login
verifier_required = _require(frozenset({"verifier"}))  # a verification body's login
