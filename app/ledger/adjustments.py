"""Operator points adjustments under the four-eyes rule.

One operator proposes (`pending_approval`), a different operator approves (the points
move, `applied`) or any operator rejects. The step from pending to decided is one
conditional UPDATE, so two approvals at once apply once; the maker can never approve
their own. Every step writes the audit log in the same database transaction.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit.service import record_audit
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.ledger.accounts import ADJUSTMENTS, named_account, resident_account
from app.ledger.errors import AccountNotFound
from app.ledger.lots import credit_lot, debit_lots, expiry_for
from app.ledger.models import (
    ADJUSTMENT_APPLIED,
    ADJUSTMENT_PENDING,
    ADJUSTMENT_REJECTED,
    LedgerTransaction,
    PointsAdjustment,
)
from app.ledger.posting import Posting, post_once
from app.users.service import find_live_user


class AdjustmentNotFound(NotFound):
    reason, message = "adjustment_not_found", "积分调整单不存在"


class SameOperator(Conflict):
    reason, message = "same_operator", "发起人不能审批自己的调整单"


class AdjustmentNotPending(Conflict):
    reason, message = "adjustment_not_pending", "该调整单已处理"


def _snapshot(adjustment: PointsAdjustment) -> dict:
    return {
        "user_id": adjustment.user_id,
        "amount": adjustment.amount,
        "reason": adjustment.reason,
        "status": adjustment.status,
        "maker_id": adjustment.maker_id,
        "checker_id": adjustment.checker_id,
        "transaction_id": adjustment.transaction_id,
    }


def create_adjustment(maker_id: int, user_id: int, amount: int, reason: str) -> PointsAdjustment:
    """Propose changing a resident's points by `amount` (signed, non-zero).

    Raises AccountNotFound (404 `user_not_found`), ValueError for a zero amount.
    """
    if type(amount) is not int or amount == 0:
        raise ValueError("amount must be a non-zero int")
    try:
        find_live_user(user_id)
    except NotFound:
        raise AccountNotFound() from None
    adjustment = PointsAdjustment(
        user_id=user_id,
        amount=amount,
        reason=reason.strip(),
        status=ADJUSTMENT_PENDING,
        maker_id=maker_id,
        created_at=utcnow(),
    )
    db.session.add(adjustment)
    db.session.flush()
    record_audit(
        maker_id, "points.adjustment.create", f"adjustment:{adjustment.id}", None,
        _snapshot(adjustment),
    )  # fmt: skip
    return adjustment


def get_adjustment(adjustment_id: int) -> PointsAdjustment:
    """One adjustment. Raises AdjustmentNotFound (404 `adjustment_not_found`)."""
    adjustment = db.session.get(PointsAdjustment, adjustment_id)
    if adjustment is None:
        raise AdjustmentNotFound()
    return adjustment


def _decide(adjustment_id: int, checker_id: int, status: str, note: str | None) -> None:
    """Pending -> `status`, once: a concurrent decision makes this one 409."""
    result = db.session.execute(
        update(PointsAdjustment)
        .where(PointsAdjustment.id == adjustment_id, PointsAdjustment.status == ADJUSTMENT_PENDING)
        .values(status=status, checker_id=checker_id, decision_note=note, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise AdjustmentNotPending()


def approve_adjustment(
    adjustment_id: int,
    checker_id: int,
    note: str | None = None,
    *,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> PointsAdjustment:
    """Approve and apply an adjustment: one ledger transaction between the resident and
    the `adjustments` account (a credit gets a lot under the expiry policy).

    Raises AdjustmentNotFound (404), SameOperator (409 `same_operator`),
    AdjustmentNotPending (409 `adjustment_not_pending`), InsufficientPoints (409
    `insufficient_points`) when a debit exceeds the balance, IdempotencyKeyReused (422).
    """
    adjustment = get_adjustment(adjustment_id)
    if adjustment.maker_id == checker_id:
        raise SameOperator()
    before = _snapshot(adjustment)
    _decide(adjustment_id, checker_id, ADJUSTMENT_APPLIED, note)
    txn = _post_adjustment(adjustment, idempotency_key, request_hash)
    db.session.execute(
        update(PointsAdjustment)
        .where(PointsAdjustment.id == adjustment_id)
        .values(transaction_id=txn.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(adjustment)
    record_audit(
        checker_id, "points.adjustment.approve", f"adjustment:{adjustment_id}", before,
        {**_snapshot(adjustment), "note": note},
    )  # fmt: skip
    return adjustment


def _post_adjustment(
    adjustment: PointsAdjustment, idempotency_key: str | None, request_hash: str | None
) -> LedgerTransaction:
    amount = adjustment.amount
    resident = resident_account(adjustment.user_id)
    counter = named_account(ADJUSTMENTS)
    posting = Posting(
        code="adjustment",
        reference=f"adjustment:{adjustment.id}",
        memo=f"人工调整 {amount:+d}",
        legs={resident.id: amount, counter.id: -amount},
        last=frozenset({counter.id}),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )

    def book_lots(txn: LedgerTransaction) -> None:
        if amount > 0:
            credit_lot(resident.id, txn.id, amount, expiry_for(txn.created_at))
        else:
            debit_lots(resident.id, txn.id, -amount)

    return post_once(posting, book_lots)


def reject_adjustment(adjustment_id: int, checker_id: int, note: str | None = None
                      ) -> PointsAdjustment:  # fmt: skip
    """Reject a pending adjustment (the maker may withdraw their own).

    Raises AdjustmentNotFound (404), AdjustmentNotPending (409 `adjustment_not_pending`).
    """
    adjustment = get_adjustment(adjustment_id)
    before = _snapshot(adjustment)
    _decide(adjustment_id, checker_id, ADJUSTMENT_REJECTED, note)
    db.session.refresh(adjustment)
    record_audit(
        checker_id, "points.adjustment.reject", f"adjustment:{adjustment_id}", before,
        {**_snapshot(adjustment), "note": note},
    )  # fmt: skip
    return adjustment


def list_adjustments(
    limit: int, cursor: str | None, *, status: str | None = None, user_id: int | None = None
) -> tuple[list[PointsAdjustment], str | None]:
    """Adjustments newest first, optionally by status or resident. Raises InvalidCursor."""
    from app.pagination import paginate_desc

    stmt = select(PointsAdjustment)
    if status:
        stmt = stmt.where(PointsAdjustment.status == status)
    if user_id is not None:
        stmt = stmt.where(PointsAdjustment.user_id == user_id)
    return paginate_desc(stmt, PointsAdjustment.id, limit, cursor)
