"""The unit books: accounts per batch, double-entry movements of serial ranges, blocks.

Built beside the points ledger, on its design (docs/decisions/0801): a movement is one
append-only transaction whose legs each move a contiguous serial range `first..last` of
one batch from an account to another, as two entries (-n, +n) in per-account hash
chains; exactly once by a unique `reference` and idempotency key; balances moved by
conditional UPDATEs in account-id order (a holder never goes below zero, two movements
never wait on each other in a cycle). Which units move is decided only after the source
account's row is held, so two movements can never take the same block: the blocks of an
account change only under that account's lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.clock import epoch_micros
from app.db import table_of, utcnow
from app.errors import Conflict
from app.extensions import db
from app.ledger.models import GENESIS_HASH
from app.registry.models import (
    ACCOUNT_ISSUANCE,
    Block,
    UnitAccount,
    UnitEntry,
    UnitTransaction,
)
from app.sql import conflict_insert

CHAIN_FORMAT = "u1"
_accounts = table_of(UnitAccount)


class InsufficientUnits(Conflict):
    reason, message = "insufficient_units", "可用的减排量不足"


class UnitsNotHeld(Conflict):
    reason, message = "units_not_held", "指定序列号的减排量不在该账户中"


@dataclass(frozen=True)
class Leg:
    """Move `quantity` units from `source` to `target` (account ids). `first` pins the
    serial range `first..first+quantity-1`; None takes the source's lowest serials."""

    source: int
    target: int
    quantity: int
    first: int | None = None


def account_for(batch_id: int, kind: str, holder_id: int | None = None) -> int:
    """The id of a batch's account of `kind` (a holder's for `held`), created if new."""
    owner = str(holder_id) if holder_id is not None else ""
    lookup = select(UnitAccount.id).where(
        UnitAccount.batch_id == batch_id, UnitAccount.kind == kind, UnitAccount.owner == owner
    )
    if (found := db.session.scalar(lookup)) is not None:
        return found
    db.session.execute(
        conflict_insert(_accounts)
        .values(
            batch_id=batch_id, kind=kind, owner=owner, holder_id=holder_id, balance=0, version=0
        )
        .on_conflict_do_nothing(index_elements=["batch_id", "kind", "owner"])
    )
    return db.session.execute(lookup).scalar_one()


def entry_hash(entry: UnitEntry, txn: UnitTransaction) -> str:
    """The hex SHA-256 of one entry in its account's chain."""
    canonical = json.dumps(
        [
            CHAIN_FORMAT,
            entry.prev_hash,
            int(entry.account_id),
            int(entry.account_version),
            int(txn.id),
            txn.kind,
            txn.reference,
            int(entry.amount),
            int(entry.first),
            int(entry.last),
            int(entry.balance_after),
            txn.memo,
            epoch_micros(txn.created_at),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_replay(reference: str, idempotency_key: str | None, request_hash: str | None):
    """The movement a request repeats, if any. Raises Conflict for a reused key."""
    if idempotency_key:
        existing = db.session.scalar(
            select(UnitTransaction).where(UnitTransaction.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if (existing.request_hash or "") != (request_hash or ""):
                raise Conflict("该请求标识已用于另一个不同的请求", reason="idempotency_key_reused")
            return existing
    return db.session.scalar(select(UnitTransaction).where(UnitTransaction.reference == reference))


def post_movement(
    *,
    kind: str,
    batch_id: int,
    reference: str,
    memo: str,
    legs: list[Leg],
    created_by: int | None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    new_block_extra: dict | None = None,
) -> UnitTransaction:
    """Post one movement exactly once; returns it (or the earlier one it repeats).

    `new_block_extra` is set on the blocks it opens in targets (e.g. a retirement id).
    Raises InsufficientUnits, UnitsNotHeld (409), Conflict (`idempotency_key_reused`).
    """
    if (existing := find_replay(reference, idempotency_key, request_hash)) is not None:
        return existing
    try:
        with db.session.begin_nested():
            txn = UnitTransaction(
                kind=kind,
                batch_id=batch_id,
                reference=reference,
                memo=memo[:200],
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_by=created_by,
                created_at=utcnow(),
            )
            db.session.add(txn)
            db.session.flush()  # claims the reference first: a duplicate waits here
            _apply(txn, legs, new_block_extra or {})
            db.session.flush()
    except IntegrityError:
        if (existing := find_replay(reference, idempotency_key, request_hash)) is not None:
            return existing
        raise
    return txn


def _apply(txn: UnitTransaction, legs: list[Leg], block_extra: dict) -> None:
    deltas: dict[int, int] = {}
    for leg in legs:
        if leg.quantity <= 0 or leg.source == leg.target:
            raise ValueError("a leg moves a positive quantity between two accounts")
        deltas[leg.source] = deltas.get(leg.source, 0) - leg.quantity
        deltas[leg.target] = deltas.get(leg.target, 0) + leg.quantity
    heads = {account_id: _hold(account_id, deltas[account_id]) for account_id in sorted(deltas)}
    for leg in legs:
        for first, last in _take(txn, leg, heads[leg.source].kind):
            n = last - first + 1
            _entry(txn, heads, leg.source, -n, first, last)
            _entry(txn, heads, leg.target, n, first, last)
            _open_block(txn, leg.target, first, last, block_extra)
    for account_id, head in heads.items():  # one entry per range taken: count them now
        db.session.execute(
            update(_accounts).where(_accounts.c.id == account_id).values(version=head.version)
        )


@dataclass
class _Head:
    kind: str
    holder_id: int | None
    balance: int  # before this movement's first entry on the account
    version: int
    prev_hash: str


def _hold(account_id: int, delta: int) -> _Head:
    """Move the balance by `delta` (never below zero but for issuance); the row stays
    locked until commit, so the chain's head is ours until then."""
    row = db.session.execute(
        update(_accounts)
        .where(
            _accounts.c.id == account_id,
            (_accounts.c.kind == ACCOUNT_ISSUANCE) | (_accounts.c.balance + delta >= 0),
        )
        .values(balance=_accounts.c.balance + delta)
        .returning(
            _accounts.c.balance, _accounts.c.version, _accounts.c.kind, _accounts.c.holder_id
        )
    ).one_or_none()
    if row is None:
        raise InsufficientUnits()
    start_version = int(row.version)
    prev_hash = GENESIS_HASH
    if start_version > 0:
        prev_hash = db.session.execute(
            select(UnitEntry.hash).where(
                UnitEntry.account_id == account_id, UnitEntry.account_version == start_version
            )
        ).scalar_one()
    return _Head(row.kind, row.holder_id, int(row.balance) - delta, start_version, prev_hash)


def _entry(txn, heads: dict[int, _Head], account_id: int, amount: int, first: int, last: int):
    head = heads[account_id]
    head.balance += amount
    head.version += 1
    entry = UnitEntry(
        transaction_id=txn.id,
        account_id=account_id,
        amount=amount,
        first=first,
        last=last,
        balance_after=head.balance,
        account_version=head.version,
        prev_hash=head.prev_hash,
    )
    entry.hash = entry_hash(entry, txn)
    head.prev_hash = entry.hash
    db.session.add(entry)


def _take(txn: UnitTransaction, leg: Leg, source_kind: str) -> list[tuple[int, int]]:
    """Close the source blocks the leg takes from (lowest serials first, or the pinned
    range) and reopen what is left of them; returns the ranges taken."""
    if source_kind == ACCOUNT_ISSUANCE:
        # mypy: issuance legs always pin their serials (first is set). new units: nothing to close
        return [(leg.first, leg.first + leg.quantity - 1)]  # type: ignore[list-item, operator]
    blocks = db.session.scalars(
        select(Block)
        .where(Block.account_id == leg.source, Block.active.is_(True))
        .order_by(Block.first)
    ).all()
    if leg.first is not None:
        blocks = _covering(blocks, leg.first, leg.first + leg.quantity - 1)
    taken: list[tuple[int, int]] = []
    wanted = leg.quantity
    for block in blocks:
        if wanted == 0:
            break
        start = block.first if leg.first is None else max(block.first, leg.first)
        end = min(block.last, start + wanted - 1)
        _close_block(txn, block)
        if block.first < start:
            _reopen(txn, block, block.first, start - 1)
        if end < block.last:
            _reopen(txn, block, end + 1, block.last)
        taken.append((start, end))
        wanted -= end - start + 1
    if wanted:
        raise InsufficientUnits()  # the balance said yes: blocks and balance disagree
    return taken


def _covering(blocks: Sequence[Block], first: int, last: int) -> list[Block]:
    """The account's blocks that hold every unit of first..last (a range may span blocks
    that follow one another). Raises UnitsNotHeld."""
    covering, expected = [], first
    for block in blocks:
        if block.last < expected or block.first > last:
            continue
        if block.first > expected:
            break
        covering.append(block)
        expected = block.last + 1
        if expected > last:
            return covering
    raise UnitsNotHeld()


def _close_block(txn: UnitTransaction, block: Block) -> None:
    closed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(Block)
        .where(Block.id == block.id, Block.active.is_(True))
        .values(active=False, closed_txn_id=txn.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        raise UnitsNotHeld()  # pragma: no cover - the account lock makes this impossible


def _reopen(txn: UnitTransaction, block: Block, first: int, last: int) -> None:
    db.session.add(
        Block(
            batch_id=block.batch_id,
            account_id=block.account_id,
            status=block.status,
            holder_id=block.holder_id,
            first=first,
            last=last,
            active=True,
            retirement_id=block.retirement_id,
            created_txn_id=txn.id,
        )
    )


def _open_block(txn: UnitTransaction, account_id: int, first: int, last: int, extra: dict):
    account = db.session.get_one(UnitAccount, account_id)
    values = {"holder_id": account.holder_id, "retirement_id": None, **extra}
    db.session.add(
        Block(
            batch_id=account.batch_id,
            account_id=account_id,
            status=account.kind,
            first=first,
            last=last,
            active=True,
            created_txn_id=txn.id,
            **values,
        )
    )
