"""Deleting the account and signing up again does not reset per-person limits (issue 12.3).

Three delete + re-login cycles in one day used to earn three daily caps and three coupons
of a one-per-person offer, and the deleted account's coupons stayed verifiable.
"""

from __future__ import annotations

from datetime import timedelta

from app.db import utcnow
from app.extensions import db
from tests.checkins.support import account, create_site, qr_checkin, set_cap, site_payload
from tests.helpers import bearer
from tests.mall.factories import add_clerk, assert_ledger_clean, live_offer, open_shop, redeem

VERIFY = "/api/v1/merchant/coupons/verify"


def _delete(client, token: str) -> None:
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 204


def _ride(client, token: str, payloads: list[str]):
    """Check in at the first site of the list the resident has not used today."""
    return qr_checkin(client, token, payloads.pop(0))


def _offer_stock(client, shop, offer_id: int) -> int:
    response = client.get(f"/api/v1/merchant/offers/{offer_id}", headers=shop.owner)
    return response.get_json()["stock_left"]


def test_three_delete_and_sign_up_cycles_earn_one_daily_cap(app, client, op_token, login_resident):
    set_cap(client, op_token, "bus_ride", 2)
    payloads = [site_payload(client, op_token, create_site(client, op_token)["id"])
                for _ in range(8)]  # fmt: skip
    token, _user, openid = login_resident()
    earned = 0
    for _cycle in range(3):
        for _ in range(2):
            response = _ride(client, token, payloads)
            if response.status_code == 201:
                earned += response.get_json()["points"]
            else:
                assert response.get_json()["reason"] == "daily_cap_reached"
        _delete(client, token)
        token, _user, _ = login_resident(openid)
    assert earned == 20  # one day's cap of 2 rides, not three
    again = _ride(client, token, payloads)
    assert again.status_code == 409 and again.get_json()["reason"] == "daily_cap_reached"

    # Another WeChat account is not affected.
    stranger, _, _ = login_resident()
    assert _ride(client, stranger, payloads).status_code == 201
    assert_ledger_clean(app)


def test_a_one_per_person_offer_stays_one_per_person(app, client, op_token, login_resident):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    offer_id = live_offer(client, shop, points_price=10, stock=5, per_user_limit=1)
    payloads = [site_payload(client, op_token, create_site(client, op_token)["id"])
                for _ in range(3)]  # fmt: skip
    token, _user, openid = login_resident()
    assert _ride(client, token, payloads).status_code == 201
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    assert _offer_stock(client, shop, offer_id) == 4
    exported = client.get("/api/v1/me/export", headers=bearer(token)).get_json()["coupons"]
    assert [(c["id"], c["status"]) for c in exported] == [(coupon["id"], "issued")]
    assert "code" not in exported[0] and "short_code" not in exported[0]

    _delete(client, token)

    # The deleted account's unused coupon is void: nobody can use it, its stock is back.
    used = client.post(VERIFY, json={"code": coupon["code"]}, headers=bearer(clerk))
    assert used.status_code == 409 and used.get_json()["reason"] == "coupon_cancelled"
    assert _offer_stock(client, shop, offer_id) == 5

    token, _user, _ = login_resident(openid)
    set_cap(client, op_token, "bus_ride", 4)
    assert _ride(client, token, payloads).status_code == 201
    assert account(client, token)["points_balance"] == 10
    second = redeem(client, offer_id, token)
    assert second.status_code == 409 and second.get_json()["reason"] == "limit_reached"
    assert account(client, token)["points_balance"] == 10
    assert_ledger_clean(app)


def test_campaign_limits_continue_per_person(app, client, op_token, login_resident):
    from app.campaigns import service as campaigns

    with app.app_context():
        now = utcnow()
        campaigns.create_campaign(
            name="绿色出行周", scenarios=["bus_ride"], budget_points=1000, bonus_points=5,
            per_resident_limit=1, starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
        )  # fmt: skip
        db.session.commit()
    set_cap(client, op_token, "bus_ride", 4)
    payloads = [site_payload(client, op_token, create_site(client, op_token)["id"])
                for _ in range(3)]  # fmt: skip
    token, _user, openid = login_resident()
    assert _ride(client, token, payloads).get_json()["points"] == 15  # 10 + the bonus
    _delete(client, token)
    token, _user, _ = login_resident(openid)
    assert _ride(client, token, payloads).get_json()["points"] == 10  # bonus already had


def test_the_identity_is_forgotten_after_the_retention_period(app, client, op_token,
                                                               login_resident):  # fmt: skip
    from app.users.identity import purge_expired_identities
    from app.users.models import User

    set_cap(client, op_token, "bus_ride", 1)
    payloads = [site_payload(client, op_token, create_site(client, op_token)["id"])
                for _ in range(3)]  # fmt: skip
    token, user, openid = login_resident()
    assert _ride(client, token, payloads).status_code == 201
    _delete(client, token)
    token, user_again, _ = login_resident(openid)
    with app.app_context():
        assert purge_expired_identities(utcnow()) == 0  # still within retention
        assert purge_expired_identities(utcnow() + timedelta(days=401)) == 1
        db.session.commit()
        gone = db.session.get(User, user["id"])
        assert gone.identity_hash is None and gone.openid is None
        assert db.session.get(User, user_again["id"]).person_id is None
    # Past retention the new account is its own person: today's counter is its own.
    assert _ride(client, token, payloads).status_code == 201


def test_purge_command_runs(app):
    result = app.test_cli_runner().invoke(args=["users", "purge-identities"])
    assert result.exit_code == 0, result.output
    assert "identities older than 400 days forgotten" in result.output


def test_werun_steps_of_the_day_are_not_paid_again(app, client, sandbox, login_resident, seeded):
    from tests.checkins.test_werun import _midnight, _sync

    token, _user, openid = login_resident()
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 6000}])
    [day] = _sync(client, token, payload).get_json()["days"]
    assert day["points_added"] == 12
    _delete(client, token)
    token, _user, _ = login_resident(openid)
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 9000}])
    [day] = _sync(client, token, payload).get_json()["days"]
    assert (day["credited_steps"], day["points_added"]) == (3000, 6)  # only the growth
    assert account(client, token)["points_balance"] == 6
    assert_ledger_clean(app)
