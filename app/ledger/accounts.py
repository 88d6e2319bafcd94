"""Finding and creating ledger accounts (get-or-create, safe under concurrency).

An account found or created is remembered for the rest of the session's transaction
(`session.info`), so a request that reads its accounts ahead (`read_ahead`, before its
first write: on SQLite outside the writer queue) does not read them again inside the
posting; any rollback, a savepoint's too, and the commit forget them.
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import reference_cache
from app.extensions import db
from app.ledger.errors import AccountNotFound
from app.ledger.models import KIND_HOLDER, KIND_MERCHANT, KIND_RESIDENT, KIND_SYSTEM, LedgerAccount
from app.sql import in_values

# System account name -> may it go below zero?
SYSTEM_ACCOUNTS = {
    "issuance": True,  # points come into being here: its balance is minus all points issued
    "adjustments": True,  # operator corrections, either way
    "redemptions": False,
    "expired": False,
}
ISSUANCE, ADJUSTMENTS, REDEMPTIONS, EXPIRED = "issuance", "adjustments", "redemptions", "expired"
# Every credit and every redemption touches one of these: on PostgreSQL their row would be
# every writer's queue. Each is split into LEDGER_SYSTEM_SHARDS accounts ("issuance",
# "issuance:1", ... "issuance:15"), picked by the resident's id; each shard keeps its own
# chain, and every figure (stats, verify) sums them (docs/decisions/1001).
SHARDED = frozenset({ISSUANCE, REDEMPTIONS})
DEFAULT_SHARDS = 16
_MERCHANT_NAME = re.compile(r"^merchant:(\d{1,18})$")
_HOLDER_NAME = re.compile(r"^holder:(\d{1,18})$")


# Built once (a read of every check-in and redemption, issue 13); an ORM statement, so
# the session loads the entity (and autoflushes) as for any query.
_FIND = select(LedgerAccount).where(
    LedgerAccount.kind == bindparam("kind"), LedgerAccount.owner == bindparam("owner")
)
_SEEN = "ledger.accounts_seen"  # session.info: (kind, owner) -> LedgerAccount
_MOVING = ("balance", "version")


@event.listens_for(Session, "after_soft_rollback")  # any rollback, a savepoint's too
def _forget_seen(session: Session, *_previous) -> None:
    session.info.pop(_SEEN, None)


@event.listens_for(Session, "after_transaction_end")  # (after_commit: a savepoint's too)
def _forget_seen_at_the_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SEEN, None)


def _seen() -> dict[tuple[str, str], LedgerAccount]:
    return db.session.info.setdefault(_SEEN, {})


def _find(kind: str, owner: str) -> LedgerAccount | None:
    seen = _seen()
    if (account := seen.get((kind, owner))) is None:
        params = {"kind": kind, "owner": owner}
        if kind == KIND_SYSTEM:
            # A system account's id, kind, owner and allow_negative never change once it
            # exists: from the process's copies (app/reference_cache.py), its balance and
            # version expired (they move with every posting, by Core UPDATEs).
            account = reference_cache.lookup(
                ("ledger_system", owner), lambda: db.session.scalar(_FIND, params), _MOVING
            )
        else:
            account = db.session.scalar(_FIND, params)
        if account is not None:
            seen[(kind, owner)] = account
    return account


def _get_or_create(
    kind: str, owner: str, *, user_id: int | None = None, allow_negative: bool = False
) -> LedgerAccount | None:
    if (account := _find(kind, owner)) is not None:
        return account
    try:
        # A savepoint: two first credits at once must give one account.
        with db.session.begin_nested():
            account = LedgerAccount(
                kind=kind,
                owner=owner,
                user_id=user_id,
                balance=0,
                version=0,
                allow_negative=allow_negative,
            )
            db.session.add(account)
    except IntegrityError:
        # Either someone else created it (found now) or the user does not exist (None).
        return _find(kind, owner)
    _seen()[(kind, owner)] = account
    return account


def read_ahead(user_id: int, system: str | None = None) -> LedgerAccount | None:
    """Read (never create) the resident's account and, given `system`, the shard of that
    system account a posting for them would touch, so that posting finds them without a
    query; the resident's account, or None when they never had points. For a caller to
    run before its first write (a read-only refusal must not take SQLite's writer queue).

    Raises ValueError when `system` is not a system account's name (a caller bug)."""
    resident = _find(KIND_RESIDENT, str(int(user_id)))
    if system is not None:
        if system not in SYSTEM_ACCOUNTS:
            raise ValueError(f"not a system account: {system!r}")
        _find(KIND_SYSTEM, shard_owner(system, user_id))
    return resident


def seen_resident_account(user_id: int) -> LedgerAccount | None:
    """The resident's account if this transaction already found or created it (no query);
    None otherwise."""
    return _seen().get((KIND_RESIDENT, str(int(user_id))))


def resident_account(user_id: int) -> LedgerAccount:
    """The resident's `points` account, created on first use.

    Raises AccountNotFound (404 `user_not_found`) when the user does not exist.
    """
    account = _get_or_create(KIND_RESIDENT, str(int(user_id)), user_id=int(user_id))
    if account is None:
        raise AccountNotFound()
    return account


def resident_accounts(user_ids: set[int]) -> dict[int, int]:
    """{user id: id of their `points` account} for many residents (one query; an account
    that does not exist yet is created as `resident_account` creates it).

    Raises AccountNotFound when a user does not exist."""
    found = {
        int(row.user_id): int(row.id)
        for row in db.session.execute(
            select(LedgerAccount.id, LedgerAccount.user_id).where(
                LedgerAccount.kind == KIND_RESIDENT,
                in_values(LedgerAccount.owner, [str(int(u)) for u in user_ids]),
            )
        )
    }
    for user_id in user_ids - set(found):
        found[user_id] = resident_account(user_id).id
    return found


def find_resident_account_id(user_id: int) -> int | None:
    """The id of the resident's account, or None when they never had points."""
    return db.session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.kind == KIND_RESIDENT, LedgerAccount.owner == str(int(user_id))
        )
    )


def base_name(owner: str) -> str:
    """The system account a shard belongs to: "issuance:7" -> "issuance"."""
    return owner.partition(":")[0]


def shard_owner(name: str, shard_key: int | None) -> str:
    """The owner of the shard of system account `name` that `shard_key` (a resident's id)
    posts to: `name` itself when it is not sharded or for shard 0, else "name:<shard>"."""
    if name not in SHARDED or shard_key is None:
        return name
    shards = int(current_app.config.get("LEDGER_SYSTEM_SHARDS", DEFAULT_SHARDS))
    shard = int(shard_key) % shards
    return name if shard == 0 else f"{name}:{shard}"


def named_account(name: str, shard_key: int | None = None) -> LedgerAccount:
    """A system account by name (`issuance`, `redemptions`, `expired`, `adjustments`; for
    the sharded ones, the shard of `shard_key`, a resident's id), a merchant settlement
    account (`merchant:<id>`) or a registry holder's account of points received
    (`holder:<id>`: a tree owner paid for adoptions, a pool paid for personal offsets),
    created on first use.

    Raises ValueError for any other name (a caller bug).
    """
    if name in SYSTEM_ACCOUNTS:
        account = _get_or_create(
            KIND_SYSTEM, shard_owner(name, shard_key), allow_negative=SYSTEM_ACCOUNTS[name]
        )
    elif match := _MERCHANT_NAME.match(name):
        account = _get_or_create(KIND_MERCHANT, match.group(1))
    elif match := _HOLDER_NAME.match(name):
        account = _get_or_create(KIND_HOLDER, match.group(1))
    else:
        raise ValueError(f"unknown ledger account {name!r}")
    if account is None:  # pragma: no cover - only a broken schema gets here
        raise RuntimeError(f"could not create ledger account {name!r}")
    return account
