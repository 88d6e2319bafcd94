"""The cached reads (GET /me/account, GET /offers): one Redis round trip with the session,
no query, and still every change shows on the very next request (app/view_cache.py).

Each test first reads once so that the session and the answer are cached, then changes
something and reads again: what it checks is what the cached path answers.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import flask
import pytest
import redis
from redis.connection import AbstractConnection
from sqlalchemy import event

from app.auth import CACHE_PREFIX, hash_token
from app.extensions import db
from app.users.service import revoke_role
from tests.conftest import make_app
from tests.helpers import bearer
from tests.mall.factories import grant_points, live_offer, new_user, open_shop, redeem

ACCOUNT, OFFERS = "/api/v1/me/account", "/api/v1/offers"


@contextmanager
def traffic(app, monkeypatch):
    """Counts what runs inside: Redis round trips (commands sent at once, a pipeline or a
    script being one) and SQL statements."""
    seen = {"redis": 0, "sql": 0}
    send = AbstractConnection.send_packed_command

    def counting_send(self, command, check_health=True):
        seen["redis"] += 1
        return send(self, command, check_health)

    def counting_execute(*_args):
        seen["sql"] += 1

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting_send)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counting_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", counting_execute)
        monkeypatch.setattr(AbstractConnection, "send_packed_command", send)


def _get(client, path: str, token: str, status: int = 200) -> dict:
    response = client.get(path, headers=bearer(token))
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def shop_world(app, client):
    """A live offer and a resident with 100 points; both reads cached once."""
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, points_price=10)
    user_id, token = new_user(app, points=100)
    _get(client, ACCOUNT, token)
    _get(client, OFFERS, token)
    return shop, offer_id, user_id, token


@pytest.mark.parametrize("path", [ACCOUNT, OFFERS])
def test_a_cached_read_is_one_redis_round_trip_and_no_query(
    app, client, monkeypatch, shop_world, path
):
    _shop, _offer_id, _user_id, token = shop_world
    first = _get(client, path, token)
    with traffic(app, monkeypatch) as seen:
        again = _get(client, path, token)
    assert again == first
    assert seen == {"redis": 1, "sql": 0}


def test_logout_applies_to_the_next_cached_read(client, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    for path in (ACCOUNT, OFFERS):
        assert _get(client, path, token, 401)["reason"] == "invalid_token"


def test_a_deleted_account_is_refused_on_the_next_cached_read(client, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code in (200, 204)
    for path in (ACCOUNT, OFFERS):
        assert _get(client, path, token, 401)["reason"] == "invalid_token"


def test_role_removal_applies_to_the_next_cached_read(app, client, shop_world):
    _shop, _offer_id, user_id, token = shop_world
    with app.app_context():
        revoke_role(user_id, "resident")
        db.session.commit()
        db.session.remove()
    for path in (ACCOUNT, OFFERS):
        assert _get(client, path, token, 403)["reason"] == "forbidden"


def test_an_expired_session_is_refused_though_its_answer_is_cached(
    app_settings, client, shop_world
):
    _shop, _offer_id, _user_id, token = shop_world
    conn = redis.Redis.from_url(app_settings["REDIS_URL"], decode_responses=True)
    key = CACHE_PREFIX + hash_token(token)
    tag, _, payload = conn.get(key).partition("|")
    conn.set(key, f"{tag}|{json.dumps({**json.loads(payload), 'exp': 1.0})}", ex=60)
    for path in (ACCOUNT, OFFERS):
        assert _get(client, path, token, 401)["reason"] == "invalid_token"


def test_points_and_stock_show_on_the_next_cached_read(app, client, shop_world):
    _shop, offer_id, user_id, token = shop_world
    grant_points(app, user_id, 30)
    assert _get(client, ACCOUNT, token)["points_balance"] == 130

    assert redeem(client, offer_id, token).status_code == 201
    assert _get(client, ACCOUNT, token)["points_balance"] == 120
    assert _get(client, OFFERS, token)["items"][0]["stock_left"] == 4


def test_a_frozen_merchant_leaves_the_cached_list_at_once(client, shop_world):
    shop, _offer_id, _user_id, token = shop_world
    frozen = client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
        json={"reason": "核查"},
        headers=shop.operator,
    )
    assert frozen.status_code == 200, frozen.get_json()
    assert _get(client, OFFERS, token)["items"] == []


def test_a_frozen_resident_still_reads_but_cannot_redeem_at_once(client, shop_world):
    shop, offer_id, user_id, token = shop_world
    frozen = client.post(
        f"/api/v1/admin/users/{user_id}/freeze", json={"reason": "核查"}, headers=shop.operator
    )
    assert frozen.status_code == 200, frozen.get_json()
    # Reading stays open to a frozen resident (docs/decisions/0941); moving points does not.
    assert _get(client, ACCOUNT, token)["points_balance"] == 100
    refused = redeem(client, offer_id, token)
    assert (refused.status_code, refused.get_json()["reason"]) == (403, "account_frozen")


def test_a_cached_account_is_never_served_to_another_resident(app, client, monkeypatch):
    (_alice, alice_token), (bob, bob_token) = new_user(app, points=10), new_user(app, points=20)
    grant_points(app, bob, 5)
    for _ in range(2):
        assert _get(client, ACCOUNT, alice_token)["points_balance"] == 10
        assert _get(client, ACCOUNT, bob_token)["points_balance"] == 25
    with traffic(app, monkeypatch) as seen:  # both from the cache now, each their own
        assert _get(client, ACCOUNT, bob_token)["points_balance"] == 25
        assert _get(client, ACCOUNT, alice_token)["points_balance"] == 10
    assert seen == {"redis": 2, "sql": 0}


def test_each_query_has_its_own_answer_and_a_refused_one_none(client, shop_world):
    shop, _offer_id, _user_id, token = shop_world
    live_offer(client, shop, title="第二张券")
    assert len(_get(client, OFFERS, token)["items"]) == 2
    for _ in range(2):
        assert len(_get(client, OFFERS + "?limit=1", token)["items"]) == 1
        assert _get(client, OFFERS + "?limit=0", token, 422)["reason"] == "validation_error"
        assert _get(client, OFFERS + "?limit=1&page=2", token, 422)
    assert len(_get(client, OFFERS, token)["items"]) == 2


def test_my_account_ignores_the_query_string(app, client, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    other_id, _ = new_user(app, points=7)
    for _ in range(2):  # the view reads no query: another user's id changes nothing
        mine = _get(client, f"{ACCOUNT}?user_id={other_id}", token)
        assert mine["points_balance"] == 100


def test_reads_answer_from_the_database_without_redis(app, app_settings, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    cut_off = make_app(app_settings, REDIS_URL="unix:///nonexistent/redis.sock")
    client = cut_off.test_client()
    assert _get(client, ACCOUNT, token)["points_balance"] == 100
    assert len(_get(client, OFFERS, token)["items"]) == 1


def test_a_redis_that_forgot_the_script_loads_it_again(app_settings, client, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    redis.Redis.from_url(app_settings["REDIS_URL"]).script_flush()
    assert _get(client, ACCOUNT, token)["points_balance"] == 100
    assert len(_get(client, OFFERS, token)["items"]) == 1


def test_no_request_opens_a_cookie_session(app, client, shop_world):
    _shop, _offer_id, _user_id, token = shop_world
    response = client.get(ACCOUNT, headers={**bearer(token), "Cookie": "session=forged"})
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
    with app.test_request_context(ACCOUNT, headers={"Cookie": "session=forged"}):
        assert not flask.session  # nothing read from the cookie
        with pytest.raises(RuntimeError, match="no cookie sessions"):
            flask.session["user_id"] = 1
