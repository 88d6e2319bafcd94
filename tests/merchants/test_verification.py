"""Verification (核销) at the counter: own merchant only, exactly once, rate limited."""

from __future__ import annotations

from datetime import datetime

from tests.helpers import bearer
from tests.mall.factories import add_clerk, live_offer, new_user, open_shop, redeem

VERIFY = "/api/v1/merchant/coupons/verify"
LOOKUP = "/api/v1/merchant/coupons/lookup"


def _coupon(app, client, shop, **terms) -> dict:
    offer_id = live_offer(client, shop, **terms)
    _, token = new_user(app, points=100)
    return redeem(client, offer_id, token).get_json()["coupon"]


def test_clerk_verifies_by_full_code_once(app, client):
    shop = open_shop(app, client)
    clerk_id, clerk = add_clerk(app, client, shop)
    coupon = _coupon(app, client, shop)

    response = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(clerk))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()["coupon"]
    assert body["id"] == coupon["id"] and body["status"] == "used"
    assert body["verified_by"] == clerk_id
    assert datetime.fromisoformat(body["used_at"]).tzinfo is not None
    again = client.post(VERIFY, json={"code": coupon["code"]}, headers=shop.owner)
    assert again.status_code == 409
    assert again.get_json()["reason"] == "coupon_already_used"


def test_short_code_works_within_the_merchant(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    coupon = _coupon(app, client, shop)
    short = coupon["short_code"]
    typed = f"{short[:3]} {short[3:6]}-{short[6:]}"

    seen = client.post(LOOKUP, json={"code": typed}, headers=bearer(clerk))
    assert seen.status_code == 200 and seen.get_json()["status"] == "issued"
    assert "code" not in seen.get_json()  # the merchant never gets the QR secret back
    used = client.post(VERIFY, json={"code": typed}, headers=bearer(clerk))
    assert used.status_code == 200 and used.get_json()["coupon"]["status"] == "used"


def test_cancelled_coupon_cannot_be_used(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    client.post(f"/api/v1/me/coupons/{coupon['id']}/cancel", headers=bearer(token))
    response = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(clerk))
    assert response.status_code == 409 and response.get_json()["reason"] == "coupon_cancelled"


def test_another_merchants_clerk_can_neither_see_nor_verify(app, client):
    shop_a = open_shop(app, client, name="A 店")
    shop_b = open_shop(app, client, name="B 店", operator_token=shop_a.operator_token)
    _, clerk_b = add_clerk(app, client, shop_b)
    coupon = _coupon(app, client, shop_a)

    for code in (coupon["code"], coupon["short_code"]):
        for url in (VERIFY, LOOKUP):
            response = client.post(url, json={"code": code}, headers=bearer(clerk_b))
            assert response.status_code == 404
            assert response.get_json()["reason"] == "coupon_not_found"
        owner_try = client.post(VERIFY, json={"code": code}, headers=shop_b.owner)
        assert owner_try.status_code == 404
    listed = client.get("/api/v1/merchant/coupons", headers=bearer(clerk_b)).get_json()["items"]
    assert listed == []
    # Merchant A's own clerk still can.
    _, clerk_a = add_clerk(app, client, shop_a)
    assert (
        client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(clerk_a)).status_code
        == 200
    )


def test_residents_cannot_verify(app, client):
    shop = open_shop(app, client)
    coupon = _coupon(app, client, shop)
    _, resident = new_user(app)
    response = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(resident))
    assert response.status_code == 403


def test_wrong_codes_are_rate_limited_per_clerk(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    _, other_clerk = add_clerk(app, client, shop)
    coupon = _coupon(app, client, shop)

    wrong = [
        client.post(VERIFY, json={"code": f"{i:010d}"}, headers=bearer(clerk)).status_code
        for i in range(10)
    ]
    assert wrong == [404] * 10
    blocked = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(clerk))
    assert blocked.status_code == 429
    assert (
        client.post(LOOKUP, json={"code": coupon["code"]}, headers=bearer(clerk)).status_code == 429
    )
    # Another clerk is not affected, and right codes never count.
    ok = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(other_clerk))
    assert ok.status_code == 200


def test_merchant_sees_its_coupons(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    first = _coupon(app, client, shop)
    second = _coupon(app, client, shop)
    client.post(VERIFY, json={"code": first["code"]}, headers=bearer(clerk))

    used = client.get("/api/v1/merchant/coupons?status=used", headers=bearer(clerk)).get_json()
    assert [c["id"] for c in used["items"]] == [first["id"]]
    everything = client.get("/api/v1/merchant/coupons", headers=bearer(clerk)).get_json()
    assert [c["id"] for c in everything["items"]] == [second["id"], first["id"]]
    assert all("code" not in c for c in everything["items"])


def test_verify_body_is_validated(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    assert client.post(VERIFY, json={}, headers=bearer(clerk)).status_code == 422
    assert client.post(VERIFY, json={"code": "x" * 65}, headers=bearer(clerk)).status_code == 422


def test_staff_never_see_the_code_of_an_unused_coupon(app, client):
    """A clerk cannot read a code off the list and burn a coupon without its resident."""
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    coupon = _coupon(app, client, shop)
    listed = client.get("/api/v1/merchant/coupons", headers=bearer(clerk)).get_json()["items"]
    assert [(c["id"], c["status"]) for c in listed] == [(coupon["id"], "issued")]
    assert listed[0]["short_code"] is None and "code" not in listed[0]
    looked_up = client.post(LOOKUP, json={"code": coupon["code"]}, headers=bearer(clerk))
    assert looked_up.get_json()["short_code"] is None

    # The resident shows the short code on their screen: that verifies.
    used = client.post(VERIFY, json={"code": coupon["short_code"]}, headers=bearer(clerk))
    assert used.status_code == 200
    assert used.get_json()["coupon"]["short_code"] == coupon["short_code"]
    listed = client.get("/api/v1/merchant/coupons", headers=bearer(clerk)).get_json()["items"]
    assert listed[0]["short_code"] == coupon["short_code"]
