"""`flask ledger verify` passes on a healthy ledger and names each hand-made breach."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.ledger import service
from app.ledger.verify import verify_ledger
from tests.helpers import ROOT, process_env
from tests.ledger.conftest import create_resident
from tests.ledger.helpers import append_only_guard_off


@pytest.fixture
def history(ctx) -> dict:
    """Two residents with earns, a spend, a refund and an adjustment-like debit."""
    alice, bob = create_resident(), create_resident()
    service.earn_points(alice, 100, code="checkin_reward", reference="checkin:1", memo="+100")
    service.earn_points(bob, 40, code="werun_reward", reference="werun:1", memo="+40")
    spend = service.spend_points(alice, 30, code="redemption", reference="coupon:1", memo="-30")
    service.reverse_transaction(
        spend.id, code="redemption_refund", reference="coupon-refund:1", memo="+30"
    )
    service.spend_points(bob, 15, code="redemption", reference="coupon:2", memo="-15")
    db.session.commit()
    return {"alice": alice, "bob": bob}


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def test_a_healthy_ledger_verifies(app, history):
    code, output = _verify(app)
    assert code == 0, output
    assert "ledger ok" in output
    assert verify_ledger().ok


def _entry_of(user_id: int, version: int = 1) -> int:
    account_id = service.ensure_resident_account(user_id).id
    return db.session.scalar(
        text("SELECT id FROM ledger_entries WHERE account_id = :a AND account_version = :v"),
        {"a": account_id, "v": version},
    )


def test_a_hand_edited_entry_amount_is_caught(app, history):
    entry_id = _entry_of(history["alice"])
    with append_only_guard_off("ledger_entries"):
        db.session.execute(
            text("UPDATE ledger_entries SET amount = 1000 WHERE id = :id"), {"id": entry_id}
        )
    db.session.commit()

    code, output = _verify(app)

    assert code == 1
    assert "hash_mismatch account" in output and f"entry {entry_id}" in output
    assert "balance_mismatch" in output
    assert "unbalanced_transaction" in output
    assert "ledger verify FAILED" in output


def test_an_entry_rewritten_consistently_still_breaks_the_chain(app, history):
    """Someone fixes amount, balance_after and its own hash: the next link still breaks."""
    from app.ledger.chain import entry_hash

    entry_id = _entry_of(history["bob"])
    row = db.session.execute(
        text(
            "SELECT e.account_id, e.account_version, e.transaction_id, e.prev_hash, t.code,"
            " t.reference, t.memo, t.created_at FROM ledger_entries e"
            " JOIN ledger_transactions t ON t.id = e.transaction_id WHERE e.id = :id"
        ),
        {"id": entry_id},
    ).one()
    from app.ledger.models import LedgerTransaction

    created_at = db.session.get(LedgerTransaction, row.transaction_id).created_at
    forged = entry_hash(
        prev_hash=row.prev_hash, account_id=row.account_id, account_version=1,
        transaction_id=row.transaction_id, amount=400, balance_after=400, code=row.code,
        reference=row.reference, memo=row.memo, created_at=created_at,
    )  # fmt: skip
    with append_only_guard_off("ledger_entries"):
        db.session.execute(
            text("UPDATE ledger_entries SET amount = 400, balance_after = 400, hash = :h"
                 " WHERE id = :id"),
            {"h": forged, "id": entry_id},
        )  # fmt: skip
    db.session.commit()

    code, output = _verify(app)

    assert code == 1
    assert "chain_broken" in output and "hash_mismatch" not in output.split("chain_broken")[0]


def test_a_changed_memo_and_a_tampered_balance_are_caught(app, history):
    with append_only_guard_off("ledger_transactions"):
        db.session.execute(
            text("UPDATE ledger_transactions SET memo = '改过' WHERE reference = 'werun:1'")
        )
    account_id = service.ensure_resident_account(history["alice"]).id
    db.session.execute(
        text("UPDATE ledger_accounts SET balance = balance + 5 WHERE id = :id"), {"id": account_id}
    )
    db.session.commit()

    report = verify_ledger()
    kinds = {b.kind for b in report.breaches}
    assert "hash_mismatch" in kinds
    assert "balance_mismatch" in kinds and "lots_vs_balance" in kinds
    assert any(b.subject == f"account {account_id}" for b in report.breaches)


def test_a_deleted_entry_and_a_moved_lot_are_caught(app, history):
    entry_id = _entry_of(history["alice"], version=2)
    with append_only_guard_off("ledger_entries"):
        db.session.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": entry_id})
    db.session.execute(text("UPDATE ledger_lots SET remaining = remaining + 1"))
    db.session.commit()

    kinds = {b.kind for b in verify_ledger().breaches}

    assert {"chain_gap", "unbalanced_transaction", "lot_mismatch", "reversal_mismatch"} <= kinds


def test_the_real_command_exits_non_zero(app, app_settings, history):
    entry_id = _entry_of(history["bob"])
    with append_only_guard_off("ledger_entries"):
        db.session.execute(
            text("UPDATE ledger_entries SET balance_after = 7 WHERE id = :id"), {"id": entry_id}
        )
    db.session.commit()
    env = process_env(app_settings, app_settings["INSTANCE_PATH"])

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ledger", "verify", "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BREACH hash_mismatch account" in result.stdout
    assert "balance_after_wrong" in result.stdout


def test_entries_and_transactions_refuse_update(app, history):
    from app.audit.service import record_audit

    record_audit(None, "test.action", "thing:1", None, {"a": 1})
    db.session.commit()
    for statement in (
        "UPDATE ledger_entries SET amount = amount",
        "UPDATE ledger_transactions SET memo = 'x'",
        "UPDATE ledger_lot_movements SET amount = amount",
        "UPDATE audit_log SET action = 'x'",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    db.session.rollback()


def test_postgresql_refuses_delete_too(app, history):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps DELETE possible for the test suite's table cleaning")
    for table in ("ledger_entries", "ledger_transactions"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.rollback()


def test_verify_reads_one_snapshot_without_taking_the_write_lock(app, history):
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.strip().upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        code, output = _verify(app)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert code == 0, output
    if db.engine.dialect.name == "sqlite":
        assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements
    assert not any(s.startswith(("UPDATE", "INSERT", "DELETE")) for s in statements)
