"""Issue 13, step 3: a redemption issues its coupon with one `INSERT ... ON CONFLICT DO
NOTHING RETURNING id` on the request's connection (no savepoint, no unit-of-work flush),
draws again when a drawn code is taken, and attaches the row as the entity the ORM would
have loaded, which leaves the session again if the redemption rolls back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, inspect

from app.extensions import db
from app.ledger.errors import LedgerInvariantBroken
from app.mall import redemption
from app.mall.models import Coupon
from tests.mall.factories import count_rows, live_offer, new_user, open_shop, redeem


class Refused(Exception):
    """A later step of the same transaction refuses."""


def _flash_offer(client, shop, **terms) -> int:
    starts = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    return live_offer(client, shop, sale_starts_at=starts, **terms)


class Statements:
    """The statements an engine runs while the block runs, upper-cased, on one line."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(" ".join(statement.split()).upper())

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self.seen

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _engine(app):
    with app.app_context():
        return db.engine


def test_a_flash_sale_redemption_issues_its_coupon_in_one_statement_without_a_savepoint(
    app, client
):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5, per_user_limit=2)
    _, token = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201  # its ledger accounts exist now
    with Statements(_engine(app)) as statements:
        response = redeem(client, offer_id, token)
    assert response.status_code == 201, response.get_json()

    # The one savepoint left is the ledger posting's own, around its claim and legs.
    savepoints = [n for n, s in enumerate(statements) if s.startswith("SAVEPOINT")]
    assert len(savepoints) == 1, "\n".join(s[:120] for s in statements)
    assert statements[savepoints[0] + 1].startswith("INSERT INTO LEDGER_TRANSACTIONS")
    # The coupon: its INSERT, then the UPDATE of the attached object (its transaction).
    writes = ("INSERT INTO COUPONS", "UPDATE COUPONS", "DELETE FROM COUPONS")
    on_coupons = [s for s in statements if s.startswith(writes)]
    assert len(on_coupons) == 2, on_coupons
    assert on_coupons[0].startswith("INSERT INTO COUPONS")
    assert "ON CONFLICT DO NOTHING RETURNING" in on_coupons[0]
    assert on_coupons[1].startswith("UPDATE COUPONS SET REDEMPTION_TXN_ID")


def test_a_short_code_taken_at_the_merchant_is_drawn_again(app, client, monkeypatch):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    _, token = new_user(app, points=100)
    first = redeem(client, offer_id, token).get_json()["coupon"]
    draws = iter([first["short_code"], "0000000001"])
    monkeypatch.setattr(redemption, "new_short_code", lambda: next(draws))

    response = redeem(client, offer_id, token)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["coupon"]["short_code"] == "0000000001"
    assert next(draws, None) is None  # both draws were used: the clash drew again
    assert count_rows(app, "SELECT count(*) FROM coupons") == 2
    assert response.get_json()["points_balance"] == 80


def test_a_taken_qr_code_is_drawn_again_too(app, client, monkeypatch):
    # No conflict target: a clash on any of the coupon's drawn unique values draws again.
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    _, token = new_user(app, points=100)
    first = redeem(client, offer_id, token).get_json()["coupon"]
    draws = iter([first["code"], "a-fresh-code"])
    monkeypatch.setattr(redemption, "new_code", lambda: next(draws))

    response = redeem(client, offer_id, token)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["coupon"]["code"] == "a-fresh-code"


def test_the_coupons_unique_keys_are_only_the_drawn_values(app):
    # ON CONFLICT DO NOTHING without a target would swallow a clash on any unique key:
    # a new one that is not drawn by `_issue_coupon` must get its own handling there.
    with app.app_context():
        schema = inspect(db.engine)
        keys = {tuple(schema.get_pk_constraint("coupons")["constrained_columns"])}
        keys |= {tuple(u["column_names"]) for u in schema.get_unique_constraints("coupons")}
        keys |= {tuple(i["column_names"]) for i in schema.get_indexes("coupons") if i["unique"]}
    assert keys == {("id",), ("code",), ("merchant_id", "short_code")}


def _offer_and_user(app, client) -> tuple[int, int]:
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5, settlement_value_fen=150)
    user_id, _token = new_user(app, points=100)
    return offer_id, user_id


def test_the_attached_coupon_is_the_row_as_the_orm_loads_it(app, client):
    offer_id, user_id = _offer_and_user(app, client)
    columns = [c.key for c in inspect(Coupon).column_attrs]
    with app.app_context():
        coupon = redemption.redeem_offer(user_id, offer_id).coupon
        with Statements(db.engine) as statements:
            attached = {key: getattr(coupon, key) for key in columns}
        assert statements == []  # every column is loaded: nothing expired, nothing lazy
        assert attached["redemption_txn_id"] is not None  # the UPDATE of the attached object
        db.session.commit()
        db.session.refresh(coupon)
        assert {key: getattr(coupon, key) for key in columns} == attached
        db.session.remove()


def test_a_coupon_rolled_back_with_its_savepoint_leaves_the_session(app, client):
    offer_id, user_id = _offer_and_user(app, client)
    with app.app_context():
        with pytest.raises(Refused), db.session.begin_nested():
            ghost = redemption.redeem_offer(user_id, offer_id).coupon
            ghost_id = ghost.id
            raise Refused()
        assert ghost not in db.session
        assert db.session.get(Coupon, ghost_id) is None
        kept = redemption.redeem_offer(user_id, offer_id).coupon  # SQLite: the same rowid
        db.session.commit()
        assert db.session.scalars(db.select(Coupon.id)).all() == [kept.id]
        db.session.remove()


def test_a_coupon_rolled_back_with_its_transaction_leaves_the_session(app, client):
    offer_id, user_id = _offer_and_user(app, client)
    with app.app_context():
        ghost = redemption.redeem_offer(user_id, offer_id).coupon
        ghost_id = ghost.id
        db.session.rollback()
        assert ghost not in db.session
        assert db.session.get(Coupon, ghost_id) is None
        kept = redemption.redeem_offer(user_id, offer_id).coupon
        db.session.commit()
        assert db.session.scalars(db.select(Coupon.id)).all() == [kept.id]
        db.session.remove()


def test_a_coupon_whose_transaction_cannot_be_linked_is_never_kept(app, client, monkeypatch):
    # The link is a Core UPDATE of the row `_issue_coupon` inserted: were that row ever
    # missing (a later change issuing it through the unit of work, unflushed), the coupon
    # would commit without its transaction and could never be refunded. Refused instead.
    offer_id, user_id = _offer_and_user(app, client)
    issue = redemption._issue_coupon

    def issued_elsewhere(offer, user, now):
        coupon = issue(offer, user, now)
        db.session.execute(db.delete(Coupon).where(Coupon.id == coupon.id))
        return coupon

    monkeypatch.setattr(redemption, "_issue_coupon", issued_elsewhere)
    postings = count_rows(app, "SELECT count(*) FROM ledger_transactions")
    with app.app_context():
        with pytest.raises(LedgerInvariantBroken):
            redemption.redeem_offer(user_id, offer_id)
        db.session.rollback()
        db.session.remove()
    assert count_rows(app, "SELECT count(*) FROM coupons") == 0
    assert count_rows(app, "SELECT count(*) FROM ledger_transactions") == postings
