"""Redeeming an offer: one transaction for stock, per-user limit, points and coupon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers import bearer
from tests.mall.factories import (
    balance_of,
    count_rows,
    live_offer,
    new_user,
    open_shop,
    redeem,
)


def test_redeem_issues_a_coupon_and_debits_points(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, points_price=30, stock=2)
    user_id, token = new_user(app, points=100)

    response = redeem(client, offer_id, token)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    coupon = body["coupon"]
    assert coupon["status"] == "issued"
    assert coupon["offer_id"] == offer_id
    assert len(coupon["code"]) >= 22  # >= 128 random bits, url-safe base64
    assert coupon["short_code"].isdigit() and len(coupon["short_code"]) == 10
    assert coupon["title"] == "美式咖啡一杯"
    assert body["points_balance"] == 70
    assert balance_of(app, user_id) == 70
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id) == 1
    # The ledger has one `redemption` transaction referencing the coupon.
    assert (
        count_rows(
            app,
            "SELECT count(*) FROM ledger_transactions WHERE code = 'redemption' AND reference = :r",
            r=f"coupon:{coupon['id']}",
        )
        == 1
    )


def test_coupon_codes_are_unique_and_random(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=10, per_user_limit=10)
    _, token = new_user(app, points=1000)
    codes = {redeem(client, offer_id, token).get_json()["coupon"]["code"] for _ in range(5)}
    assert len(codes) == 5


def test_out_of_stock(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=1)
    _, first = new_user(app, points=100)
    second_id, second = new_user(app, points=100)

    assert redeem(client, offer_id, first).status_code == 201
    response = redeem(client, offer_id, second)

    assert response.status_code == 409
    assert response.get_json()["reason"] == "out_of_stock"
    assert balance_of(app, second_id) == 100


def test_insufficient_points_changes_nothing(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, points_price=50, stock=3)
    user_id, token = new_user(app, points=49)

    response = redeem(client, offer_id, token)

    assert response.status_code == 409
    assert response.get_json()["reason"] == "insufficient_points"
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id) == 3
    assert count_rows(app, "SELECT count(*) FROM coupons") == 0
    assert balance_of(app, user_id) == 49


def test_resident_without_any_points_gets_insufficient_points(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app)
    response = redeem(client, offer_id, token)
    assert response.status_code == 409
    assert response.get_json()["reason"] == "insufficient_points"


def test_per_user_limit(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=10, per_user_limit=2)
    user_id, token = new_user(app, points=100)

    statuses = [redeem(client, offer_id, token).status_code for _ in range(3)]
    third = redeem(client, offer_id, token)

    assert statuses == [201, 201, 409]
    assert third.get_json()["reason"] == "limit_reached"
    assert balance_of(app, user_id) == 80
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id) == 8


def test_offer_not_live_and_not_found(app, client):
    shop = open_shop(app, client)
    _, token = new_user(app, points=100)
    pending = client.post(
        "/api/v1/merchant/offers",
        json={"title": "待审", "points_price": 5, "stock": 3, "valid_days": 3},
        headers=shop.owner,
    ).get_json()["id"]

    response = redeem(client, pending, token)
    assert response.status_code == 409
    assert response.get_json()["reason"] == "offer_not_live"

    response = redeem(client, 999_999, token)
    assert response.status_code == 404
    assert response.get_json()["reason"] == "offer_not_found"


def test_idempotency_key_replays_the_first_coupon(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    user_id, token = new_user(app, points=100)

    first = redeem(client, offer_id, token, **{"Idempotency-Key": "redeem-1"})
    again = redeem(client, offer_id, token, **{"Idempotency-Key": "redeem-1"})

    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert balance_of(app, user_id) == 90
    assert count_rows(app, "SELECT count(*) FROM coupons") == 1


def test_body_must_be_empty_object(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    response = client.post(
        f"/api/v1/offers/{offer_id}/redeem", json={"quantity": 2}, headers=bearer(token)
    )
    assert response.status_code == 422


def test_validity_n_days_ends_at_midnight_beijing(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, valid_days=3)
    _, token = new_user(app, points=100)

    coupon = redeem(client, offer_id, token).get_json()["coupon"]

    expires = datetime.fromisoformat(coupon["expires_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert (expires.hour, expires.minute) == (0, 0)
    assert expires.date() in (today + timedelta(days=4), today + timedelta(days=5))


def test_validity_fixed_window(app, client):
    shop = open_shop(app, client)
    start = datetime.now(UTC) + timedelta(days=1)
    end = datetime.now(UTC) + timedelta(days=30)
    offer_id = live_offer(
        client,
        shop,
        valid_days=None,
        valid_from=start.isoformat(),
        valid_until=end.isoformat(),
    )
    _, token = new_user(app, points=100)

    coupon = redeem(client, offer_id, token).get_json()["coupon"]

    assert datetime.fromisoformat(coupon["expires_at"]) == end.replace(microsecond=end.microsecond)
    assert datetime.fromisoformat(coupon["valid_from"]) == start
