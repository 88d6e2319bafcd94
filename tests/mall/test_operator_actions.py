"""Operators take an offer down (下架) and freeze a merchant (issue 17, decision 0940):
sales stop at once, coupons already issued follow the documented rule, all audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.db import utcnow
from app.extensions import db
from app.mall.models import Coupon
from tests.helpers import bearer
from tests.mall.factories import (
    add_clerk,
    assert_ledger_clean,
    balance_of,
    live_offer,
    new_user,
    open_shop,
    redeem,
)


def _listed(client, token) -> list[int]:
    return [
        o["id"] for o in client.get("/api/v1/offers", headers=bearer(token)).get_json()["items"]
    ]


def _take_down(client, shop, offer_id, reason="虚假宣传"):
    return client.post(
        f"/api/v1/admin/offers/{offer_id}/pause", json={"reason": reason}, headers=shop.operator
    )


def test_take_down_stops_sales_and_only_an_operator_puts_it_back(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    user_id, resident = new_user(app, points=100)
    coupon = redeem(client, offer_id, resident).get_json()["coupon"]
    assert _listed(client, resident) == [offer_id]

    down = _take_down(client, shop, offer_id)
    assert down.status_code == 200, down.get_json()
    assert down.get_json()["status"] == "taken_down"
    assert down.get_json()["review_note"] == "虚假宣传"
    assert _listed(client, resident) == []
    refused = redeem(client, offer_id, new_user(app, points=100)[1])
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "offer_not_live")

    # The owner can neither resume it, nor pause it, nor send new terms to review.
    for path, body in (("resume", {}), ("pause", {})):
        answer = client.post(
            f"/api/v1/merchant/offers/{offer_id}/{path}", json=body, headers=shop.owner
        )
        assert (answer.status_code, answer.get_json()["reason"]) == (409, "offer_taken_down")
    edit = client.patch(
        f"/api/v1/merchant/offers/{offer_id}", json={"points_price": 5}, headers=shop.owner
    )
    assert (edit.status_code, edit.get_json()["reason"]) == (409, "offer_taken_down")
    stock = client.patch(
        f"/api/v1/merchant/offers/{offer_id}", json={"stock": 9}, headers=shop.owner
    )
    assert stock.status_code == 200 and stock.get_json()["stock_total"] == 9

    again = _take_down(client, shop, offer_id)
    assert (again.status_code, again.get_json()["reason"]) == (409, "offer_taken_down")

    # The coupon already issued stays valid: the resident paid for it.
    _, clerk = add_clerk(app, client, shop)
    used = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=bearer(clerk)
    )
    assert used.status_code == 200, used.get_json()

    back = client.post(f"/api/v1/admin/offers/{offer_id}/resume", json={}, headers=shop.operator)
    assert back.status_code == 200 and back.get_json()["status"] == "live"
    assert back.get_json()["review_note"] == ""
    assert _listed(client, resident) == [offer_id]
    not_down = client.post(
        f"/api/v1/admin/offers/{offer_id}/resume", json={}, headers=shop.operator
    )
    assert (not_down.status_code, not_down.get_json()["reason"]) == (409, "offer_not_taken_down")

    log = client.get(f"/api/v1/admin/audit-log?target=offer:{offer_id}", headers=shop.operator)
    actions = [(e["action"], e["after"]["status"]) for e in log.get_json()["items"]]
    assert actions[:2] == [("mall.offer.relist", "live"), ("mall.offer.take_down", "taken_down")]
    assert balance_of(app, user_id) == 90


def test_take_down_of_a_pending_offer_and_the_refusals(app, client):
    shop = open_shop(app, client)
    pending = client.post(
        "/api/v1/merchant/offers",
        json={"title": "环保袋", "points_price": 5, "stock": 3, "valid_days": 3},
        headers=shop.owner,
    ).get_json()["id"]
    down = _take_down(client, shop, pending)
    assert down.status_code == 200
    approve = client.post(f"/api/v1/admin/offers/{pending}/approve", headers=shop.operator)
    assert approve.get_json()["reason"] == "offer_not_pending"
    # Never approved: putting it back sends it to review, not live.
    back = client.post(f"/api/v1/admin/offers/{pending}/resume", json={}, headers=shop.operator)
    assert back.get_json()["status"] == "pending_review"

    client.post(
        f"/api/v1/admin/offers/{pending}/reject", json={"reason": "信息不全"}, headers=shop.operator
    )
    rejected = _take_down(client, shop, pending)
    assert (rejected.status_code, rejected.get_json()["reason"]) == (409, "offer_not_pausable")
    assert _take_down(client, shop, 999999).get_json()["reason"] == "offer_not_found"
    no_reason = client.post(f"/api/v1/admin/offers/{pending}/pause", json={}, headers=shop.operator)
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"]["reason"]
    by_owner = client.post(
        f"/api/v1/admin/offers/{pending}/pause", json={"reason": "x"}, headers=shop.owner
    )
    assert by_owner.status_code == 403


def _freeze(client, shop, reason="涉嫌虚假核销"):
    return client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
        json={"reason": reason},
        headers=shop.operator,
    )


def test_frozen_merchant_sells_nothing_and_verifies_nothing_until_unfrozen(app, client):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, per_user_limit=3)
    _, clerk = add_clerk(app, client, shop)
    user_id, resident = new_user(app, points=100)
    coupon = redeem(client, offer_id, resident).get_json()["coupon"]

    frozen = _freeze(client, shop)
    assert frozen.status_code == 200, frozen.get_json()
    assert frozen.get_json()["status"] == "frozen"
    assert frozen.get_json()["frozen_reason"] == "涉嫌虚假核销"
    assert _listed(client, resident) == []
    refused = redeem(client, offer_id, resident)
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "offer_not_live")
    verify = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=bearer(clerk)
    )
    assert (verify.status_code, verify.get_json()["reason"]) == (409, "merchant_frozen")
    assert "暂不能核销" in verify.get_json()["message"]
    # The staff see why.
    profile = client.get("/api/v1/merchant/profile", headers=shop.owner).get_json()
    assert (profile["status"], profile["frozen_reason"]) == ("frozen", "涉嫌虚假核销")
    listed = client.get("/api/v1/admin/merchants?status=frozen", headers=shop.operator)
    assert [m["id"] for m in listed.get_json()["items"]] == [shop.merchant_id]

    twice = _freeze(client, shop)
    assert (twice.status_code, twice.get_json()["reason"]) == (409, "merchant_frozen")

    thawed = client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/unfreeze", json={}, headers=shop.operator
    )
    assert thawed.status_code == 200 and thawed.get_json()["status"] == "active"
    assert thawed.get_json()["frozen_at"] is None
    assert _listed(client, resident) == [offer_id]
    verify = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=bearer(clerk)
    )
    assert verify.status_code == 200
    again = client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/unfreeze", json={}, headers=shop.operator
    )
    assert (again.status_code, again.get_json()["reason"]) == (409, "merchant_not_frozen")
    log = client.get(
        f"/api/v1/admin/audit-log?target=merchant:{shop.merchant_id}", headers=shop.operator
    ).get_json()
    assert [e["action"] for e in log["items"]][:2] == ["merchant.unfreeze", "merchant.freeze"]
    assert balance_of(app, user_id) == 90


def test_residents_get_their_points_back_from_a_frozen_merchant(app, client):
    shop = open_shop(app, client)
    strict = live_offer(
        client, shop, cancel_policy="not_cancellable", expiry_policy="no_refund", per_user_limit=2
    )
    user_id, resident = new_user(app, points=100)
    first = redeem(client, strict, resident).get_json()["coupon"]
    second = redeem(client, strict, resident).get_json()["coupon"]
    refused = client.post(
        f"/api/v1/me/coupons/{first['id']}/cancel", json={}, headers=bearer(resident)
    )
    assert refused.get_json()["reason"] == "coupon_not_cancellable"
    assert balance_of(app, user_id) == 80

    assert _freeze(client, shop).status_code == 200
    # Cancellable now, whatever the offer said: it cannot be used while frozen.
    cancelled = client.post(
        f"/api/v1/me/coupons/{first['id']}/cancel", json={}, headers=bearer(resident)
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["points_balance"] == 90

    # One that lapses while frozen is refunded although the offer says no refund.
    with app.app_context():
        db.session.execute(
            update(Coupon)
            .where(Coupon.id == second["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        from app.mall.service import expire_due_coupons

        batch = expire_due_coupons(utcnow())
        db.session.commit()
        db.session.remove()
    assert (batch.expired, batch.refunded) == (1, 1)
    assert balance_of(app, user_id) == 100
    assert_ledger_clean(app)


def test_freezing_is_for_operators_and_names_the_merchant(app, client):
    shop = open_shop(app, client)
    by_owner = client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
        json={"reason": "x"},
        headers=shop.owner,
    )
    assert by_owner.status_code == 403
    missing = client.post(
        "/api/v1/admin/merchants/424242/freeze", json={"reason": "x"}, headers=shop.operator
    )
    assert (missing.status_code, missing.get_json()["reason"]) == (404, "merchant_not_found")
    empty = client.post(
        f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
        json={"reason": ""},
        headers=shop.operator,
    )
    assert empty.status_code == 422


def test_the_stock_update_itself_refuses_a_frozen_merchant(app, client):
    """A freeze committed between a redemption's early checks and its stock UPDATE still
    wins: the UPDATE reads the merchant's status in the same statement."""
    from app.mall.redemption import _take_stock
    from app.merchants.models import Merchant

    shop = open_shop(app, client)
    offer_id = live_offer(client, shop)
    with app.app_context():
        db.session.execute(
            update(Merchant).where(Merchant.id == shop.merchant_id).values(status="frozen")
        )
        assert _take_stock(offer_id) is False
        db.session.execute(
            update(Merchant).where(Merchant.id == shop.merchant_id).values(status="active")
        )
        assert _take_stock(offer_id) is True
        db.session.rollback()
        db.session.remove()
