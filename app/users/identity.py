"""One person across account deletion: per-person limits continue after a re-registration.

Deleting an account drops the WeChat openid (docs/decisions/0205). Without more, the same
WeChat account signing up again would start with fresh daily caps, per-person offer limits
and campaign limits: delete + log in again three times a day earned three daily caps. So
each WeChat account also gets `identity_hash` = HMAC-SHA256(server key, openid), kept on
the anonymised row for `IDENTITY_RETENTION_DAYS`; a new account with the same hash gets
`person_id` = the first account of that identity, and every per-person limit is keyed on
`coalesce(person_id, id)` (`person_key`, a scalar subquery used inside the limit's own
upsert, so it costs no extra round trip). Privacy reasoning: docs/decisions/0701.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.sql.elements import BindParameter

from app.extensions import db
from app.keys import derive_key
from app.sql import in_values
from app.users.models import User

DEFAULT_RETENTION_DAYS = 400


def _key() -> bytes:
    cache = current_app.extensions.setdefault("users_keys", {})
    if "identity" not in cache:
        cache["identity"] = derive_key(
            current_app.config["SECRET_KEY"], b"tanpuhui-users", b"identity"
        )
    return cache["identity"]


def identity_hash(openid: str) -> str:
    """The keyed hash of a WeChat openid (irreversible without the server's key)."""
    return hmac.new(_key(), openid.encode(), hashlib.sha256).hexdigest()


def _person_column():
    return func.coalesce(User.person_id, User.id)


def person_key(user_id: int | BindParameter[int]) -> ScalarSelect:
    """SQL for the person a user id (or a bind parameter for one: a statement built once)
    belongs to, to key per-person limits on."""
    return select(_person_column()).where(User.id == user_id).scalar_subquery()


def person_of(user_id: int) -> int:
    """The person a user id belongs to (its own id unless it is a re-registration)."""
    return db.session.scalar(select(_person_column()).where(User.id == user_id)) or user_id


def persons_of(user_ids: set[int]) -> dict[int, int]:
    """{user id: the person it belongs to} for many user ids (one query; unknown ids are
    left out)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, _person_column().label("person")).where(in_values(User.id, user_ids))
    )
    return {int(row.id): int(row.person) for row in rows}


def earlier_accounts(user_id: int) -> list[int]:
    """The deleted accounts of the same person (none for a first account: one query)."""
    person = person_of(user_id)
    if person == user_id:
        return []
    return list(
        db.session.scalars(select(User.id).where(_person_column() == person, User.id != user_id))
    )


def predecessor_person(hashed: str) -> int | None:
    """The person of a deleted account with this identity hash, if one is still kept."""
    return db.session.scalar(
        select(_person_column())
        .where(User.identity_hash == hashed, User.deleted_at.is_not(None))
        .order_by(User.id.desc())
        .limit(1)
    )


def retention_days() -> int:
    """Days an anonymised account's identity hash is kept after deletion
    (IDENTITY_RETENTION_DAYS)."""
    return int(current_app.config.get("IDENTITY_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_expired_identities(now: datetime) -> int:
    """Forget identities whose every deleted account is older than the retention period:
    their hashes are cleared and live re-registrations stop being linked to them (their
    limits start afresh, long after any limit window). Returns the persons forgotten."""
    cutoff = now - timedelta(days=retention_days())
    person = _person_column()
    stale = list(
        db.session.scalars(
            select(person)
            .where(User.deleted_at.is_not(None), User.identity_hash.is_not(None))
            .group_by(person)
            .having(func.max(User.deleted_at) < cutoff)
        )
    )
    if not stale:
        return 0
    db.session.execute(
        update(User)
        .where(User.deleted_at.is_not(None), person.in_(stale))
        .values(identity_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(User)
        .where(User.deleted_at.is_(None), User.person_id.in_(stale))
        .values(person_id=None)
        .execution_options(synchronize_session=False)
    )
    return len(stale)
