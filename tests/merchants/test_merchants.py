"""Merchants: admitted by operators, staffed through single-use invites, clerks removable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.extensions import db
from app.merchants.models import MerchantInvite
from tests.helpers import bearer
from tests.mall.factories import add_clerk, live_offer, new_user, open_shop, redeem


def _roles(client, token) -> list[str]:
    return client.get("/api/v1/auth/me", headers=bearer(token)).get_json()["roles"]


def test_operator_admits_a_merchant_and_the_owner_gets_the_role(app, client):
    _, operator = new_user(app, roles=("operator",))
    owner_id, owner = new_user(app)

    response = client.post(
        "/api/v1/admin/merchants",
        json={"name": "绿色咖啡馆", "owner_user_id": owner_id, "address": "人民路 1 号"},
        headers=bearer(operator),
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "绿色咖啡馆" and body["owner_user_id"] == owner_id
    assert "merchant_owner" in _roles(client, owner)
    profile = client.get("/api/v1/merchant/profile", headers=bearer(owner)).get_json()
    assert profile["id"] == body["id"] and profile["address"] == "人民路 1 号"
    listed = client.get("/api/v1/admin/merchants", headers=bearer(operator)).get_json()
    assert [m["id"] for m in listed["items"]] == [body["id"]]
    audit = client.get("/api/v1/admin/audit-log?action=merchant.create", headers=bearer(operator))
    assert audit.get_json()["items"][0]["target"] == f"merchant:{body['id']}"


def test_admitting_needs_an_operator_and_a_free_existing_owner(app, client):
    _, operator = new_user(app, roles=("operator",))
    owner_id, owner = new_user(app)
    url = "/api/v1/admin/merchants"

    as_resident = client.post(
        url, json={"name": "x", "owner_user_id": owner_id}, headers=bearer(owner)
    )
    assert as_resident.status_code == 403
    unknown = client.post(
        url, json={"name": "x", "owner_user_id": 999_999}, headers=bearer(operator)
    )
    assert unknown.status_code == 404 and unknown.get_json()["reason"] == "user_not_found"
    assert (
        client.post(
            url, json={"name": "A", "owner_user_id": owner_id}, headers=bearer(operator)
        ).status_code
        == 201
    )
    twice = client.post(
        url, json={"name": "B", "owner_user_id": owner_id}, headers=bearer(operator)
    )
    assert twice.status_code == 409 and twice.get_json()["reason"] == "already_merchant_staff"
    missing = client.post(url, json={"owner_user_id": owner_id}, headers=bearer(operator))
    assert missing.status_code == 422 and "name" in missing.get_json()["errors"]


def test_owner_edits_the_profile_clerk_cannot(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    edited = client.patch(
        "/api/v1/merchant/profile", json={"phone": "021-1234"}, headers=shop.owner
    )
    assert edited.status_code == 200 and edited.get_json()["phone"] == "021-1234"
    refused = client.patch("/api/v1/merchant/profile", json={"phone": "1"}, headers=bearer(clerk))
    assert refused.status_code == 403
    assert (
        client.get("/api/v1/merchant/profile", headers=bearer(clerk)).get_json()["phone"]
        == "021-1234"
    )


def test_invite_and_join_make_a_clerk(app, client):
    shop = open_shop(app, client)
    clerk_id, clerk = new_user(app)
    invite = client.post("/api/v1/merchant/staff-invites", headers=shop.owner)
    assert invite.status_code == 201
    code = invite.get_json()["invite_code"]
    assert len(code.replace("-", "")) == 12

    joined = client.post(
        "/api/v1/merchant/staff/join", json={"invite_code": code.lower()}, headers=bearer(clerk)
    )

    assert joined.status_code == 200, joined.get_json()
    assert joined.get_json()["merchant"]["id"] == shop.merchant_id
    assert joined.get_json()["role"] == "merchant_clerk"
    assert "merchant_clerk" in _roles(client, clerk)
    staff = client.get("/api/v1/merchant/staff", headers=shop.owner).get_json()["items"]
    assert {(s["user_id"], s["role"]) for s in staff} == {
        (shop.owner_id, "owner"),
        (clerk_id, "clerk"),
    }


def test_invite_is_single_use_and_expires(app, client):
    shop = open_shop(app, client)
    _, first = new_user(app)
    _, second = new_user(app)
    code = client.post("/api/v1/merchant/staff-invites", headers=shop.owner).get_json()[
        "invite_code"
    ]
    join = "/api/v1/merchant/staff/join"

    assert client.post(join, json={"invite_code": code}, headers=bearer(first)).status_code == 200
    used = client.post(join, json={"invite_code": code}, headers=bearer(second))
    assert used.status_code == 409 and used.get_json()["reason"] == "invite_used"

    stale = client.post("/api/v1/merchant/staff-invites", headers=shop.owner).get_json()[
        "invite_code"
    ]
    with app.app_context():
        db.session.execute(
            update(MerchantInvite).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
        db.session.remove()
    expired = client.post(join, json={"invite_code": stale}, headers=bearer(second))
    assert expired.status_code == 409 and expired.get_json()["reason"] == "invite_expired"


def test_only_owners_invite_and_staff_cannot_join_twice(app, client):
    shop = open_shop(app, client)
    other = open_shop(app, client, name="另一家", operator_token=shop.operator_token)
    _, clerk = add_clerk(app, client, shop)
    assert client.post("/api/v1/merchant/staff-invites", headers=bearer(clerk)).status_code == 403
    _, resident = new_user(app)
    assert (
        client.post("/api/v1/merchant/staff-invites", headers=bearer(resident)).status_code == 403
    )

    code = client.post("/api/v1/merchant/staff-invites", headers=other.owner).get_json()[
        "invite_code"
    ]
    response = client.post(
        "/api/v1/merchant/staff/join", json={"invite_code": code}, headers=bearer(clerk)
    )
    assert response.status_code == 409 and response.get_json()["reason"] == "already_merchant_staff"
    # The refused join did not use the invite up.
    _, newcomer = new_user(app)
    ok = client.post(
        "/api/v1/merchant/staff/join", json={"invite_code": code}, headers=bearer(newcomer)
    )
    assert ok.status_code == 200


def test_wrong_invite_codes_are_rate_limited(app, client):
    _, user = new_user(app)
    statuses = [
        client.post(
            "/api/v1/merchant/staff/join", json={"invite_code": f"WRONG{i}"}, headers=bearer(user)
        ).status_code
        for i in range(12)
    ]
    assert statuses == [404] * 10 + [429] * 2


def test_removing_a_clerk_ends_their_access_at_once(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    clerk_id, clerk = add_clerk(app, client, shop)
    _, resident = new_user(app, points=100)
    first = redeem(client, offer_id, resident).get_json()["coupon"]
    second = redeem(client, offer_id, resident).get_json()["coupon"]
    verify = "/api/v1/merchant/coupons/verify"
    assert (
        client.post(verify, json={"code": first["code"]}, headers=bearer(clerk)).status_code == 200
    )

    removed = client.delete(f"/api/v1/merchant/staff/{clerk_id}", headers=shop.owner)

    assert removed.status_code == 204
    refused = client.post(verify, json={"code": second["code"]}, headers=bearer(clerk))
    assert refused.status_code == 403
    assert client.get("/api/v1/merchant/coupons", headers=bearer(clerk)).status_code == 403
    # Still a resident: their own login keeps working.
    assert client.get("/api/v1/me/coupons", headers=bearer(clerk)).status_code == 200
    assert "merchant_clerk" not in _roles(client, clerk)
    again = client.delete(f"/api/v1/merchant/staff/{clerk_id}", headers=shop.owner)
    assert again.status_code == 404 and again.get_json()["reason"] == "staff_not_found"


def test_owner_cannot_remove_self_or_another_merchants_clerk(app, client):
    shop = open_shop(app, client)
    other = open_shop(app, client, name="另一家", operator_token=shop.operator_token)
    other_clerk_id, _ = add_clerk(app, client, other)
    own = client.delete(f"/api/v1/merchant/staff/{shop.owner_id}", headers=shop.owner)
    assert own.status_code == 409 and own.get_json()["reason"] == "cannot_remove_owner"
    foreign = client.delete(f"/api/v1/merchant/staff/{other_clerk_id}", headers=shop.owner)
    assert foreign.status_code == 404
