"""A partner batch is one transaction: when it fails halfway (the database refuses a row
of its third event), nothing of the two events already credited is kept, and the batch
sent again is credited in full."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.checkins.models import PartnerEvent
from app.extensions import db
from app.ledger.models import LedgerTransaction
from tests.checkins.batch_support import (
    count,
    event,
    outcomes,
    post_batch,
)
from tests.checkins.support import account
from tests.mall.factories import assert_ledger_clean


@pytest.fixture
def failing_third_record(app):
    """A database that refuses the record of event `boom` (a trigger), for a failure of
    the batch's transaction halfway through; dropped afterwards."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(
                "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.evidence_ref LIKE '%\\:boom' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            db.session.execute(text(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON carbon_records "
                "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
            ))  # fmt: skip
        else:
            db.session.execute(text(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON carbon_records "
                "WHEN NEW.evidence_ref LIKE '%\\:boom' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))  # fmt: skip
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(
            text(
                "DROP TRIGGER refuse_boom"
                + (" ON carbon_records" if db.engine.dialect.name == "postgresql" else "")
            )
        )
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP FUNCTION refuse_boom()"))
        db.session.commit()


def test_a_failed_transaction_leaves_nothing_of_the_batch(app, client, partner, consenting,
                                                          failing_third_record):  # fmt: skip
    token, openid = consenting
    events = [event("ok-1", openid), event("ok-2", openid), event("boom", openid)]
    response = post_batch(client, partner, events)
    assert response.status_code == 500, response.get_json()
    assert count(app, PartnerEvent) == 0
    assert count(app, LedgerTransaction) == 0
    assert account(client, token)["points_balance"] == 0
    retried = post_batch(client, partner, events[:2])
    assert [c for _, c, _ in outcomes(retried)] == [201, 201]
    assert account(client, token)["points_balance"] == 20
    assert_ledger_clean(app)
