"""Which postings run in a savepoint of their own (app/ledger/posting.py): one that can
be refused does, so a refusal after its claim leaves nothing behind even for a caller
that goes on and commits; a credit from `issuance` cannot be refused and needs none
(two statements fewer on every check-in, issue 13 step 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import service
from app.ledger.models import LedgerEntry, LedgerTransaction
from tests.helpers import statements_of


def _savepoints_of(call) -> int:
    return sum(s.lstrip().upper().startswith("SAVEPOINT") for s in statements_of(call))


def _earn(user_id: int, reference: str, amount: int = 50):
    return service.earn_points(user_id, amount, code="checkin", reference=reference, memo="m")


def test_a_credit_posts_without_a_savepoint_and_a_spend_with_one(resident):
    def spend(reference: str):
        return service.spend_points(resident, 10, code="redemption", reference=reference, memo="")

    _earn(resident, "r0")  # the first ones create the accounts (savepoints of their own)
    spend("s0")
    assert _savepoints_of(lambda: _earn(resident, "r1")) == 0
    assert _savepoints_of(lambda: spend("s1")) == 1
    db.session.commit()
    assert service.get_points_balance(resident) == 80


def test_a_repeated_credit_writes_nothing_and_returns_the_first(resident):
    first = _earn(resident, "again")
    assert _earn(resident, "again", amount=70).id == first.id
    db.session.commit()
    assert service.get_points_balance(resident) == 50
    entries = db.session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.transaction_id == first.id)
    )
    assert entries == 2


def test_a_refused_spend_leaves_nothing_for_a_caller_that_commits(resident):
    _earn(resident, "r1", amount=10)
    with pytest.raises(service.InsufficientPoints):
        service.spend_points(resident, 20, code="redemption", reference="too-much", memo="")
    db.session.commit()  # what a caller catching the refusal may do

    assert service.get_points_balance(resident) == 10
    assert service.find_transaction_by_reference("too-much") is None
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1
    assert service.verify_ledger().ok
