"""Rows written by a Core INSERT and attached as loaded (a carbon record, a ledger
transaction) leave the session when the savepoint or transaction they were made in
rolls back, as ORM-inserted objects do: nothing later finds a row that is gone, and the
next insert (SQLite hands out the same rowid again) is not refused as a duplicate.
Found by a review of issue 13's Core record insert (a partner batch's or a WeRun sync's
savepoint that refuses after the record)."""

from __future__ import annotations

import pytest

from app.carbon import service as carbon
from app.carbon.models import CarbonRecord
from app.extensions import db
from app.ledger import service as ledger
from app.ledger.models import LedgerTransaction


class Refused(Exception):
    """A later step of the same event refuses."""


def _record(user_id: int) -> CarbonRecord:
    scenario = carbon.get_scenario("bus_ride")
    return carbon.create_record(user_id, scenario, 1000, evidence_type="qr", evidence_ref="site:1")


def _record_in_a_refused_savepoint(user_id: int) -> CarbonRecord:
    """A record made in a savepoint that a later step of the same event rolls back."""
    with pytest.raises(Refused), db.session.begin_nested():
        record = _record(user_id)
        raise Refused()
    return record


def test_a_record_rolled_back_with_its_savepoint_leaves_the_session(app, resident):
    _token, user, _openid = resident
    with app.app_context():
        ghost = _record_in_a_refused_savepoint(user["id"])
        assert ghost not in db.session
        assert db.session.get(CarbonRecord, ghost.id) is None


def test_the_next_record_after_a_rolled_back_one_is_created_and_kept(app, resident):
    _token, user, _openid = resident
    with app.app_context():
        first = _record_in_a_refused_savepoint(user["id"])
        second = _record(user["id"])
        db.session.commit()
        assert second is not first
        assert db.session.scalars(db.select(CarbonRecord.id)).all() == [second.id]


def test_a_record_in_a_released_savepoint_stays_until_the_transaction_rolls_back(app, resident):
    _token, user, _openid = resident
    with app.app_context():
        with db.session.begin_nested():
            kept = _record(user["id"])
        assert kept in db.session
        db.session.rollback()
        assert kept not in db.session
        assert _record(user["id"]).id is not None  # the same rowid again, no clash
        db.session.commit()


def test_a_ledger_transaction_rolled_back_with_its_savepoint_leaves_the_session(app, resident):
    _token, user, _openid = resident
    with app.app_context():
        with pytest.raises(Refused), db.session.begin_nested():
            txn = ledger.earn_points(
                user["id"], 5, code="checkin_reward", reference="t:1", memo="m"
            )
            raise Refused()
        assert txn not in db.session
        again = ledger.earn_points(user["id"], 5, code="checkin_reward", reference="t:1", memo="m")
        db.session.commit()
        assert again is not txn
        assert db.session.scalars(db.select(LedgerTransaction.reference)).all() == ["t:1"]
        assert ledger.get_points_balance(user["id"]) == 5
