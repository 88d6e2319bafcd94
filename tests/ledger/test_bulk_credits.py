"""Many credits at once (app/ledger/bulk.py, a partner batch's base points): each is the
transaction `earn_points` would post, chained into every account it touches, in a number
of statements that does not grow with the credits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import service
from app.ledger.errors import LedgerInvariantBroken
from app.ledger.models import LedgerEntry, LedgerLot, LedgerLotMovement, LedgerTransaction
from tests.helpers import statements_of
from tests.ledger.conftest import create_resident


def _credit(user_id: int, amount: int, reference: str) -> service.Credit:
    return service.Credit(user_id, amount, "partner_reward", reference, f"公交出行 +{amount}")


def _entries(transaction_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(LedgerEntry.account_id, LedgerEntry.amount).where(
            LedgerEntry.transaction_id == transaction_id
        )
    )
    return {row.account_id: row.amount for row in rows}


def test_each_credit_is_its_own_chained_transaction(ctx):
    old, new, other = create_resident(), create_resident(), create_resident()
    service.earn_points(old, 40, code="checkin", reference="before", memo="m")
    db.session.commit()
    credits = [_credit(old, 10, "p:1"), _credit(new, 5, "p:2"), _credit(old, 7, "p:3"),
               _credit(other, 3, "p:4")]  # fmt: skip
    ids = service.earn_points_in_bulk(credits)
    db.session.commit()

    assert [service.find_transaction_by_reference(c.reference).id for c in credits] == ids
    assert service.find_transaction_by_reference("p:3").memo == "公交出行 +7"
    for credit, txn_id in zip(credits, ids, strict=True):
        legs = _entries(txn_id)
        resident_account = service.ensure_resident_account(credit.user_id).id
        assert legs.pop(resident_account) == credit.amount
        assert list(legs.values()) == [-credit.amount]  # from the resident's issuance shard
    balances = [service.get_points_balance(u) for u in (old, new, other)]
    assert balances == [57, 5, 3]
    # Both of `old`'s credits went into its one lot of this expiry, a movement each.
    account = service.ensure_resident_account(old).id
    lots = db.session.scalars(select(LedgerLot.remaining).where(LedgerLot.account_id == account))
    assert list(lots) == [57]
    moved = db.session.scalars(
        select(LedgerLotMovement.amount).where(LedgerLotMovement.transaction_id.in_(ids[::2]))
    )
    assert sorted(moved) == [7, 10]
    # The chains go on from the bulk credits: a single posting after them verifies too.
    service.spend_points(old, 50, code="redemption", reference="after", memo="m")
    db.session.commit()
    report = service.verify_ledger()
    assert report.ok, report


def test_statements_do_not_grow_with_the_credits(ctx):
    residents = [create_resident() for _ in range(30)]
    for user_id in residents:  # their accounts exist: a first credit would create them
        service.earn_points(user_id, 1, code="checkin", reference=f"first-{user_id}", memo="m")
    db.session.commit()

    def post(tag: str, users: list[int]):
        return lambda: service.earn_points_in_bulk([_credit(u, 2, f"{tag}-{u}") for u in users])

    post("warm", residents)()  # the transaction begun, the issuance shards found
    two = statements_of(post("two", residents[:2]))
    thirty = statements_of(post("thirty", residents))
    db.session.commit()
    assert len(thirty) == len(two)
    assert service.verify_ledger().ok


def test_a_reference_posted_before_is_refused_whole(ctx):
    user_id = create_resident()
    service.earn_points(user_id, 10, code="checkin", reference="taken", memo="m")
    db.session.commit()
    with pytest.raises(LedgerInvariantBroken):
        service.earn_points_in_bulk([_credit(user_id, 5, "fresh"), _credit(user_id, 5, "taken")])
    db.session.rollback()  # what the request does with a 500
    assert service.get_points_balance(user_id) == 10
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1
