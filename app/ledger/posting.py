"""Posting one balanced transaction: exactly once, never below zero, chained.

How a posting stays correct with many workers on SQLite and PostgreSQL:
- Exactly once: the transaction row is inserted first with `ON CONFLICT DO NOTHING`; its
  unique `reference` / `idempotency_key` make a concurrent duplicate wait for the winner
  (PostgreSQL) and then insert nothing, after which the winner's transaction is returned.
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

The statements are SQLAlchemy Core on the session's connection, in the request's one
transaction (the README's rule for the hot write paths, issue 13): one INSERT for the
transaction, per leg one UPDATE ... RETURNING (with the previous entry's hash, read by
its unique index in the same statement), one INSERT for all entries, inside a Core
savepoint when a leg can be refused (no session flush, no unit of work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, event, literal_column, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app import cache
from app.db import table_of, utcnow
from app.extensions import db
from app.ledger.chain import entry_hash
from app.ledger.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
    InsufficientPoints,
    LedgerInvariantBroken,
)
from app.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry, LedgerTransaction
from app.ops import metrics
from app.sql import attach_inserted, execute_built

_accounts = table_of(LedgerAccount)
_transactions = table_of(LedgerTransaction)
_entries = table_of(LedgerEntry)
# Built once: the per-leg statement of every posting (issue 13, step 3). It returns the
# hash of the account's previous entry too (the head of its chain: the entry whose
# version is one below the one just taken), so a leg is one statement, not two, except
# on PostgreSQL when the UPDATE waited for another posting to the same account: it then
# moves the row that posting committed, but its subquery reads the statement's older
# snapshot, where that posting's entry is not yet visible; a second statement sees it.
# SQLite's RETURNING renders columns unqualified, where inside the subquery `id` would
# be the entry's: so every column is written out with its table.
_HEAD_HASH = (
    select(_entries.c.hash)
    .where(
        literal_column("ledger_entries.account_id") == literal_column("ledger_accounts.id"),
        literal_column("ledger_entries.account_version")
        == literal_column("ledger_accounts.version") - 1,
    )
    .scalar_subquery()
)
_MOVE = (
    update(_accounts)
    .where(
        _accounts.c.id == bindparam("account_id"),
        or_(_accounts.c.allow_negative, _accounts.c.balance + bindparam("amount") >= 0),
    )
    .values(balance=_accounts.c.balance + bindparam("amount"), version=_accounts.c.version + 1)
    .returning(
        _accounts.c.balance, _accounts.c.version, _accounts.c.user_id, _HEAD_HASH.label("head")
    )
)
_PREVIOUS_HASH = select(_entries.c.hash).where(
    _entries.c.account_id == bindparam("account_id"),
    _entries.c.account_version == bindparam("version"),
)


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
    # False only for a posting no leg of which can be refused (every debit on an account
    # allowed to go negative, and lot bookkeeping that only adds): it needs no savepoint.
    refusable: bool = True

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
    InsufficientPoints, IdempotencyKeyReused, and AlreadyReversed when a second reversal
    of one transaction clashes on its unique `reverses_id`.

    A refusal leaves nothing of the posting behind: a posting that can be refused runs
    in its own savepoint; one that cannot (`refusable=False`: a credit from an account
    allowed to go negative) needs none, as a clash is found by the claim before any leg.
    What else can raise there (LedgerInvariantBroken, the database) is a failure the
    caller's transaction or savepoint rolls back, as any error (issue 13, step 3).
    """
    posting.validate()
    # Whatever the ORM holds goes out first, so that no autoflush lands inside the Core
    # savepoint below (its rollback would undo rows the session thinks are written).
    db.session.flush()
    connection = db.session.connection()
    # A Core savepoint (two statements, no session flush): an InsufficientPoints raised
    # at the second leg, or lots that cannot cover a debit, undo the claim and the first
    # leg, so even a caller that catches the error and commits finds nothing half-written.
    if posting.refusable:
        with connection.begin_nested():
            txn, balances = _post_legs(connection, posting, after_legs)
    else:
        txn, balances = _post_legs(connection, posting, after_legs)
    if txn is None:
        if (existing := find_replay(posting)) is not None:
            return existing
        if posting.reverses_id is not None:
            raise AlreadyReversed()
        raise LedgerInvariantBroken(f"posting {posting.reference} clashed with no replay")
    # The row as the ORM would have loaded it, without a query: later code in the request
    # (coupons, adjustments, responses) uses it like any loaded transaction.
    attach_inserted(txn)
    db.session.info.setdefault(_WRITTEN, {}).update(balances)
    # For the dashboards, once the transaction commits (a replay above is not counted); the
    # books are the entries, checked by `flask ledger verify`, never this counter.
    metrics.count_after_commit(metrics.LEDGER_POSTINGS, code=posting.code)
    return txn


def _post_legs(
    connection, posting: Posting, after_legs
) -> tuple[LedgerTransaction | None, dict[int, int]]:
    """Claim the transaction, move every account and write the entries (then the lots,
    `after_legs`): the transaction and {account id: balance after}; (None, {}) when the
    claim clashed (nothing written)."""
    txn = _claim(connection, posting)
    if txn is None:
        return None, {}
    entries = [
        _apply_leg(connection, txn, account_id, posting.legs[account_id])
        for account_id in sorted(posting.legs, key=lambda a: (a in posting.last, a))
    ]
    connection.execute(_entries.insert(), entries)
    if after_legs is not None:
        after_legs(txn)
    return txn, {entry["account_id"]: entry["balance_after"] for entry in entries}


def _claim(connection, posting: Posting) -> LedgerTransaction | None:
    """Insert the transaction row (not yet in the session), or None when a unique column
    clashes (a replay, or a second reversal). A concurrent duplicate waits here for the
    winner (PostgreSQL) and then inserts nothing; on SQLite writers are serial anyway."""
    values = {
        "code": posting.code, "reference": posting.reference, "memo": posting.memo,
        "idempotency_key": posting.idempotency_key, "request_hash": posting.request_hash,
        "reverses_id": posting.reverses_id, "created_at": utcnow(),
    }  # fmt: skip
    txn_id = execute_built("ledger.claim", _claim_statement, values, connection).scalar()
    return None if txn_id is None else LedgerTransaction(id=int(txn_id), **values)


def _claim_statement(insert):
    return insert(_transactions).on_conflict_do_nothing().returning(_transactions.c.id)


def _apply_leg(connection, txn: LedgerTransaction, account_id: int, amount: int) -> dict:
    """Move one account by `amount` (held until commit) and build its chained entry."""
    row = connection.execute(_MOVE, {"account_id": account_id, "amount": amount}).one_or_none()
    if row is None:
        raise InsufficientPoints()
    balance_after, version = int(row.balance), int(row.version)
    forget_cached_balance(account_id)
    if row.user_id is not None:  # a resident's balance: their cached views are stale
        cache.bump_after_commit(cache.user_generation_key(row.user_id))
    if version == 1:
        prev_hash = GENESIS_HASH
    elif (prev_hash := row.head) is None:  # PostgreSQL after a wait (see _MOVE)
        prev_hash = connection.execute(
            _PREVIOUS_HASH, {"account_id": account_id, "version": version - 1}
        ).scalar()
        if prev_hash is None:
            raise LedgerInvariantBroken(f"account {account_id} has no entry {version - 1}")
    return chained_entry(txn, account_id, amount, balance_after, version, prev_hash)


def chained_entry(
    txn, account_id: int, amount: int, balance_after: int, version: int, prev_hash: str
) -> dict:
    """The entry row of one leg of `txn` (anything with id, code, reference, memo and
    created_at), chained to `prev_hash`: the one place an entry and its hash are built."""
    return {
        "transaction_id": txn.id,
        "account_id": account_id,
        "amount": amount,
        "balance_after": balance_after,
        "account_version": version,
        "prev_hash": prev_hash,
        "hash": entry_hash(
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
    }


def forget_cached_balance(account_id: int) -> None:
    """An account object loaded earlier in this session now shows an old balance."""
    forget_cached_balances([account_id])


def forget_cached_balances(account_ids) -> None:
    """`forget_cached_balance` for many accounts (a bulk posting's) in one pass."""
    session = db.session()
    identity_map, written = session.identity_map, session.info.get(_WRITTEN, {})
    for account_id in account_ids:
        cached = identity_map.get(identity_key(LedgerAccount, account_id))
        if cached is not None:
            session.expire(cached, ["balance", "version"])
        written.pop(account_id, None)


# session.info: {account id: its balance after this transaction's last posting to it}.
# Its row is held from that posting's UPDATE to the commit, so nobody else moves it
# meanwhile: the value stays true until any rollback (a savepoint's too) or the end.
_WRITTEN = "ledger.balances_written"


def written_balance(account_id: int) -> int | None:
    """The account's balance as this transaction's last posting to it left it (its row is
    held until the commit), without a query; None when nothing was posted to it since the
    transaction began or since a rollback."""
    return db.session.info.get(_WRITTEN, {}).get(account_id)


@event.listens_for(Session, "after_soft_rollback")  # any rollback, a savepoint's too
def _forget_written(session: Session, *_previous) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_written_at_the_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


@event.listens_for(Engine, "rollback_savepoint")
def _forget_written_at_a_core_savepoint(connection, name, context) -> None:
    # A savepoint taken on the connection itself (`connection.begin_nested()`, as
    # post_once does) rolls back without a session event; any session's values go (at
    # worst a balance is read again).
    with contextlib.suppress(RuntimeError):  # no app context: no session to forget for
        if db.session.registry.has():
            db.session.info.pop(_WRITTEN, None)
