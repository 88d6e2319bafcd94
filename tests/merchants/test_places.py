"""Where to use a coupon: merchants' address, phone, hours and position on offers, coupons
and the residents' merchants list; a profile edit shows at once in the cached offer list."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.merchants.models import Merchant
from tests.helpers import bearer
from tests.mall.factories import live_offer, new_user, open_shop, redeem

PLACE = {
    "address": "江阳区滨江路 12 号",
    "phone": "13800000000",
    "opening_hours": "周一至周日 7:30-20:00",
    "latitude_e6": 28_880_100,
    "longitude_e6": 105_440_200,
}


def test_profile_place_shows_on_offers_coupons_and_the_merchants_list(app, client):
    shop = open_shop(app, client, name="低碳面包房")
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    before = client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"][0]
    assert before["merchant"]["address"] == ""  # cached from here on

    patched = client.patch("/api/v1/merchant/profile", json=PLACE, headers=shop.owner)
    assert patched.status_code == 200, patched.get_json()

    place = {"id": shop.merchant_id, "name": "低碳面包房", **PLACE}
    offers = client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"]
    assert offers[0]["merchant"] == place  # the cached page was dropped by the edit
    detail = client.get(f"/api/v1/offers/{offer_id}", headers=bearer(token)).get_json()
    assert detail["merchant"] == place
    assert redeem(client, offer_id, token).status_code == 201
    coupon = client.get("/api/v1/me/coupons", headers=bearer(token)).get_json()["items"][0]
    assert coupon["merchant"] == place

    merchants = client.get("/api/v1/merchants", headers=bearer(token)).get_json()
    assert merchants["items"] == [{**place, "description": ""}]
    one = client.get(f"/api/v1/merchants/{shop.merchant_id}", headers=bearer(token))
    assert one.get_json()["opening_hours"] == PLACE["opening_hours"]


def test_offers_of_one_merchant(app, client):
    first = open_shop(app, client, name="甲店")
    second = open_shop(app, client, name="乙店", operator_token=first.operator_token)
    mine = live_offer(client, first)
    live_offer(client, second)
    _, token = new_user(app)
    listed = client.get(f"/api/v1/offers?merchant_id={first.merchant_id}", headers=bearer(token))
    assert [o["id"] for o in listed.get_json()["items"]] == [mine]
    every = client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"]
    assert len(every) == 2


def test_a_position_is_given_whole(app, client):
    shop = open_shop(app, client)
    half = client.patch("/api/v1/merchant/profile", json={"latitude_e6": 1}, headers=shop.owner)
    assert half.status_code == 422
    far = client.patch(
        "/api/v1/merchant/profile",
        json={"latitude_e6": 1, "longitude_e6": 181_000_000},
        headers=shop.owner,
    )
    assert far.status_code == 422
    cleared = client.patch(
        "/api/v1/merchant/profile",
        json={"latitude_e6": None, "longitude_e6": None},
        headers=shop.owner,
    )
    assert cleared.status_code == 200 and cleared.get_json()["latitude_e6"] is None


def test_inactive_merchants_are_not_listed(app, client):
    shop = open_shop(app, client)
    _, token = new_user(app)
    with app.app_context():
        db.session.execute(
            update(Merchant).where(Merchant.id == shop.merchant_id).values(status="suspended")
        )
        db.session.commit()
        db.session.remove()
    assert client.get("/api/v1/merchants", headers=bearer(token)).get_json()["items"] == []
    gone = client.get(f"/api/v1/merchants/{shop.merchant_id}", headers=bearer(token))
    assert gone.status_code == 404 and gone.get_json()["reason"] == "merchant_not_found"
