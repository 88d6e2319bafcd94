"""Expiry: due lots move to `expired`, in batches with progress, and a rerun changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.ledger import service
from app.ledger.expiry import count_due, expire_due_lots
from app.ledger.models import LedgerAccount, LedgerTransaction
from app.ledger.verify import verify_ledger
from tests.ledger.conftest import create_resident

JAN_2027 = datetime(2027, 1, 1, tzinfo=UTC)
JAN_2028 = datetime(2028, 1, 1, tzinfo=UTC)


def _earn(user_id: int, amount: int, ref: str, expires_at: datetime) -> None:
    service.earn_points(
        user_id, amount, code="checkin_reward", reference=ref, memo=f"+{amount}",
        expires_at=expires_at,
    )  # fmt: skip


def _expiries() -> int:
    stmt = select(func.count()).select_from(LedgerTransaction)
    return db.session.scalar(stmt.where(LedgerTransaction.code == "expiry"))


def _expired_balance() -> int:
    return (
        db.session.scalar(select(LedgerAccount.balance).where(LedgerAccount.owner == "expired"))
        or 0
    )


def test_only_due_lots_expire_and_a_second_run_changes_nothing(resident):
    _earn(resident, 10, "e:1", JAN_2027)
    _earn(resident, 20, "e:2", JAN_2028)
    service.spend_points(resident, 4, code="redemption", reference="c:1", memo="-4")
    db.session.commit()

    assert count_due(JAN_2027) == (1, 6)
    first = expire_due_lots(JAN_2027)
    db.session.commit()
    again = expire_due_lots(JAN_2027)
    db.session.commit()

    assert (first.accounts, first.points) == (1, 6)
    assert (again.accounts, again.points) == (0, 0)
    assert service.get_points_balance(resident) == 20
    assert _expiries() == 1 and _expired_balance() == 6
    assert [(lot.expires_at, lot.remaining) for lot in service.list_expiring_lots(resident)] == [
        (JAN_2028, 20)
    ]
    rows, _ = service.list_ledger_entries(resident, 1, None)
    assert (rows[0].amount, rows[0].code, rows[0].memo) == (-6, "expiry", "积分过期 -6")
    assert verify_ledger().ok


def test_a_refund_after_expiry_returns_points_that_expire_at_the_next_run(resident):
    _earn(resident, 10, "e:1", JAN_2027)
    spend = service.spend_points(resident, 10, code="redemption", reference="c:1", memo="-10")
    assert expire_due_lots(JAN_2027).points == 0  # nothing left in the due lot
    service.reverse_transaction(
        spend.id, code="redemption_refund", reference="cr:1", memo="退券 +10"
    )
    assert service.get_points_balance(resident) == 10  # the refund keeps the original expiry
    assert expire_due_lots(JAN_2027).points == 10
    assert service.get_points_balance(resident) == 0
    db.session.commit()
    assert verify_ledger().ok


def test_the_command_works_in_batches_with_progress_and_reruns_cleanly(app, ctx):
    users = [create_resident() for _ in range(5)]
    for n, user_id in enumerate(users):
        _earn(user_id, 10 + n, f"e:{n}", JAN_2027)
        _earn(user_id, 1, f"keep:{n}", JAN_2028)
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["points", "expire", "--now", "2027-01-01T08:00:00+08:00", "--batch-size", "2"]

    dry = runner.invoke(args=[*args, "--dry-run"])
    first = runner.invoke(args=args)
    second = runner.invoke(args=args)

    assert dry.exit_code == 0 and "60 points in 5 accounts" in dry.output
    assert first.exit_code == 0, first.output
    assert "expired 21 points in 2/5 accounts" in first.output
    assert "expired 60 points in 5/5 accounts" in first.output
    assert "done: 60 points expired in 5 accounts" in first.output
    assert second.exit_code == 0 and "due as of" in second.output and "done" not in second.output
    db.session.expire_all()
    assert [service.get_points_balance(u) for u in users] == [1] * 5
    assert _expiries() == 5 and _expired_balance() == 60
    from app.audit.models import AuditEntry

    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "points.expire")).all()
    assert len(audit) == 1 and audit[0].after == {"accounts": 5, "points": 60}


def test_the_command_refuses_a_time_without_offset(app, ctx):
    result = app.test_cli_runner().invoke(args=["points", "expire", "--now", "2027-01-01"])
    assert result.exit_code == 2 and "UTC offset" in result.output
