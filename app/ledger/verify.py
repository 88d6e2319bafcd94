"""`flask ledger verify`: recompute every chain and invariant from the raw rows.

Checks, each breach named with what it concerns:
- every transaction has two or more entries that sum to zero;
- a reversal's entries are the exact opposite of the original's;
- per account: versions run 1..n without gaps, each entry links to the previous entry's
  hash and its own hash recomputes, balance_after is the running sum, the stored balance
  and version equal the sum and count of entries, a resident never went below zero;
- lots: remaining equals the sum of the lot's movements and is never negative; a
  resident's lots add up to the balance; every resident entry is matched by lot
  movements of the same amount in the same transaction (and only residents have lots).
It only reads, streaming entries in account order, so it runs on a live database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.chain import entry_hash
from app.ledger.models import (
    GENESIS_HASH,
    KIND_RESIDENT,
    LedgerAccount,
    LedgerEntry,
    LedgerLot,
    LedgerLotMovement,
    LedgerTransaction,
)

_ACCOUNT_BATCH = 1000


@dataclass(frozen=True)
class Breach:
    kind: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.detail}"


@dataclass
class VerifyReport:
    accounts: int = 0
    transactions: int = 0
    entries: int = 0
    lots: int = 0
    breaches: list[Breach] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaches

    def add(self, kind: str, subject: str, detail: str) -> None:
        self.breaches.append(Breach(kind, subject, detail))


def verify_ledger(progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the whole ledger; `progress(n)` is called every 10,000 entries."""
    report = VerifyReport()
    _check_transactions(report)
    _check_reversals(report)
    _check_chains(report, progress)
    _check_lots(report)
    return report


def _check_transactions(report: VerifyReport) -> None:
    report.transactions = db.session.execute(
        select(func.count()).select_from(LedgerTransaction)
    ).scalar_one()
    rows = db.session.execute(
        select(
            LedgerTransaction.id,
            func.count(LedgerEntry.id),
            func.coalesce(func.sum(LedgerEntry.amount), 0),
        )
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having(
            (func.count(LedgerEntry.id) < 2) | (func.coalesce(func.sum(LedgerEntry.amount), 0) != 0)
        )
    ).all()
    for txn_id, count, total in rows:
        report.add(
            "unbalanced_transaction", f"transaction {txn_id}", f"{count} entries sum to {total}"
        )


def _check_reversals(report: VerifyReport) -> None:
    """A reversal's entries plus its original's, per account, must cancel out exactly."""
    reversal = LedgerTransaction.__table__.alias("reversal")
    own = select(reversal.c.id.label("rev"), LedgerEntry.account_id, LedgerEntry.amount).join(
        LedgerEntry, LedgerEntry.transaction_id == reversal.c.id
    )
    originals = select(reversal.c.id.label("rev"), LedgerEntry.account_id, LedgerEntry.amount).join(
        LedgerEntry, LedgerEntry.transaction_id == reversal.c.reverses_id
    )
    is_reversal = reversal.c.reverses_id.is_not(None)
    both = own.where(is_reversal).union_all(originals.where(is_reversal)).subquery()
    rows = db.session.scalars(
        select(both.c.rev)
        .group_by(both.c.rev, both.c.account_id)
        .having(func.sum(both.c.amount) != 0)
    )
    for reversal_id in sorted(set(rows)):
        report.add(
            "reversal_mismatch",
            f"transaction {reversal_id}",
            "is not the exact opposite of the transaction it reverses",
        )


def _check_chains(report: VerifyReport, progress: Callable[[int], None] | None) -> None:
    """Walk accounts in id batches and each batch's entries in chain order (bounded memory)."""
    last_id = 0
    while True:
        accounts = db.session.execute(
            select(
                LedgerAccount.id,
                LedgerAccount.kind,
                LedgerAccount.balance,
                LedgerAccount.version,
                LedgerAccount.allow_negative,
            )
            .where(LedgerAccount.id > last_id)
            .order_by(LedgerAccount.id)
            .limit(_ACCOUNT_BATCH)
        ).all()
        if not accounts:
            return
        report.accounts += len(accounts)
        last_id = accounts[-1].id
        state = _walk_entries(report, {a.id: a for a in accounts}, progress)
        for account in accounts:
            version, balance, _ = state.get(account.id, (0, 0, GENESIS_HASH))
            subject = f"account {account.id}"
            if account.balance != balance:
                report.add(
                    "balance_mismatch", subject, f"stored {account.balance}, entries sum {balance}"
                )
            if account.version != version:
                report.add(
                    "version_mismatch", subject, f"stored {account.version}, {version} entries"
                )
            if account.kind == KIND_RESIDENT and (account.allow_negative or account.balance < 0):
                report.add("negative_balance", subject, f"resident balance {account.balance}")


def _walk_entries(
    report: VerifyReport, accounts: dict, progress: Callable[[int], None] | None
) -> dict[int, tuple[int, int, str]]:
    stmt = (
        select(
            LedgerEntry.id,
            LedgerEntry.account_id,
            LedgerEntry.account_version,
            LedgerEntry.transaction_id,
            LedgerEntry.amount,
            LedgerEntry.balance_after,
            LedgerEntry.prev_hash,
            LedgerEntry.hash,
            LedgerTransaction.code,
            LedgerTransaction.reference,
            LedgerTransaction.memo,
            LedgerTransaction.created_at,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id.between(min(accounts), max(accounts)))
        .order_by(LedgerEntry.account_id, LedgerEntry.account_version)
        .execution_options(yield_per=5000)
    )
    state: dict[int, tuple[int, int, str]] = {}  # account -> (version, balance, last hash)
    for row in db.session.execute(stmt):
        report.entries += 1
        if progress and report.entries % 10_000 == 0:
            progress(report.entries)
        version, balance, last_hash = state.get(row.account_id, (0, 0, GENESIS_HASH))
        subject = f"account {row.account_id} entry {row.id}"
        if row.account_version != version + 1:
            report.add("chain_gap", subject, f"version {row.account_version} after {version}")
        if row.prev_hash != last_hash:
            report.add("chain_broken", subject, "prev_hash is not the previous entry's hash")
        expected = entry_hash(
            prev_hash=row.prev_hash,
            account_id=row.account_id,
            account_version=row.account_version,
            transaction_id=row.transaction_id,
            amount=row.amount,
            balance_after=row.balance_after,
            code=row.code,
            reference=row.reference,
            memo=row.memo,
            created_at=row.created_at,
        )
        if row.hash != expected:
            report.add("hash_mismatch", subject, "stored hash does not match the entry's fields")
        balance += row.amount
        if row.balance_after != balance:
            report.add("balance_after_wrong", subject, f"{row.balance_after} != running {balance}")
        account = accounts.get(row.account_id)
        if balance < 0 and account is not None and not account.allow_negative:
            report.add("negative_balance", subject, f"balance went to {balance}")
        state[row.account_id] = (row.account_version, balance, row.hash)
    return state


def _check_lots(report: VerifyReport) -> None:
    """Lot checks in SQL, so memory stays flat however many lots there are."""
    report.lots = db.session.execute(select(func.count()).select_from(LedgerLot)).scalar_one()
    moved = (
        select(LedgerLotMovement.lot_id, func.sum(LedgerLotMovement.amount).label("total"))
        .group_by(LedgerLotMovement.lot_id)
        .subquery()
    )
    total = func.coalesce(moved.c.total, 0)
    for lot_id, account_id, remaining, moved_total in db.session.execute(
        select(LedgerLot.id, LedgerLot.account_id, LedgerLot.remaining, total)
        .outerjoin(moved, moved.c.lot_id == LedgerLot.id)
        .where((LedgerLot.remaining != total) | (LedgerLot.remaining < 0))
    ):
        report.add(
            "lot_mismatch",
            f"lot {lot_id} (account {account_id})",
            f"remaining {remaining}, movements sum {moved_total}",
        )
    for lot_id, account_id, kind in db.session.execute(
        select(LedgerLot.id, LedgerLot.account_id, LedgerAccount.kind)
        .join(LedgerAccount, LedgerAccount.id == LedgerLot.account_id)
        .where(LedgerAccount.kind != KIND_RESIDENT)
    ):
        report.add("lot_on_non_resident", f"lot {lot_id} (account {account_id})", f"kind {kind}")
    held = (
        select(LedgerLot.account_id, func.sum(LedgerLot.remaining).label("held"))
        .group_by(LedgerLot.account_id)
        .subquery()
    )
    held_total = func.coalesce(held.c.held, 0)
    for account_id, balance, lots_hold in db.session.execute(
        select(LedgerAccount.id, LedgerAccount.balance, held_total)
        .outerjoin(held, held.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == KIND_RESIDENT, LedgerAccount.balance != held_total)
    ):
        report.add(
            "lots_vs_balance", f"account {account_id}", f"lots hold {lots_hold}, balance {balance}"
        )
    _check_movements_match_entries(report)


def _check_movements_match_entries(report: VerifyReport) -> None:
    """Each resident entry equals the lot movements of its transaction on that account."""
    resident_entries = (
        select(
            LedgerEntry.transaction_id.label("txn"),
            LedgerEntry.account_id.label("account"),
            LedgerEntry.amount.label("amount"),
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.kind == KIND_RESIDENT)
    )
    movements = select(
        LedgerLotMovement.transaction_id.label("txn"),
        LedgerLot.account_id.label("account"),
        (-LedgerLotMovement.amount).label("amount"),
    ).join(LedgerLot, LedgerLot.id == LedgerLotMovement.lot_id)
    both = resident_entries.union_all(movements).subquery()
    for txn_id, account_id, difference in db.session.execute(
        select(both.c.txn, both.c.account, func.sum(both.c.amount))
        .group_by(both.c.txn, both.c.account)
        .having(func.sum(both.c.amount) != 0)
    ):
        report.add(
            "lot_movements_vs_entry",
            f"transaction {txn_id} account {account_id}",
            f"entry and lot movements differ by {difference}",
        )
