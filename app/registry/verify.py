"""`flask registry verify`: recompute the registry's books and invariants from raw rows.

Per batch: members' carbon equals their records', each record in at most one batch, the
batch's count, total and Merkle root recompute; an issued batch's units are
floor((total + carried in) / 1 kg) with the remainder carried out, and the carry chain
takes each remainder once; issued = held + buffer + retired + cancelled; the active
blocks are contiguous, non-overlapping and exactly 1..units, each in an account of its
batch with its account's status, summing to each account's balance; replaying every
entry's serial range, each account in its chain's order, reproduces the active blocks.
Per movement: entries sum to zero. Per account: the hash chain, versions, running
balances and the stored balance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import func, select

from app.carbon import service as carbon
from app.extensions import db
from app.ledger.models import GENESIS_HASH
from app.ledger.service import VerifyReport
from app.registry import books, merkle, sources
from app.registry.models import (
    ACCOUNT_ISSUANCE,
    BATCH_ISSUED,
    MG_PER_UNIT,
    Batch,
    BatchMember,
    Block,
    UnitAccount,
    UnitEntry,
    UnitTransaction,
)

_CHECKS: list[Callable[[VerifyReport], None]] = []


def register_check(check: Callable[[VerifyReport], None]) -> None:
    """Let a domain add its own checks (e.g. that a sink member's leaf data matches the
    tree-year it names); they run after the registry's own."""
    _CHECKS.append(check)


def verify_registry() -> VerifyReport:
    """Check the whole registry; returns the report with every breach named."""
    report = VerifyReport()
    _check_members_unique(report)
    for batch in db.session.scalars(select(Batch).order_by(Batch.id)):
        _check_batch(report, batch)
    _check_carry_chain(report)
    _check_transactions(report)
    _check_chains(report)
    for check in _CHECKS:
        check(report)
    return report


def _check_members_unique(report: VerifyReport) -> None:
    rows = db.session.execute(
        select(BatchMember.record_id, func.count())
        .where(BatchMember.record_id.is_not(None))
        .group_by(BatchMember.record_id)
        .having(func.count() > 1)
    )
    for record_id, count in rows:
        report.add("record", f"#{record_id}", f"in {count} batches")
    refs = db.session.execute(
        select(BatchMember.source_ref, func.count())
        .where(BatchMember.source_ref.is_not(None))
        .group_by(BatchMember.source_ref)
        .having(func.count() > 1)
    )
    for ref, count in refs:
        report.add("member", ref, f"in {count} batches")


def _check_batch(report: VerifyReport, batch: Batch) -> None:
    subject = f"batch #{batch.id}"
    members = db.session.scalars(
        select(BatchMember).where(BatchMember.batch_id == batch.id).order_by(BatchMember.id)
    ).all()
    counted = [m for m in members if not m.excluded]
    ids = [m.record_id for m in members if m.record_id is not None]
    records = {r.id: r for r in carbon.records_by_ids(ids)}
    leaves = []
    for member in counted:
        if member.record_id is not None:
            record = records.get(member.record_id)
            if record is None or record.carbon_mg != member.carbon_mg:
                report.add("member", subject, f"record #{member.record_id} carbon differs")
                continue
            data = sources.record_leaf_data(record)
        else:
            data = member.leaf_data  # its own domain checks it (register_check)
        if merkle.leaf_hash(data) != member.leaf_hash:
            what = f"record #{member.record_id}" if member.record_id else member.source_ref
            report.add("member", subject, f"{what} leaf hash differs")
        leaves.append(member.leaf_hash)
    if [m.position for m in counted] != list(range(len(counted))):
        report.add("batch", subject, "leaf positions are not 0..n-1 in member order")
    if batch.member_count != len(counted):
        report.add("batch", subject, f"member_count {batch.member_count} != {len(counted)}")
    if batch.total_mg != sum(m.carbon_mg for m in counted):
        report.add("batch", subject, "total is not the sum of its counted members")
    if batch.merkle_root != merkle.root(leaves):
        report.add("batch", subject, "Merkle root does not recompute")
    if batch.status == BATCH_ISSUED:
        _check_issued(report, batch, subject)


def _check_issued(report: VerifyReport, batch: Batch, subject: str) -> None:
    units, carry = divmod(batch.total_mg + batch.carry_in_mg, MG_PER_UNIT)
    if (batch.units, batch.carry_out_mg) != (units, carry):
        report.add(
            "batch", subject, f"units/carry {batch.units}/{batch.carry_out_mg} != {units}/{carry}"
        )
    expected_revoked = min(math.ceil(batch.revoked_mg / MG_PER_UNIT), batch.units)
    if batch.revoked_units > expected_revoked:
        report.add("batch", subject, "more units cancelled for revocations than revoked")
    accounts = db.session.scalars(select(UnitAccount).where(UnitAccount.batch_id == batch.id)).all()
    issuance = sum(a.balance for a in accounts if a.kind == ACCOUNT_ISSUANCE)
    others = sum(a.balance for a in accounts if a.kind != ACCOUNT_ISSUANCE)
    if -issuance != batch.units or others != batch.units:
        report.add(
            "batch",
            subject,
            f"issued {batch.units} != issuance {-issuance} "
            f"!= held+buffer+retired+cancelled {others}",
        )
    by_account = {a.id: a for a in accounts}
    blocks = db.session.scalars(
        select(Block)
        .where(Block.batch_id == batch.id, Block.active.is_(True))
        .order_by(Block.first)
    ).all()
    expected_first = 1
    per_account: dict[int, int] = defaultdict(int)
    for block in blocks:
        if block.first != expected_first:
            report.add(
                "blocks",
                subject,
                f"gap or overlap at serial {block.first} (expected {expected_first})",
            )
        expected_first = block.last + 1
        account = by_account.get(block.account_id)
        if account is None or account.kind != block.status:
            report.add(
                "blocks", subject, f"block {block.first}-{block.last} is in the wrong account"
            )
            continue
        per_account[account.id] += block.quantity
    if batch.units and expected_first != batch.units + 1:
        report.add("blocks", subject, f"blocks end at {expected_first - 1}, not {batch.units}")
    for account in accounts:
        if account.kind != ACCOUNT_ISSUANCE and per_account[account.id] != account.balance:
            report.add(
                "blocks",
                subject,
                f"account #{account.id} blocks {per_account[account.id]}"
                f" != balance {account.balance}",
            )
    _check_replay(report, batch, subject, blocks)


def _check_replay(
    report: VerifyReport, batch: Batch, subject: str, blocks: Sequence[Block]
) -> None:
    """Replaying every entry's serial range must give the active blocks.

    Each account is replayed in its chain's order (`account_version`), not in movement
    id order: a movement's row and id are written before it takes its accounts' locks
    (the reference is claimed first), so on PostgreSQL a lower-numbered movement can
    wait and then take units that a higher-numbered one brought (docs/decisions/1010).
    The version is taken under the account's row lock (the conditional UPDATE in
    books._hold), unique per account and checked by `_check_chains`, so it is the order
    the account's blocks really changed in; and what an account holds depends only on
    its own entries."""
    holding: dict[int, set[tuple[int, int]]] = defaultdict(set)
    entries = db.session.execute(
        select(
            UnitEntry.account_id,
            UnitEntry.amount,
            UnitEntry.first,
            UnitEntry.last,
            UnitAccount.kind,
        )
        .join(UnitAccount, UnitAccount.id == UnitEntry.account_id)
        .where(UnitAccount.batch_id == batch.id)
        .order_by(UnitEntry.account_id, UnitEntry.account_version)
    ).all()
    for row in entries:
        if row.kind == ACCOUNT_ISSUANCE:
            continue
        if row.amount > 0:
            holding[row.account_id].add((row.first, row.last))
            continue
        containing = [r for r in holding[row.account_id] if r[0] <= row.first and row.last <= r[1]]
        if not containing:
            report.add(
                "replay",
                subject,
                f"serials {row.first}-{row.last} left account "
                f"#{row.account_id} that did not hold them",
            )
            continue
        start, end = containing[0]
        holding[row.account_id].remove((start, end))
        if start < row.first:
            holding[row.account_id].add((start, row.first - 1))
        if row.last < end:
            holding[row.account_id].add((row.last + 1, end))
    replayed = {(a, r) for a, ranges in holding.items() for r in ranges}
    actual = {(b.account_id, (b.first, b.last)) for b in blocks}
    if _merged(replayed) != _merged(actual):
        report.add("replay", subject, "the entries' serial ranges do not give the active blocks")


def _merged(pairs: set) -> set:
    """Per account, adjacent ranges joined (splits that moved nothing are not a breach)."""
    by_account: dict[int, list] = defaultdict(list)
    for account_id, rng in pairs:
        by_account[account_id].append(rng)
    merged = set()
    for account_id, ranges in by_account.items():
        ranges.sort()
        start, end = ranges[0]
        for first, last in ranges[1:]:
            if first == end + 1:
                end = last
            else:
                merged.add((account_id, start, end))
                start, end = first, last
        merged.add((account_id, start, end))
    return merged


def _check_carry_chain(report: VerifyReport) -> None:
    by_id = {b.id: b for b in db.session.scalars(select(Batch).where(Batch.status == BATCH_ISSUED))}
    for batch in by_id.values():
        source = by_id.get(batch.carried_from_id) if batch.carried_from_id else None
        expected = source.carry_out_mg if source else 0
        if batch.carried_from_id and (source is None or source.programme_id != batch.programme_id):
            report.add("carry", f"batch #{batch.id}", "carried from a batch of another programme")
        if batch.carry_in_mg != expected:
            report.add("carry", f"batch #{batch.id}", f"carry in {batch.carry_in_mg} != {expected}")


def _check_transactions(report: VerifyReport) -> None:
    report.transactions = db.session.execute(
        select(func.count()).select_from(UnitTransaction)
    ).scalar_one()
    rows = db.session.execute(
        select(
            UnitTransaction.id,
            func.count(UnitEntry.id),
            func.coalesce(func.sum(UnitEntry.amount), 0),
        )
        .outerjoin(UnitEntry, UnitEntry.transaction_id == UnitTransaction.id)
        .group_by(UnitTransaction.id)
    )
    for txn_id, count, total in rows:
        if count < 2 or total != 0:
            report.add("movement", f"#{txn_id}", f"{count} entries summing to {total}")


def _check_chains(report: VerifyReport) -> None:
    txns = {t.id: t for t in db.session.scalars(select(UnitTransaction))}
    for account in db.session.scalars(select(UnitAccount).order_by(UnitAccount.id)):
        report.accounts += 1
        subject = f"unit account #{account.id}"
        prev, balance, version = GENESIS_HASH, 0, 0
        for entry in db.session.scalars(
            select(UnitEntry)
            .where(UnitEntry.account_id == account.id)
            .order_by(UnitEntry.account_version)
        ):
            report.entries += 1
            version += 1
            balance += entry.amount
            if entry.account_version != version or entry.prev_hash != prev:
                report.add("chain", subject, f"entry #{entry.id} does not link to {version - 1}")
            if entry.balance_after != balance or abs(entry.amount) != entry.last - entry.first + 1:
                report.add("chain", subject, f"entry #{entry.id} amount or balance is wrong")
            if books.entry_hash(entry, txns[entry.transaction_id]) != entry.hash:
                report.add("chain", subject, f"entry #{entry.id} hash does not recompute")
            prev = entry.hash
        if (account.balance, account.version) != (balance, version):
            report.add(
                "account",
                subject,
                f"stored {account.balance}/{account.version} != entries {balance}/{version}",
            )
        if account.kind != ACCOUNT_ISSUANCE and balance < 0:
            report.add("account", subject, "below zero")
