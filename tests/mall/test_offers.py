"""Offers: created by owners, reviewed by operators, listed to residents while live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.extensions import db
from app.mall.models import Offer
from tests.helpers import bearer
from tests.mall.factories import (
    OFFER_DEFAULTS,
    add_clerk,
    count_rows,
    live_offer,
    new_user,
    open_shop,
    redeem,
)


def _create(client, shop, **terms):
    return client.post(
        "/api/v1/merchant/offers", json={**OFFER_DEFAULTS, **terms}, headers=shop.owner
    )


def _listed_ids(client, token) -> list[int]:
    response = client.get("/api/v1/offers", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_new_offer_waits_for_review_then_goes_live(app, client):
    shop = open_shop(app, client)
    _, resident = new_user(app)

    created = _create(client, shop)
    assert created.status_code == 201
    assert created.get_json()["status"] == "pending_review"
    offer_id = created.get_json()["id"]
    assert _listed_ids(client, resident) == []

    approved = client.post(f"/api/v1/admin/offers/{offer_id}/approve", headers=shop.operator)
    assert approved.status_code == 200
    assert approved.get_json() == {"id": offer_id, "status": "live"}
    assert _listed_ids(client, resident) == [offer_id]

    again = client.post(f"/api/v1/admin/offers/{offer_id}/approve", headers=shop.operator)
    assert again.status_code == 409
    assert again.get_json()["reason"] == "offer_not_pending"


def test_approval_is_audited(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    log = client.get("/api/v1/admin/audit-log?action=mall.", headers=shop.operator).get_json()
    assert [e["target"] for e in log["items"]] == [f"offer:{offer_id}"]


def test_resident_list_and_detail_fields(app, client):
    shop = open_shop(app, client, name="低碳面包房")
    offer_id = live_offer(client, shop, points_price=25, stock=7, per_user_limit=2)
    _, token = new_user(app, points=100)
    redeem(client, offer_id, token)

    item = client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"][0]
    assert item["merchant"] == {
        "id": shop.merchant_id, "name": "低碳面包房", "address": "", "phone": "",
        "opening_hours": "", "latitude_e6": None, "longitude_e6": None,
    }  # fmt: skip
    assert item["points_price"] == 25
    assert item["stock_left"] == 6
    assert item["per_user_limit"] == 2
    assert item["valid_until"] is None and item["valid_days"] == 7

    detail = client.get(f"/api/v1/offers/{offer_id}", headers=bearer(token)).get_json()
    assert detail["redeemed_by_me"] == 1
    assert detail["stock_left"] == 6


def test_cached_list_still_shows_fresh_stock(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=3)
    _, token = new_user(app, points=100)
    assert (
        client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"][0]["stock_left"]
        == 3
    )

    redeem(client, offer_id, token)  # the list page stays cached; its stock does not

    assert (
        client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"][0]["stock_left"]
        == 2
    )


def test_list_is_paginated(app, client):
    shop = open_shop(app, client)
    ids = [live_offer(client, shop, title=f"券{i}") for i in range(3)]
    _, token = new_user(app)
    first = client.get("/api/v1/offers?limit=2", headers=bearer(token)).get_json()
    second = client.get(
        f"/api/v1/offers?limit=2&cursor={first['next_cursor']}", headers=bearer(token)
    ).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_pause_hides_the_offer_and_stops_redemption(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    assert _listed_ids(client, token) == [offer_id]

    paused = client.post(f"/api/v1/merchant/offers/{offer_id}/pause", headers=shop.owner)
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"

    assert _listed_ids(client, token) == []
    assert client.get(f"/api/v1/offers/{offer_id}", headers=bearer(token)).status_code == 404
    response = redeem(client, offer_id, token)
    assert response.status_code == 409 and response.get_json()["reason"] == "offer_not_live"

    resumed = client.post(f"/api/v1/merchant/offers/{offer_id}/resume", headers=shop.owner)
    assert resumed.get_json()["status"] == "live"
    assert redeem(client, offer_id, token).status_code == 201


def test_terms_cannot_change_while_live_and_new_terms_need_review(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, points_price=10)
    url = f"/api/v1/merchant/offers/{offer_id}"

    refused = client.patch(url, json={"points_price": 1}, headers=shop.owner)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "offer_live"

    client.post(f"{url}/pause", headers=shop.owner)
    edited = client.patch(url, json={"points_price": 12}, headers=shop.owner)
    assert edited.status_code == 200
    assert edited.get_json()["status"] == "pending_review"
    assert edited.get_json()["points_price"] == 12
    # Resuming does not skip the review of the new price.
    client.post(f"{url}/pause", headers=shop.owner)
    resumed = client.post(f"{url}/resume", headers=shop.owner)
    assert resumed.get_json()["status"] == "pending_review"


def test_stock_can_change_while_live_but_not_below_what_was_sold(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=3, per_user_limit=3)
    _, token = new_user(app, points=100)
    redeem(client, offer_id, token)
    redeem(client, offer_id, token)
    url = f"/api/v1/merchant/offers/{offer_id}"

    raised = client.patch(url, json={"stock": 10}, headers=shop.owner)
    assert raised.status_code == 200
    assert (raised.get_json()["stock"], raised.get_json()["stock_left"]) == (10, 8)
    assert raised.get_json()["status"] == "live"

    too_low = client.patch(url, json={"stock": 1}, headers=shop.owner)
    assert too_low.status_code == 409 and too_low.get_json()["reason"] == "stock_below_issued"

    sold_out = client.patch(url, json={"stock": 2}, headers=shop.owner)
    assert sold_out.get_json()["stock_left"] == 0


def test_reject_sends_the_offer_back_with_a_reason(app, client):
    shop = open_shop(app, client)
    offer_id = _create(client, shop).get_json()["id"]
    rejected = client.post(
        f"/api/v1/admin/offers/{offer_id}/reject",
        json={"reason": "图片不清晰"},
        headers=shop.operator,
    )
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["review_note"] == "图片不清晰"
    edited = client.patch(
        f"/api/v1/merchant/offers/{offer_id}", json={"title": "新标题"}, headers=shop.owner
    )
    assert edited.get_json()["status"] == "pending_review"

    queue = client.get("/api/v1/admin/offers?status=pending_review", headers=shop.operator)
    assert [o["id"] for o in queue.get_json()["items"]] == [offer_id]


def test_validation_errors_are_422_with_fields(app, client):
    shop = open_shop(app, client)
    both = _create(client, shop, valid_until=(datetime.now(UTC) + timedelta(days=3)).isoformat())
    assert both.status_code == 422 and "valid_days" in both.get_json()["errors"]
    neither = _create(client, shop, valid_days=None)
    assert neither.status_code == 422
    past = _create(
        client,
        shop,
        valid_days=None,
        valid_until=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
    )
    assert past.status_code == 422 and "valid_until" in past.get_json()["errors"]
    unknown = _create(client, shop, colour="green")
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    bad_price = _create(client, shop, points_price=0)
    assert bad_price.status_code == 422 and "points_price" in bad_price.get_json()["errors"]
    float_price = _create(client, shop, points_price=1.5)
    assert float_price.status_code == 422
    assert count_rows(app, "SELECT count(*) FROM offers") == 0


def test_only_the_owner_manages_offers_and_only_of_their_merchant(app, client):
    shop = open_shop(app, client)
    other = open_shop(app, client, name="另一家", operator_token=shop.operator_token)
    offer_id = live_offer(client, shop)
    _, clerk = add_clerk(app, client, shop)
    _, resident = new_user(app)

    assert _create(client, shop).status_code == 201
    as_clerk = client.post("/api/v1/merchant/offers", json=OFFER_DEFAULTS, headers=bearer(clerk))
    assert as_clerk.status_code == 403
    as_resident = client.post(
        "/api/v1/merchant/offers", json=OFFER_DEFAULTS, headers=bearer(resident)
    )
    assert as_resident.status_code == 403
    # Clerks may look at their merchant's offers.
    assert (
        client.get(f"/api/v1/merchant/offers/{offer_id}", headers=bearer(clerk)).status_code == 200
    )
    # Another merchant's owner: not found, whatever they try.
    assert client.get(f"/api/v1/merchant/offers/{offer_id}", headers=other.owner).status_code == 404
    patch = client.patch(
        f"/api/v1/merchant/offers/{offer_id}", json={"stock": 1}, headers=other.owner
    )
    assert patch.status_code == 404
    pause = client.post(f"/api/v1/merchant/offers/{offer_id}/pause", headers=other.owner)
    assert pause.status_code == 404
    listed = client.get("/api/v1/merchant/offers", headers=other.owner).get_json()["items"]
    assert listed == []


def test_flash_sale_before_its_start(app, client):
    shop = open_shop(app, client)
    starts = datetime.now(UTC) + timedelta(hours=1)
    offer_id = live_offer(client, shop, sale_starts_at=starts.isoformat())
    _, token = new_user(app, points=100)

    item = client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"][0]
    assert item["flash_sale"] is True
    response = redeem(client, offer_id, token)
    assert response.status_code == 409
    assert response.get_json()["reason"] == "offer_not_live"
    assert datetime.fromisoformat(response.get_json()["starts_at"]) == starts


def test_offer_ended_by_its_sale_window_is_not_listed(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    _, token = new_user(app, points=100)
    with app.app_context():
        db.session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(sale_ends_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
        db.session.remove()
    client.post(f"/api/v1/merchant/offers/{offer_id}/pause", headers=shop.owner)  # new list
    client.post(f"/api/v1/merchant/offers/{offer_id}/resume", headers=shop.owner)
    assert _listed_ids(client, token) == []
    response = redeem(client, offer_id, token)
    assert response.status_code == 409 and response.get_json()["reason"] == "offer_not_live"
