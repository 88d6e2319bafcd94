"""Per-resident rate limits (Redis) and the risk score that sends check-ins to review."""

from __future__ import annotations

import pytest

from tests.checkins.support import account, create_site, photo, qr_checkin, site_payload, upload
from tests.helpers import bearer


@pytest.fixture
def configured(app):
    """Set check-in settings for one test and restore them after."""
    changed = []

    def _set(**values):
        for key, value in values.items():
            changed.append(key)
            app.config[key] = value

    yield _set
    for key in changed:
        app.config.pop(key, None)


def test_checkins_are_rate_limited_per_resident(client, op_token, resident, login_resident,
                                                configured):  # fmt: skip
    configured(CHECKIN_RATE_LIMIT="3 per minute")
    token, _user, _openid = resident
    site = create_site(client, op_token, per_user_daily_limit=10)
    payload = site_payload(client, op_token, site["id"])
    statuses = [qr_checkin(client, token, payload).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert qr_checkin(client, token, payload).get_json()["reason"] == "rate_limited"
    other = login_resident()[0]  # somebody else is not slowed down
    assert qr_checkin(client, other, payload).status_code == 201


def test_uploads_are_rate_limited(client, resident, configured):
    configured(UPLOAD_RATE_LIMIT="2 per hour")
    token, _user, _openid = resident
    assert [upload(client, token, photo(n)).status_code for n in range(3)] == [201, 201, 429]


def test_a_burst_of_residents_at_one_site_goes_to_review(client, op_token, login_resident,
                                                         seeded, configured):  # fmt: skip
    configured(RISK_SITE_BURST_USERS=2)
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    statuses = [qr_checkin(client, login_resident()[0], payload).get_json()["status"]
                for _ in range(3)]  # fmt: skip
    assert statuses == ["approved", "approved", "pending"]
    queue = client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"]
    assert [set(item["risk_reasons"]) for item in queue] == [{"site_burst", "new_account"}]
    assert queue[0]["risk_score"] == 60 and queue[0]["expected_points"] == 10
    explained = {e["reason"]: (e["weight"], e["text"]) for e in queue[0]["explanations"]}
    assert explained == {
        "site_burst": (40, "10 分钟内大量居民在同一点位打卡，疑似点位二维码照片被转发"),
        "new_account": (20, "账号注册不足 1 天"),
    }


def test_many_checkins_in_minutes_go_to_review_and_can_be_approved(client, op_token, resident,
                                                                   configured):  # fmt: skip
    configured(RISK_VELOCITY_MAX=2)
    token, _user, _openid = resident
    site = create_site(client, op_token, per_user_daily_limit=5)
    payload = site_payload(client, op_token, site["id"])
    results = [qr_checkin(client, token, payload).get_json() for _ in range(3)]
    assert [r["status"] for r in results] == ["approved", "approved", "pending"]
    assert account(client, token)["points_balance"] == 20

    approved = client.post(f"/api/v1/admin/checkins/{results[2]['id']}/approve",
                           headers=bearer(op_token))  # fmt: skip
    assert approved.status_code == 200
    assert account(client, token)["points_balance"] == 30


def test_review_endpoints_are_for_operators(client, resident):
    token, _user, _openid = resident
    assert client.get("/api/v1/admin/checkins", headers=bearer(token)).status_code == 403
    assert client.post("/api/v1/admin/checkins/1/approve", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/admin/checkins").status_code == 401


def test_unknown_record_is_404(client, op_token):
    response = client.post("/api/v1/admin/checkins/999/approve", headers=bearer(op_token))
    assert (response.status_code, response.get_json()["reason"]) == (404, "checkin_not_found")
    bad = client.get("/api/v1/admin/checkins?status=lost", headers=bearer(op_token))
    assert bad.status_code == 422


def test_the_review_queue_filters_by_resident(client, op_token, login_resident):
    from tests.checkins.support import create_site, qr_checkin, site_payload

    alice, alice_user, _ = login_resident()
    bob, _bob_user, _ = login_resident()
    site = create_site(client, op_token, scenario="old_clothes", per_user_daily_limit=5)
    payload = site_payload(client, op_token, site["id"])
    for token in (alice, bob):
        assert (
            qr_checkin(client, token, payload, scenario="old_clothes", quantity=5).status_code
            == 201
        )
    queue = client.get(
        f"/api/v1/admin/checkins?user_id={alice_user['id']}",
        headers={"Authorization": f"Bearer {op_token}"},
    ).get_json()["items"]
    assert [item["user_id"] for item in queue] == [alice_user["id"]]


def test_a_resident_checking_in_fast_and_one_often_rejected_go_to_review(
    client, op_token, resident, configured
):
    """The velocity and recent-rejection rules, read with the site burst in one statement
    (carbon.count_for_risk): each sends the next check-in to review with its reason."""
    configured(RISK_VELOCITY_MAX=2)
    token, _user, _openid = resident
    payload = site_payload(
        client, op_token, create_site(client, op_token, per_user_daily_limit=9)["id"]
    )
    answers = [qr_checkin(client, token, payload).get_json() for _ in range(4)]
    assert [a["status"] for a in answers] == ["approved", "approved", "pending", "pending"]
    queue = client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"]
    assert {frozenset(item["risk_reasons"]) for item in queue} == {
        frozenset({"velocity", "new_account"})
    }
    for item in queue:
        rejected = client.post(f"/api/v1/admin/checkins/{item['record']['id']}/reject",
                               json={"note": "重复打卡"}, headers=bearer(op_token))  # fmt: skip
        assert rejected.status_code == 200, rejected.get_json()
    configured(RISK_VELOCITY_MAX=50)

    later = qr_checkin(client, token, payload).get_json()

    assert later["status"] == "pending"
    queue = client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"]
    assert set(queue[0]["risk_reasons"]) == {"recent_rejections", "new_account"}
