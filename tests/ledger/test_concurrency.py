"""Exact outcomes under concurrency: threads, each with its own app context, session and
database connection, against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.errors import AppError
from app.extensions import db
from app.ledger import service
from app.ledger.models import LedgerAccount, LedgerTransaction


def _race(app, n: int, work) -> list[str]:
    """Run work(i) in n threads released at once; each commits or rolls back its own
    unit of work. Returns "ok" or the error reason per call."""
    # The caller's own session must not hold SQLite's write lock while the threads run.
    db.session.close()
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                db.session.commit()
                return "ok"
            except AppError as error:
                db.session.rollback()
                return error.reason
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _count_transactions(code: str | None = None) -> int:
    stmt = select(func.count()).select_from(LedgerTransaction)
    if code:
        stmt = stmt.where(LedgerTransaction.code == code)
    return db.session.scalar(stmt)


def test_twenty_concurrent_spends_of_a_whole_balance_give_one_success(app, resident):
    service.earn_points(resident, 100, code="checkin_reward", reference="e:1", memo="+100")
    db.session.commit()

    outcomes = _race(
        app,
        20,
        lambda i: service.spend_points(
            resident, 100, code="redemption", reference=f"coupon:{i}", memo="兑换 -100"
        ),
    )

    assert Counter(outcomes) == {"ok": 1, "insufficient_points": 19}
    db.session.expire_all()
    assert service.get_points_balance(resident) == 0
    assert _count_transactions("redemption") == 1


def test_fifty_concurrent_calls_with_one_idempotency_key_give_one_transaction(app, resident):
    outcomes = _race(
        app,
        50,
        lambda i: service.earn_points(
            resident,
            7,
            code="partner_reward",
            reference="partner:bus:evt-1",
            memo="公交出行 +7",
            idempotency_key=f"{resident}:key-1",
            request_hash="same-body",
        ),
    )

    assert outcomes == ["ok"] * 50
    db.session.expire_all()
    assert _count_transactions() == 1
    assert service.get_points_balance(resident) == 7


def test_one_key_for_different_requests_at_once_gives_one_transaction(app, resident):
    outcomes = _race(
        app,
        20,
        lambda i: service.earn_points(
            resident,
            1,
            code="checkin_reward",
            reference=f"checkin:{i}",
            memo="+1",
            idempotency_key=f"{resident}:shared",
            request_hash=f"body-{i}",
        ),
    )

    assert Counter(outcomes) == {"ok": 1, "idempotency_key_reused": 19}
    db.session.expire_all()
    assert service.get_points_balance(resident) == 1


def test_concurrent_reversals_of_one_spend_refund_once(app, resident):
    service.earn_points(resident, 50, code="checkin_reward", reference="e:1", memo="+50")
    spend_id = service.spend_points(resident, 50, code="redemption", reference="c:1", memo="-50").id
    db.session.commit()

    outcomes = _race(
        app,
        20,
        lambda i: service.reverse_transaction(
            spend_id, code="redemption_refund", reference=f"refund:{i}", memo="退券 +50"
        ),
    )

    assert Counter(outcomes) == {"ok": 1, "already_reversed": 19}
    db.session.expire_all()
    assert service.get_points_balance(resident) == 50


def test_first_credits_of_many_residents_at_once_keep_every_chain(app, ctx):
    from tests.ledger.conftest import create_resident

    users = [create_resident() for _ in range(10)]
    db.session.commit()

    # Two credits per resident at once: the account is created once, the issuance
    # account's chain gets all 20 entries in a single line.
    outcomes = _race(
        app,
        20,
        lambda i: service.earn_points(
            users[i % 10], 3, code="checkin_reward", reference=f"checkin:{i}", memo="+3"
        ),
    )

    assert outcomes == ["ok"] * 20
    db.session.expire_all()
    issuance = db.session.scalar(select(LedgerAccount).where(LedgerAccount.owner == "issuance"))
    assert (issuance.balance, issuance.version) == (-60, 20)
    assert [service.get_points_balance(u) for u in users] == [6] * 10
