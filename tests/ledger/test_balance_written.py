"""A posting's new balance is known without a query for the rest of its transaction
(app/ledger/posting.py `written_balance`): the resident's row is held from the posting's
UPDATE to the commit, so a redemption's answer needs no read of it (issue 13, step 3).
Any rollback, a savepoint's too, forgets it: the balance is then read again."""

from __future__ import annotations

from app.extensions import db
from app.ledger import service
from tests.helpers import statements_of


def _balance_reads(call) -> list[str]:
    return [s for s in statements_of(call) if s.startswith("SELECT ledger_accounts.balance")]


def _earn(user_id: int, reference: str, amount: int) -> None:
    service.earn_points(user_id, amount, code="checkin", reference=reference, memo="m")


def _spend(user_id: int, reference: str, amount: int) -> None:
    service.spend_points(user_id, amount, code="redemption", reference=reference, memo="")


def test_after_a_posting_the_balance_is_the_posted_one_without_a_query(resident):
    _earn(resident, "r0", 100)
    db.session.commit()
    _spend(resident, "s1", 30)
    balances: list[int] = []
    assert _balance_reads(lambda: balances.append(service.get_points_balance(resident))) == []
    _earn(resident, "r1", 5)  # a later posting in the same transaction: its value
    assert _balance_reads(lambda: balances.append(service.get_points_balance(resident))) == []
    assert balances == [70, 75]
    db.session.commit()
    reads = _balance_reads(lambda: balances.append(service.get_points_balance(resident)))
    assert len(reads) == 1 and balances[-1] == 75  # a new transaction reads it again


def test_a_rolled_back_savepoint_forgets_the_posted_balance(resident):
    _earn(resident, "r0", 100)
    db.session.commit()
    service.get_points_balance(resident)
    savepoint = db.session.begin_nested()
    _spend(resident, "inside", 40)
    assert service.get_points_balance(resident) == 60
    savepoint.rollback()
    balance: list[int] = []
    assert len(_balance_reads(lambda: balance.append(service.get_points_balance(resident)))) == 1
    assert balance == [100]
    db.session.rollback()


def test_a_rolled_back_core_savepoint_forgets_it_too(resident):
    # A savepoint taken on the connection (not through the session) rolls back without
    # any session event: the engine's event forgets the posted balances.
    _earn(resident, "r0", 100)
    db.session.commit()
    _spend(resident, "s1", 30)
    savepoint = db.session.connection().begin_nested()
    _spend(resident, "inside", 10)
    savepoint.rollback()
    assert service.get_points_balance(resident) == 70
    db.session.rollback()
