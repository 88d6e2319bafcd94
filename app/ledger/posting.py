"""Posting one balanced transaction: exactly once, never below zero, chained.

How a posting stays correct with many workers on SQLite and PostgreSQL:
- Exactly once: the transaction row is inserted first, inside a savepoint; its unique
  `reference` / `idempotency_key` make a concurrent duplicate wait for the winner
  (PostgreSQL) and then fail, after which the winner's transaction is returned.
- Never below zero: each account moves by one conditional
  `UPDATE ... SET balance = balance + :d WHERE id = :id AND (allow_negative OR
  balance + :d >= 0) RETURNING balance, version`; no row back means "not enough".
  Accounts are updated in a fixed order (residents', merchants' and holders' accounts by
  id, then the system accounts, `Posting.last`, by id: the hot rows are held shortest) so
  that two postings never wait on each other in a cycle. SQLite serialises writers with
  BEGIN IMMEDIATE.
- Chained: the UPDATE holds the account row until commit, so the entry at version - 1 is
  the one this entry links to, and nobody else can write version + 1 meanwhile (the
  unique (account_id, account_version) index would refuse it anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from app import cache
from app.db import utcnow
from app.extensions import db
from app.ledger.chain import entry_hash
from app.ledger.errors import IdempotencyKeyReused, InsufficientPoints, LedgerInvariantBroken
from app.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry, LedgerTransaction
from app.ops import metrics

_accounts = LedgerAccount.__table__


@dataclass(frozen=True)
class Posting:
    """What to post: legs are {account_id: signed amount} and must sum to zero."""

    code: str
    reference: str
    memo: str
    legs: dict[int, int]
    idempotency_key: str | None = None
    request_hash: str | None = None
    reverses_id: int | None = None
    # Accounts every posting of their kind queues on (system shards): locked after the
    # others, so they are held for the shortest time. The order stays fixed (the others
    # by id, then these by id), so two postings never wait on each other in a cycle.
    last: frozenset[int] = frozenset()

    def validate(self) -> None:
        """Raise ValueError for a malformed posting (a caller bug, never user input)."""
        if not (1 <= len(self.code) <= 32):
            raise ValueError("code must be 1..32 characters")
        if not (1 <= len(self.reference) <= 200):
            raise ValueError("reference must be 1..200 characters")
        if len(self.memo) > 200:
            raise ValueError("memo must be at most 200 characters")
        if self.idempotency_key is not None and not (1 <= len(self.idempotency_key) <= 300):
            raise ValueError("idempotency_key must be 1..300 characters")
        if len(self.legs) < 2:
            raise ValueError("a transaction needs at least two accounts")
        for amount in self.legs.values():
            if type(amount) is not int or amount == 0:
                raise ValueError("leg amounts must be non-zero integers")
        if sum(self.legs.values()) != 0:
            raise ValueError("a transaction must balance (legs sum to zero)")


def find_replay(posting: Posting) -> LedgerTransaction | None:
    """The transaction this posting repeats, if any.

    Raises IdempotencyKeyReused when its idempotency key names a different request.
    """
    if posting.idempotency_key:
        existing = db.session.scalar(
            select(LedgerTransaction).where(
                LedgerTransaction.idempotency_key == posting.idempotency_key
            )
        )
        if existing is not None:
            same = (
                (existing.request_hash or "") == (posting.request_hash or "")
                and existing.reference == posting.reference
                and existing.code == posting.code
            )
            if not same:
                raise IdempotencyKeyReused()
            return existing
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.reference == posting.reference)
    )


def post_once(
    posting: Posting, after_legs: Callable[[LedgerTransaction], None] | None = None
) -> LedgerTransaction:
    """Post `posting` unless it was posted before (same reference or idempotency key).

    `after_legs(txn)` runs after the account rows are held (lot bookkeeping). Raises
    InsufficientPoints, IdempotencyKeyReused, and IntegrityError for a unique clash that
    is not a replay (e.g. a second reversal of one transaction).
    """
    posting.validate()
    if (existing := find_replay(posting)) is not None:
        return existing
    try:
        with db.session.begin_nested():
            txn = _post(posting)
            if after_legs is not None:
                after_legs(txn)
            db.session.flush()
    except IntegrityError:
        if (existing := find_replay(posting)) is not None:
            return existing
        raise
    # For the dashboards, once the transaction commits (a replay above is not counted); the
    # books are the entries, checked by `flask ledger verify`, never this counter.
    metrics.count_after_commit(metrics.LEDGER_POSTINGS, code=posting.code)
    return txn


def _post(posting: Posting) -> LedgerTransaction:
    now = utcnow()
    txn = LedgerTransaction(
        code=posting.code,
        reference=posting.reference,
        memo=posting.memo,
        idempotency_key=posting.idempotency_key,
        request_hash=posting.request_hash,
        reverses_id=posting.reverses_id,
        created_at=now,
    )
    db.session.add(txn)
    db.session.flush()  # claims the reference/key first: a duplicate waits here, not later
    for account_id in sorted(posting.legs, key=lambda a: (a in posting.last, a)):
        _apply_leg(txn, account_id, posting.legs[account_id])
    db.session.flush()
    return txn


def _apply_leg(txn: LedgerTransaction, account_id: int, amount: int) -> LedgerEntry:
    row = db.session.execute(
        update(_accounts)
        .where(
            _accounts.c.id == account_id,
            or_(_accounts.c.allow_negative, _accounts.c.balance + amount >= 0),
        )
        .values(balance=_accounts.c.balance + amount, version=_accounts.c.version + 1)
        .returning(_accounts.c.balance, _accounts.c.version, _accounts.c.user_id)
    ).one_or_none()
    if row is None:
        raise InsufficientPoints()
    balance_after, version = int(row.balance), int(row.version)
    _forget_cached_balance(account_id)
    if row.user_id is not None:  # a resident's balance: their cached views are stale
        cache.bump_after_commit(cache.user_generation_key(row.user_id))
    if version == 1:
        prev_hash = GENESIS_HASH
    else:
        prev_hash = db.session.scalar(
            select(LedgerEntry.hash).where(
                LedgerEntry.account_id == account_id, LedgerEntry.account_version == version - 1
            )
        )
        if prev_hash is None:
            raise LedgerInvariantBroken(f"account {account_id} has no entry {version - 1}")
    entry = LedgerEntry(
        transaction_id=txn.id,
        account_id=account_id,
        amount=amount,
        balance_after=balance_after,
        account_version=version,
        prev_hash=prev_hash,
        hash=entry_hash(
            prev_hash=prev_hash,
            account_id=account_id,
            account_version=version,
            transaction_id=txn.id,
            amount=amount,
            balance_after=balance_after,
            code=txn.code,
            reference=txn.reference,
            memo=txn.memo,
            created_at=txn.created_at,
        ),
    )
    db.session.add(entry)
    return entry


def _forget_cached_balance(account_id: int) -> None:
    """An account object loaded earlier in this session now shows an old balance."""
    cached = db.session.identity_map.get(identity_key(LedgerAccount, account_id))
    if cached is not None:
        db.session.expire(cached, ["balance", "version"])
