"""The flash-sale gate: sheds the crowd in Redis, never overrides the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from app.extensions import db
from app.mall import gate
from app.mall.models import Offer
from tests.helpers import bearer
from tests.mall.factories import balance_of, count_rows, live_offer, new_user, open_shop, redeem


def _flash_offer(client, shop, **terms) -> int:
    starts = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    return live_offer(client, shop, sale_starts_at=starts, **terms)


def _stock_key(offer_id: int) -> str:
    return f"{{mall:gate:{offer_id}}}:stock"


def _users_key(offer_id: int) -> str:
    return f"{{mall:gate:{offer_id}}}:users"


@pytest.fixture
def redis_conn(app):
    return app.extensions["redis"]


def _stock_left(app, offer_id: int) -> int:
    return count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id)


def test_gate_is_built_from_the_database_and_follows_redemptions(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5, per_user_limit=2)
    user_id, token = new_user(app, points=100)

    assert redeem(client, offer_id, token).status_code == 201

    assert redis_conn.get(_stock_key(offer_id)) == "4"
    assert redis_conn.hget(_users_key(offer_id), str(user_id)) == "1"
    assert 0 < redis_conn.ttl(_stock_key(offer_id)) <= gate.GATE_TTL_SECONDS


def test_gate_sheds_over_limit_requests_before_the_database_moves(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5, per_user_limit=1)
    _, token = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201

    limited = redeem(client, offer_id, token)  # the database's counter confirms it
    assert limited.status_code == 409 and limited.get_json()["reason"] == "limit_reached"
    assert _stock_left(app, offer_id) == 4 and redis_conn.get(_stock_key(offer_id)) == "4"
    # Sold out by slots in flight: tests/mall/test_gate_dead_workers.py.


def test_a_gate_that_over_states_stock_cannot_oversell(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=1)
    _, first = new_user(app, points=100)
    second_id, second = new_user(app, points=100)
    assert redeem(client, offer_id, first).status_code == 201

    redis_conn.set(_stock_key(offer_id), 50, keepttl=True)  # drifted: far too generous
    response = redeem(client, offer_id, second)

    assert response.status_code == 409 and response.get_json()["reason"] == "out_of_stock"
    assert count_rows(app, "SELECT count(*) FROM coupons") == 1
    assert balance_of(app, second_id) == 100
    # (The same under a crowd: tests/concurrency/test_mall_redemption.py, "drifted_gate".)


def test_slot_is_given_back_when_the_transaction_rolls_back(app, redis_conn):
    client = app.test_client()
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=3, per_user_limit=1)
    user_id, token = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201  # builds the gate: 2 left
    with app.test_request_context(method="POST"):
        offer = db.session.get(Offer, offer_id)
        slot = gate.admit(offer, user_id + 1000)
        assert isinstance(slot, gate.GateSlot)
        assert redis_conn.get(_stock_key(offer_id)) == "1"
        db.session.rollback()
        assert redis_conn.get(_stock_key(offer_id)) == "2"
        assert redis_conn.hget(_users_key(offer_id), str(user_id + 1000)) is None
        db.session.remove()


def test_database_sold_out_is_written_back_and_not_released(app, redis_conn):
    client = app.test_client()
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=3)
    user_id, token = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201  # builds the gate: 2 left
    with app.test_request_context(method="POST"):
        slot = gate.admit(db.session.get(Offer, offer_id), user_id + 1000)
        slot.database_sold_out()  # what redemption does when the conditional UPDATE fails
        db.session.rollback()
        assert redis_conn.get(_stock_key(offer_id)) == "0"
        db.session.remove()


def test_database_limit_keeps_the_user_count_but_returns_stock(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=5, per_user_limit=1)
    user_id, token = new_user(app, points=100)
    assert redeem(client, offer_id, token).status_code == 201
    redis_conn.hdel(_users_key(offer_id), str(user_id))  # the gate forgot this user

    response = redeem(client, offer_id, token)

    assert response.status_code == 409 and response.get_json()["reason"] == "limit_reached"
    assert redis_conn.get(_stock_key(offer_id)) == "4"
    assert redis_conn.hget(_users_key(offer_id), str(user_id)) == "1"


def test_cancelling_drops_the_gate_so_it_is_rebuilt_with_the_stock(app, client, redis_conn):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=1)
    _, token = new_user(app, points=100)
    _, other = new_user(app, points=100)
    coupon_id = redeem(client, offer_id, token).get_json()["coupon"]["id"]
    assert redis_conn.get(_stock_key(offer_id)) == "0"

    client.post(f"/api/v1/me/coupons/{coupon_id}/cancel", headers=bearer(token))

    assert redis_conn.exists(_stock_key(offer_id)) == 0
    assert redeem(client, offer_id, other).status_code == 201


def test_redis_down_falls_back_to_the_database_and_never_oversells(app, client, monkeypatch):
    shop = open_shop(app, client)
    offer_id = _flash_offer(client, shop, stock=1)
    _, first = new_user(app, points=100)
    _, second = new_user(app, points=100)
    # Every Redis call of the app now fails for real (nothing listens on port 9).
    dead = redis.Redis.from_url("redis://127.0.0.1:9/0", decode_responses=True)
    monkeypatch.setitem(app.extensions, "redis", dead)
    monkeypatch.setattr(gate, "_breaker_open_until", 0.0)

    assert redeem(client, offer_id, first).status_code == 201
    response = redeem(client, offer_id, second)

    assert response.status_code == 409 and response.get_json()["reason"] == "out_of_stock"
    assert count_rows(app, "SELECT count(*) FROM coupons") == 1
    assert gate._breaker_open()  # later requests skip the dead gate without waiting
    # The resident list works without Redis too.
    listed = client.get("/api/v1/offers", headers=bearer(second))
    assert listed.status_code == 200 and listed.get_json()["items"][0]["stock_left"] == 0
