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
    # shards' chains get all 20 entries between them.
    outcomes = _race(
        app,
        20,
        lambda i: service.earn_points(
            users[i % 10], 3, code="checkin_reward", reference=f"checkin:{i}", memo="+3"
        ),
    )

    assert outcomes == ["ok"] * 20
    db.session.expire_all()
    shards = db.session.scalars(
        select(LedgerAccount).where(
            (LedgerAccount.owner == "issuance") | LedgerAccount.owner.startswith("issuance:")
        )
    ).all()
    assert sum(s.balance for s in shards) == -60 and sum(s.version for s in shards) == 20
    assert [service.get_points_balance(u) for u in users] == [6] * 10


def test_sharded_system_accounts_stay_balanced_and_chained_under_a_storm(app, ctx):
    """Issue 13: `issuance` and `redemptions` are split in shards picked by the resident;
    a storm of credits, spends and reversals across residents (concurrent postings that
    share shards, in both orders of their accounts) leaves every shard's chain and
    balance exact and the totals what was posted."""
    from app.ledger.verify import verify_ledger
    from tests.ledger.conftest import create_resident

    users = [create_resident() for _ in range(40)]
    db.session.commit()
    for i, user in enumerate(users):
        service.earn_points(user, 50, code="checkin_reward", reference=f"seed:{i}", memo="+50")
    db.session.commit()
    spends = {}

    def work(i: int) -> None:
        user = users[i % len(users)]
        if i % 3 == 0:
            service.earn_points(user, 7, code="checkin_reward", reference=f"e:{i}", memo="+7")
        elif i % 3 == 1:
            txn = service.spend_points(user, 5, code="redemption", reference=f"c:{i}", memo="-5")
            spends[i] = txn.id
        else:  # a reversal posts the same accounts the other way round
            txn = service.spend_points(user, 3, code="redemption", reference=f"r:{i}", memo="-3")
            service.reverse_transaction(
                txn.id, code="redemption_refund", reference=f"refund:{i}", memo="+3"
            )

    outcomes = _race(app, 120, work)
    assert outcomes == ["ok"] * 120
    db.session.expire_all()

    def shards(name: str) -> list[LedgerAccount]:
        return list(
            db.session.scalars(
                select(LedgerAccount).where(
                    (LedgerAccount.owner == name) | LedgerAccount.owner.startswith(f"{name}:")
                )
            )
        )

    issuance, redemptions = shards("issuance"), shards("redemptions")
    assert len(issuance) > 1 and len(redemptions) > 1
    assert sum(a.balance for a in issuance) == -(40 * 50 + 40 * 7)
    assert sum(a.balance for a in redemptions) == 40 * 5
    assert sum(service.get_points_balance(u) for u in users) == 40 * (50 + 7 - 5)
    report = verify_ledger()
    assert report.ok, [str(b) for b in report.breaches]
