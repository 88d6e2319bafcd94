"""Operators find residents (id, nickname, 公开编号), read one resident's page, and freeze
an account: every points-moving write is refused at once with 403 `account_frozen`, even
with a session cached in Redis; reading, export and deletion stay open (issue 17, 0941)."""

from __future__ import annotations

import pytest
import redis

from app.auth import CACHE_PREFIX, hash_token
from tests.checkins.support import (
    create_site,
    partner_body,
    photo,
    qr_checkin,
    seed,
    signed_headers,
    site_payload,
    upload,
)
from tests.helpers import bearer


@pytest.fixture
def op(make_operator, app):
    seed(app)
    return make_operator()[0]


def _freeze(client, op, user_id, reason="批量刷分嫌疑"):
    return client.post(
        f"/api/v1/admin/users/{user_id}/freeze", json={"reason": reason}, headers=bearer(op)
    )


def test_public_code_is_stable_short_and_finds_the_resident(client, op, login_resident):
    token, user, _ = login_resident()
    other_token, other, _ = login_resident()
    me = client.get("/api/v1/auth/me", headers=bearer(token)).get_json()
    code = me["public_code"]
    assert len(code) == 8 and code.isalnum() and code == code.upper()
    assert me["frozen"] is False
    assert client.get("/api/v1/auth/me", headers=bearer(token)).get_json()["public_code"] == code
    assert user["public_code"] == code  # the login answer carries it too
    assert other["public_code"] != code

    def search(q):
        page = client.get("/api/v1/admin/users", query_string={"q": q}, headers=bearer(op))
        assert page.status_code == 200, page.get_json()
        return [u["id"] for u in page.get_json()["items"]]

    assert search(code) == [user["id"]]
    sloppy = f"{code[:4].lower()}-{code[4:].lower()}".replace("0", "o").replace("1", "l")
    assert search(sloppy) == [user["id"]]
    assert search(str(user["id"])) == [user["id"]]
    assert search(user["nickname"]) == [user["id"]]
    assert search("绿友") == [other["id"], user["id"]]
    assert search("没有这个人") == []
    assert set(search("")) == {user["id"], other["id"]}  # operators are not residents

    one = client.get(f"/api/v1/admin/users/{user['id']}", headers=bearer(op)).get_json()
    assert (one["public_code"], one["frozen_at"], one["roles"]) == (code, None, ["resident"])
    del other_token


def test_names_for_ids(client, op, login_resident):
    _, user, _ = login_resident()
    me = client.get("/api/v1/auth/me", headers=bearer(op)).get_json()
    answer = client.get(
        f"/api/v1/admin/users/names?ids={user['id']},{me['id']},987654", headers=bearer(op)
    )
    assert answer.status_code == 200
    assert {(i["id"], i["name"], i["kind"]) for i in answer.get_json()["items"]} == {
        (user["id"], user["nickname"], "resident"),
        (me["id"], "op1", "console"),
    }
    assert client.get("/api/v1/admin/users/names?ids=x", headers=bearer(op)).status_code == 422
    many = ",".join(str(i) for i in range(1, 102))
    assert (
        client.get(f"/api/v1/admin/users/names?ids={many}", headers=bearer(op)).status_code == 422
    )


def test_frozen_resident_is_refused_every_points_moving_write_at_once(
    app, client, op, login_resident, sandbox, app_settings
):
    token, user, openid = login_resident()
    site = create_site(client, op, "bus_ride")
    payload = site_payload(client, op, site["id"])
    first = qr_checkin(client, token, payload)
    assert first.status_code == 201, first.get_json()
    # The session is cached in Redis now: a freeze must not wait for it to expire.
    cached = redis.Redis.from_url(app_settings["REDIS_URL"]).get(CACHE_PREFIX + hash_token(token))
    assert cached is not None

    frozen = _freeze(client, op, user["id"])
    assert frozen.status_code == 200, frozen.get_json()
    assert frozen.get_json()["frozen_reason"] == "批量刷分嫌疑"

    def refused(response):
        assert response.status_code == 403, response.get_json()
        body = response.get_json()
        assert body["reason"] == "account_frozen" and "冻结" in body["message"]
        assert "批量刷分" not in body["message"]  # the operator's note is not shown
        return True

    headers = bearer(token)
    assert refused(qr_checkin(client, token, site_payload(client, op, site["id"])))
    assert refused(upload(client, token, photo(3)))
    werun = sandbox.werun_data(openid, [{"timestamp": 1_700_000_000, "step": 5000}])
    assert refused(client.post("/api/v1/werun/sync", json=werun, headers=headers))
    assert refused(client.post("/api/v1/offers/1/redeem", json={}, headers=headers))
    assert refused(client.post("/api/v1/sinks/trees/1/adopt", json={}, headers=headers))
    assert refused(client.post("/api/v1/me/offsets", json={"pool_id": 1, "kg": 1}, headers=headers))

    # Reading, exporting and the account's own state stay open.
    assert client.get("/api/v1/me/account", headers=headers).status_code == 200
    assert client.get("/api/v1/me/ledger", headers=headers).status_code == 200
    assert client.get("/api/v1/me/export", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["frozen"] is True

    twice = _freeze(client, op, user["id"])
    assert (twice.status_code, twice.get_json()["reason"]) == (409, "account_frozen")
    thawed = client.post(f"/api/v1/admin/users/{user['id']}/unfreeze", json={}, headers=bearer(op))
    assert thawed.status_code == 200 and thawed.get_json()["frozen_at"] is None
    again = qr_checkin(client, token, site_payload(client, op, site["id"]))
    assert again.status_code in (201, 409), again.get_json()  # the site's daily limit
    assert again.get_json().get("reason") != "account_frozen"
    assert client.post("/api/v1/offers/1/redeem", json={}, headers=headers).status_code == 404

    log = client.get(f"/api/v1/admin/audit-log?target=user:{user['id']}", headers=bearer(op))
    assert [e["action"] for e in log.get_json()["items"]] == ["users.unfreeze", "users.freeze"]
    frozen_only = client.get("/api/v1/admin/users?frozen=true", headers=bearer(op)).get_json()
    assert frozen_only["items"] == []


def test_partner_events_for_a_frozen_resident_are_refused(client, op, login_resident):
    token, user, openid = login_resident()
    client.put("/api/v1/me/consents/bus_ride", json={"granted": True}, headers=bearer(token))
    created = client.post(
        "/api/v1/admin/partners",
        headers=bearer(op),
        json={"code": "bus", "name": "公交", "scenarios": ["bus_ride"]},
    )
    secret = created.get_json()["secret"]
    assert _freeze(client, op, user["id"]).status_code == 200
    body = partner_body("trip-9", openid)
    answer = client.post(
        "/api/v1/partner/events", data=body, headers=signed_headers("bus", secret, body)
    )
    assert (answer.status_code, answer.get_json()["reason"]) == (403, "account_frozen")


def test_a_frozen_resident_can_still_delete_the_account(client, op, login_resident):
    token, user, _ = login_resident()
    assert _freeze(client, op, user["id"]).status_code == 200
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code in (200, 204)


def test_only_residents_are_frozen_and_only_by_operators(client, op, login_resident):
    token, user, _ = login_resident()
    by_resident = client.post(
        f"/api/v1/admin/users/{user['id']}/freeze", json={"reason": "x"}, headers=bearer(token)
    )
    assert by_resident.status_code == 403
    me = client.get("/api/v1/auth/me", headers=bearer(op)).get_json()
    console = _freeze(client, op, me["id"])
    assert (console.status_code, console.get_json()["reason"]) == (409, "not_a_resident")
    assert _freeze(client, op, 999999).get_json()["reason"] == "user_not_found"
    assert _freeze(client, op, user["id"], reason="").status_code == 422
    not_frozen = client.post(
        f"/api/v1/admin/users/{user['id']}/unfreeze", json={}, headers=bearer(op)
    )
    assert not_frozen.get_json()["reason"] == "account_not_frozen"


def test_resident_page_reads(client, op, login_resident):
    token, user, _ = login_resident()
    site = create_site(client, op, "bus_ride")
    assert qr_checkin(client, token, site_payload(client, op, site["id"])).status_code == 201
    uid = user["id"]
    account = client.get(f"/api/v1/admin/users/{uid}/account", headers=bearer(op)).get_json()
    assert (account["points_balance"], account["checkins_count"]) == (10, 1)
    assert client.get("/api/v1/admin/users/999999/account", headers=bearer(op)).status_code == 404
    records = client.get(f"/api/v1/admin/checkins?user_id={uid}&status=all", headers=bearer(op))
    assert [r["record"]["status"] for r in records.get_json()["items"]] == ["approved"]
    risky = client.get(
        f"/api/v1/admin/checkins?user_id={uid}&status=all&min_risk=100", headers=bearer(op)
    )
    assert risky.get_json()["items"] == []
    coupons = client.get(f"/api/v1/admin/users/{uid}/coupons", headers=bearer(op))
    assert coupons.status_code == 200 and coupons.get_json()["items"] == []
    points = client.get(f"/api/v1/admin/points/users/{uid}", headers=bearer(op)).get_json()
    assert [e["amount"] for e in points["items"]] == [10]
