"""Many credits from `issuance` at once: a partner batch's base points (issue 13, step 5).

Each credit is its own balanced ledger transaction, with its own reference, entries and
lot movement, exactly as `earn_points` would post it; what changes is how many statements
it takes. For N credits to R residents (over S issuance shards):
- one INSERT of the N transactions (their references unique: a clash is a broken
  invariant, since the caller claimed every reference's event first);
- one UPDATE per account moving it by the sum of its legs (executemany), the residents'
  accounts by id, then the shards by id: the lock order of every single posting, so a
  bulk posting and a single one never wait on each other in a cycle;
- one SELECT of the accounts' balances and versions after the move (held until commit, so
  the values are this transaction's), one of the heads of their chains;
- one INSERT of the 2N entries, chained in Python in transaction order per account;
- one upsert of the residents' lots of this expiry (one row per resident), one SELECT of
  their ids, one INSERT of the N lot movements.

Only credits are posted this way: a resident's leg only adds, and `issuance` is allowed
to go negative, so no leg can be refused and nothing needs a savepoint. Like every ledger
function it flushes nothing of its own into the ORM and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

from app import cache
from app.after_commit import after_transaction
from app.db import table_of, utcnow
from app.extensions import db
from app.ledger.accounts import ISSUANCE, named_account, resident_accounts, shard_owner
from app.ledger.errors import LedgerInvariantBroken
from app.ledger.lots import credit_lot, expiry_for
from app.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry, LedgerLot, LedgerLotMovement
from app.ledger.models import LedgerTransaction as Txn
from app.ledger.posting import Posting, chained_entry, forget_cached_balances
from app.ops import metrics
from app.sql import conflict_insert, in_values, insert_rows, pairs_in

_accounts = table_of(LedgerAccount)
_transactions = table_of(Txn)
_entries = table_of(LedgerEntry)
_lots = table_of(LedgerLot)
_movements = table_of(LedgerLotMovement)
_MOVE = (
    update(_accounts)
    .where(_accounts.c.id == bindparam("account_id"))
    .values(
        balance=_accounts.c.balance + bindparam("total"),
        version=_accounts.c.version + bindparam("n"),
    )
)


@dataclass(frozen=True)
class Credit:
    """`amount` (> 0) points for a resident, as `earn_points(user_id, amount, code=,
    reference=, memo=)` would post them."""

    user_id: int
    amount: int
    code: str
    reference: str
    memo: str


def earn_points_in_bulk(credits: list[Credit]) -> list[int]:
    """Post each credit as its own transaction; returns their ids, in order.

    Raises ValueError for a malformed credit, AccountNotFound for an unknown user,
    LedgerInvariantBroken when a reference was posted before (the caller's bug)."""
    if not credits:
        return []
    connection = db.session.connection()
    residents = resident_accounts({credit.user_id for credit in credits})
    shards = _issuance_shards(residents)
    for credit in credits:
        _check(credit, residents[credit.user_id], shards[credit.user_id].id)
    if not all(shard.allow_negative for shard in shards.values()):
        raise LedgerInvariantBroken("a bulk credit needs an issuance that may go negative")
    now = utcnow()
    rows = [
        {"code": c.code, "reference": c.reference, "memo": c.memo, "idempotency_key": None,
         "request_hash": None, "reverses_id": None, "created_at": now}
        for c in credits
    ]  # fmt: skip
    # RETURNING the unique reference with the id: a multi-row INSERT's RETURNING has no
    # order (asking SQLAlchemy for one makes it insert row by row on SQLite).
    returned = insert_rows(connection, _transactions, rows, on_conflict_do_nothing=True,
                           returning=(_transactions.c.id, _transactions.c.reference))  # fmt: skip
    claimed = {row.reference: int(row.id) for row in returned}
    if len(claimed) != len(credits):
        raise LedgerInvariantBroken("a bulk credit's reference was posted before")
    txn_ids = [claimed[credit.reference] for credit in credits]
    txns = [
        _Txn(t, c.code, c.reference, c.memo, now) for t, c in zip(txn_ids, credits, strict=True)
    ]
    # Every account's legs, in transaction order: (transaction index, amount).
    legs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for index, credit in enumerate(credits):
        legs[residents[credit.user_id]].append((index, credit.amount))
    system = set()
    for index, credit in enumerate(credits):
        shard_id = shards[credit.user_id].id
        system.add(shard_id)
        legs[shard_id].append((index, -credit.amount))
    order = sorted(legs, key=lambda account_id: (account_id in system, account_id))
    moves = [
        {"account_id": a, "total": sum(m for _, m in legs[a]), "n": len(legs[a])} for a in order
    ]
    moved = connection.execute(_MOVE, moves)
    if connection.dialect.supports_sane_multi_rowcount and moved.rowcount != len(moves):
        raise LedgerInvariantBroken("an account of a bulk credit is missing")
    after = {
        row.id: (int(row.balance), int(row.version))
        for row in connection.execute(
            select(_accounts.c.id, _accounts.c.balance, _accounts.c.version).where(
                in_values(_accounts.c.id, order)
            )
        )
    }
    heads = _heads({a: after[a][1] - len(legs[a]) for a in order}, connection)
    entries = []
    for account_id in order:
        balance, version = after[account_id]
        balance -= sum(m for _, m in legs[account_id])
        version -= len(legs[account_id])
        prev_hash = heads[account_id]
        for index, amount in legs[account_id]:
            balance, version = balance + amount, version + 1
            entry = chained_entry(txns[index], account_id, amount, balance, version, prev_hash)
            prev_hash = entry["hash"]
            entries.append(entry)
    forget_cached_balances(order)
    insert_rows(connection, _entries, entries)
    _book_lots(credits, residents, txn_ids, now, connection)
    cache.bump_after_commit(*{cache.user_generation_key(c.user_id) for c in credits})
    _count_after_commit(credits)
    return txn_ids


def _issuance_shards(user_ids) -> dict[int, LedgerAccount]:
    """Each resident's issuance shard, looked up once per shard (not once per credit)."""
    by_owner: dict[str, LedgerAccount] = {}
    shards = {}
    for user_id in user_ids:
        owner = shard_owner(ISSUANCE, user_id)
        if (shard := by_owner.get(owner)) is None:
            shard = by_owner[owner] = named_account(ISSUANCE, shard_key=user_id)
        shards[user_id] = shard
    return shards


@dataclass(frozen=True)
class _Txn:
    """What an entry's hash takes of its transaction (posting.chained_entry)."""

    id: int
    code: str
    reference: str
    memo: str
    created_at: datetime


def _check(credit: Credit, resident_id: int, shard_id: int) -> None:
    """A single posting's checks (Posting.validate), and the credit's amount positive."""
    if type(credit.amount) is not int or credit.amount <= 0:
        raise ValueError(f"amount must be a positive int, got {credit.amount!r}")
    legs = {resident_id: credit.amount, shard_id: -credit.amount}
    Posting(code=credit.code, reference=credit.reference, memo=credit.memo, legs=legs).validate()


def _heads(before: dict[int, int], connection) -> dict[int, str]:
    """The hash of each account's entry at version `before[account]` (its chain's head
    before this posting; the genesis hash for an account without entries). Read after the
    UPDATEs: on PostgreSQL a statement started after a wait sees what the waited-for
    posting committed."""
    wanted = [(a, v) for a, v in before.items() if v > 0]
    heads = {a: GENESIS_HASH for a, v in before.items() if v == 0}
    if wanted:
        rows = connection.execute(
            select(_entries.c.account_id, _entries.c.hash).where(
                pairs_in(_entries.c.account_id, _entries.c.account_version, wanted)
            )
        )
        heads.update({int(row.account_id): row.hash for row in rows})
    if len(heads) != len(before):
        missing = sorted(set(before) - set(heads))
        raise LedgerInvariantBroken(f"accounts {missing} have no head entry")
    return heads


def _book_lots(credits, residents: dict[int, int], txn_ids: list[int], now, connection) -> None:
    """Each credit into its resident's lot of this expiry, as `credit_lot` books one."""
    expiry = expiry_for(now)
    if expiry is None:  # points that never expire: one lot each, found by a read
        for credit, txn_id in zip(credits, txn_ids, strict=True):
            credit_lot(residents[credit.user_id], txn_id, credit.amount, None)
        return
    totals: dict[int, int] = defaultdict(int)
    for credit in credits:
        totals[residents[credit.user_id]] += credit.amount
    rows = [
        {"account_id": a, "expires_at": expiry, "remaining": total, "created_at": now}
        for a, total in totals.items()
    ]
    upsert = conflict_insert(_lots)
    connection.execute(  # credit_lot's upsert, a row per resident (built once a batch)
        upsert.on_conflict_do_update(
            index_elements=[_lots.c.account_id, _lots.c.expires_at],
            set_={"remaining": _lots.c.remaining + upsert.excluded.remaining},
        ),
        rows,
    )
    lot_ids = {
        int(row.account_id): int(row.id)
        for row in connection.execute(
            select(_lots.c.id, _lots.c.account_id).where(
                in_values(_lots.c.account_id, totals), _lots.c.expires_at == expiry
            )
        )
    }
    insert_rows(
        connection,
        _movements,
        [
            {"lot_id": lot_ids[residents[c.user_id]], "transaction_id": t, "amount": c.amount}
            for c, t in zip(credits, txn_ids, strict=True)
        ],
    )


def _count_after_commit(credits: list[Credit]) -> None:
    codes: dict[str, int] = defaultdict(int)
    for credit in credits:
        codes[credit.code] += 1

    def count() -> None:
        for code, n in codes.items():
            metrics.LEDGER_POSTINGS.labels(code=code).inc(n)

    after_transaction(on_commit=count)
