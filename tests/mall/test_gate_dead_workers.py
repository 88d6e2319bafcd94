"""A worker killed mid-redemption leaves its gate slot behind (issue #12 item 6).

A kill -9 between the gate's admission and the end of the transaction runs no callback:
the database rolls the work back, but the slot's stock and user count stay taken in
Redis. Here that is done without killing anything: the redemption fails right after its
admission with the gate's callbacks switched off, which is exactly what a dead worker
leaves. The buyer's retry must get the coupon (never `limit_reached` without one), and
stock the database still has must be sold, not answered `out_of_stock`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from app.mall import gate, redemption
from tests.mall.factories import (
    balance_of,
    count_rows,
    live_offer,
    new_user,
    open_shop,
    redeem,
    tables_read,
)


def _flash_offer(client, shop, **terms) -> int:
    starts = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    return live_offer(client, shop, sale_starts_at=starts, **terms)


def _gate(redis_conn, offer_id: int, part: str):
    key = f"{{mall:gate:{offer_id}}}:{part}"
    return redis_conn.hgetall(key) if part == "users" else redis_conn.get(key)


def _stock_left(app, offer_id: int) -> int:
    return count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id)


def _reason(response) -> str | None:
    return (response.get_json() or {}).get("reason")


class WorkerKilled(Exception):
    pass


def _killed(*_args, **_kwargs):
    raise WorkerKilled()


def die_after_admission(client, monkeypatch, offer_id: int, token: str, **headers) -> None:
    """A redemption whose worker dies once the gate has admitted it: the database drops
    its work, and no after-transaction callback of the gate ever runs."""
    with monkeypatch.context() as patch:
        patch.setattr(gate, "after_transaction", lambda **_callbacks: None)
        patch.setattr(redemption, "_claim_user_slot", _killed)
        assert redeem(client, offer_id, token, **headers).status_code == 500


@pytest.fixture
def redis_conn(app):
    return app.extensions["redis"]


def test_the_buyer_of_a_dead_request_gets_the_coupon_not_limit_reached(
    app, client, monkeypatch, redis_conn
):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5, per_user_limit=1, points_price=10)
    with_key_id, with_key = new_user(app, points=20)
    without_key_id, without_key = new_user(app, points=20)
    die_after_admission(client, monkeypatch, offer_id, with_key, **{"Idempotency-Key": "k-1"})
    die_after_admission(client, monkeypatch, offer_id, without_key)
    assert _gate(redis_conn, offer_id, "stock") == "3"  # both slots leaked

    retried = redeem(client, offer_id, with_key, **{"Idempotency-Key": "k-1"})
    assert retried.status_code == 201, retried.get_json()
    # No key: the gate counts the user at the limit, the database says no coupon.
    again = redeem(client, offer_id, without_key)
    assert again.status_code == 201, again.get_json()

    # Each took over their own dead slot: the gate is exact again.
    assert _gate(redis_conn, offer_id, "stock") == "3" and _stock_left(app, offer_id) == 3
    assert _gate(redis_conn, offer_id, "users") == {str(with_key_id): "1", str(without_key_id): "1"}
    assert redis_conn.zcard(f"{{mall:gate:{offer_id}}}:slots") == 0
    assert balance_of(app, with_key_id) == balance_of(app, without_key_id) == 10
    # A real limit is still answered, confirmed by the database.
    limited = redeem(client, offer_id, without_key)
    assert limited.status_code == 409 and _reason(limited) == "limit_reached"


def test_dead_slots_holding_the_last_units_are_reclaimed_after_their_lease(
    app, client, monkeypatch, redis_conn
):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=2, per_user_limit=1, points_price=10)
    victims = [new_user(app, points=10) for _ in range(2)]
    others = [new_user(app, points=10) for _ in range(3)]
    monkeypatch.setattr(gate, "SLOT_LEASE_SECONDS", 0.05, raising=False)
    for _, token in victims:
        die_after_admission(client, monkeypatch, offer_id, token)
    assert _gate(redis_conn, offer_id, "stock") == "0"  # the gate believes it sold out
    time.sleep(0.1)  # longer than any redemption may hold its slot

    answers = [redeem(client, offer_id, token) for _, token in others]

    assert [a.status_code for a in answers] == [201, 201, 409]
    assert _reason(answers[2]) == "out_of_stock" and _stock_left(app, offer_id) == 0
    # The dead requests' buyers hold nothing: a retry is told the truth, not limit_reached.
    late = redeem(client, offer_id, victims[0][1])
    assert late.status_code == 409 and _reason(late) == "out_of_stock"
    assert [balance_of(app, uid) for uid, _ in victims + others] == [10, 10, 0, 0, 10]


def test_a_gate_sold_out_by_live_slots_sheds_without_moving_the_database(
    app, client, monkeypatch, redis_conn
):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=2, per_user_limit=1)
    _, first = new_user(app, points=100)
    _, holder = new_user(app, points=100)
    other_id, other = new_user(app, points=100)
    assert redeem(client, offer_id, first).status_code == 201
    die_after_admission(client, monkeypatch, offer_id, holder)  # its lease still runs

    shed = redeem(client, offer_id, other)

    assert shed.status_code == 409 and _reason(shed) == "out_of_stock"
    assert _stock_left(app, offer_id) == 1 and balance_of(app, other_id) == 100


def test_a_gate_drifted_to_sold_out_is_checked_against_the_database(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5)
    _, token = new_user(app, points=100)
    _, other = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201
    redis_conn.set(f"{{mall:gate:{offer_id}}}:stock", 0, keepttl=True)  # e.g. a lost release

    response = redeem(client, offer_id, other)

    assert response.status_code == 201, response.get_json()
    assert _gate(redis_conn, offer_id, "stock") == "3" and _stock_left(app, offer_id) == 3


def test_sold_out_answers_cost_no_query_beyond_what_redemption_reads(app, client, monkeypatch):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=2, per_user_limit=1)
    _, first = new_user(app, points=100)
    _, holder = new_user(app, points=100)
    _, other = new_user(app, points=100)
    assert redeem(client, offer_id, first).status_code == 201
    die_after_admission(client, monkeypatch, offer_id, holder)

    with app.app_context():
        # The gate says sold out (a live slot holds the last unit): checked against the
        # stock_left already read, with no query of its own.
        by_gate = tables_read(lambda: redeem(client, offer_id, other))
        assert redeem(client, offer_id, holder).status_code == 201  # takes over its slot
        # The database is sold out: the offer row says so before the gate is asked.
        by_database = tables_read(lambda: redeem(client, offer_id, other))

    # "users": the resident's freeze, read from the database first (decision 0941). The
    # merchant's standing comes from the process's copies (app/reference_cache.py).
    assert by_gate == ["users", "offers", "ledger_accounts"]
    assert by_database == ["users", "offers"]
