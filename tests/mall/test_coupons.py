"""A resident's coupons: list, QR, cancel with refund, and the expiry job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.mall.models import Coupon
from tests.helpers import bearer
from tests.mall.factories import (
    add_clerk,
    assert_ledger_clean,
    balance_of,
    count_rows,
    live_offer,
    new_user,
    open_shop,
    redeem,
)


def _cancel(client, coupon_id, token, **headers):
    return client.post(
        f"/api/v1/me/coupons/{coupon_id}/cancel", headers={**bearer(token), **headers}
    )


def _backdate(app, coupon_id: int, expires_at: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(Coupon).where(Coupon.id == coupon_id).values(expires_at=expires_at)
        )
        db.session.commit()
        db.session.remove()


def test_my_coupons_list_filters_and_pages(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=10, per_user_limit=10)
    _, token = new_user(app, points=100)
    _, stranger = new_user(app, points=100)
    ids = [redeem(client, offer_id, token).get_json()["coupon"]["id"] for _ in range(3)]
    redeem(client, offer_id, stranger)
    _cancel(client, ids[0], token)

    page = client.get("/api/v1/me/coupons?limit=2", headers=bearer(token)).get_json()
    rest = client.get(
        f"/api/v1/me/coupons?limit=2&cursor={page['next_cursor']}", headers=bearer(token)
    ).get_json()
    assert [c["id"] for c in page["items"] + rest["items"]] == ids[::-1]
    issued = client.get("/api/v1/me/coupons?status=issued", headers=bearer(token)).get_json()
    assert [c["id"] for c in issued["items"]] == ids[:0:-1]
    assert issued["items"][0]["merchant"]["id"] == shop.merchant_id
    bad = client.get("/api/v1/me/coupons?status=lost", headers=bearer(token))
    assert bad.status_code == 422


def test_qr_png_of_my_coupon_only(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    _, stranger = new_user(app)
    coupon_id = redeem(client, offer_id, token).get_json()["coupon"]["id"]

    response = client.get(f"/api/v1/me/coupons/{coupon_id}/qr", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    other = client.get(f"/api/v1/me/coupons/{coupon_id}/qr", headers=bearer(stranger))
    assert other.status_code == 404


def test_cancel_refunds_points_stock_and_the_per_user_slot(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, points_price=40, stock=1)
    user_id, token = new_user(app, points=100)
    coupon_id = redeem(client, offer_id, token).get_json()["coupon"]["id"]
    assert balance_of(app, user_id) == 60

    response = _cancel(client, coupon_id, token)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["coupon"]["status"] == "cancelled"
    assert response.get_json()["points_balance"] == 100
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :i", i=offer_id) == 1
    refund = count_rows(
        app,
        "SELECT count(*) FROM ledger_transactions WHERE code = 'redemption_refund' "
        "AND reference = :r AND reverses_id IS NOT NULL",
        r=f"coupon-refund:{coupon_id}",
    )
    assert refund == 1
    # Stock and the per-user slot are back: the same resident can redeem again.
    assert redeem(client, offer_id, token).status_code == 201
    assert_ledger_clean(app)


def test_cancel_twice_and_cancel_used_are_409(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    user_id, token = new_user(app, points=100)
    _, clerk = add_clerk(app, client, shop)
    first = redeem(client, offer_id, token).get_json()["coupon"]
    second = redeem(client, offer_id, token).get_json()["coupon"]

    assert _cancel(client, first["id"], token).status_code == 200
    again = _cancel(client, first["id"], token)
    assert again.status_code == 409 and again.get_json()["reason"] == "coupon_not_cancellable"

    client.post(
        "/api/v1/merchant/coupons/verify", json={"code": second["code"]}, headers=bearer(clerk)
    )
    used = _cancel(client, second["id"], token)
    assert used.status_code == 409 and used.get_json()["reason"] == "coupon_not_cancellable"
    assert balance_of(app, user_id) == 90


def test_cancel_is_idempotent_with_a_key(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    user_id, token = new_user(app, points=100)
    coupon_id = redeem(client, offer_id, token).get_json()["coupon"]["id"]
    first = _cancel(client, coupon_id, token, **{"Idempotency-Key": "c-1"})
    again = _cancel(client, coupon_id, token, **{"Idempotency-Key": "c-1"})
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert balance_of(app, user_id) == 100


def test_a_resident_cannot_cancel_another_residents_coupon(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    owner_id, owner = new_user(app, points=100)
    _, thief = new_user(app, points=100)
    coupon_id = redeem(client, offer_id, owner).get_json()["coupon"]["id"]

    response = _cancel(client, coupon_id, thief)

    assert response.status_code == 404
    assert response.get_json()["reason"] == "coupon_not_found"
    assert client.get(f"/api/v1/me/coupons/{coupon_id}", headers=bearer(thief)).status_code == 404
    assert balance_of(app, owner_id) == 90
    with app.app_context():
        assert db.session.scalar(select(Coupon.status).where(Coupon.id == coupon_id)) == "issued"
        db.session.remove()


def test_offer_can_forbid_cancellation(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, cancel_policy="not_cancellable")
    _, token = new_user(app, points=100)
    coupon_id = redeem(client, offer_id, token).get_json()["coupon"]["id"]
    response = _cancel(client, coupon_id, token)
    assert response.status_code == 409 and response.get_json()["reason"] == "coupon_not_cancellable"


def test_expired_coupon_cannot_be_cancelled_or_used(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    _, clerk = add_clerk(app, client, shop)
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    _backdate(app, coupon["id"], datetime.now(UTC) - timedelta(seconds=1))

    cancel = _cancel(client, coupon["id"], token)
    assert cancel.status_code == 409 and cancel.get_json()["reason"] == "coupon_not_cancellable"
    verify = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=bearer(clerk)
    )
    assert verify.status_code == 409 and verify.get_json()["reason"] == "coupon_expired"


def test_expiry_job_refunds_or_not_by_offer_policy(app, client):
    shop = open_shop(app, client)
    refunding = live_offer(client, shop, points_price=10, expiry_policy="refund")
    keeping = live_offer(client, shop, points_price=20, expiry_policy="no_refund")
    user_id, token = new_user(app, points=100)
    _, clerk = add_clerk(app, client, shop)
    first = redeem(client, refunding, token).get_json()["coupon"]
    second = redeem(client, keeping, token).get_json()["coupon"]
    assert balance_of(app, user_id) == 70
    past = datetime.now(UTC) - timedelta(minutes=1)
    _backdate(app, first["id"], past)
    _backdate(app, second["id"], past)

    result = app.test_cli_runner().invoke(args=["coupons", "expire"])

    assert result.exit_code == 0, result.output
    assert "expired 2 coupons, refunded 1 (10 points)" in result.output
    assert balance_of(app, user_id) == 80
    statuses = client.get("/api/v1/me/coupons", headers=bearer(token)).get_json()["items"]
    assert {c["status"] for c in statuses} == {"expired"}
    verify = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": first["code"]}, headers=bearer(clerk)
    )
    assert verify.status_code == 409 and verify.get_json()["reason"] == "coupon_expired"
    # Running it again changes nothing.
    again = app.test_cli_runner().invoke(args=["coupons", "expire"])
    assert "expired 0 coupons" in again.output
    assert balance_of(app, user_id) == 80
    assert_ledger_clean(app)


def test_expiry_job_leaves_live_and_used_coupons_alone(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    _, token = new_user(app, points=100)
    _, clerk = add_clerk(app, client, shop)
    fresh = redeem(client, offer_id, token).get_json()["coupon"]
    used = redeem(client, offer_id, token).get_json()["coupon"]
    client.post(
        "/api/v1/merchant/coupons/verify", json={"code": used["code"]}, headers=bearer(clerk)
    )
    _backdate(app, used["id"], datetime.now(UTC) - timedelta(minutes=1))

    result = app.test_cli_runner().invoke(args=["coupons", "expire"])

    assert "expired 0 coupons" in result.output
    items = {
        c["id"]: c["status"]
        for c in client.get("/api/v1/me/coupons", headers=bearer(token)).get_json()["items"]
    }
    assert items == {fresh["id"]: "issued", used["id"]: "used"}
