"""Partner webhook: signature, timestamp window, nonce replay, consent, event_id once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.db import utcnow
from tests.checkins.support import account, partner_body, signed_headers
from tests.helpers import bearer


@pytest.fixture
def partner(client, op_token):
    """A bus company allowed to report bus rides and metro trips: (code, secret)."""
    response = client.post(
        "/api/v1/admin/partners",
        json={"code": "city-bus", "name": "城市公交", "scenarios": ["bus_ride", "metro_km"]},
        headers=bearer(op_token),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["partner"]["scenarios"] == ["bus_ride", "metro_km"]
    return body["partner"]["code"], body["secret"]


@pytest.fixture
def consenting(client, resident):
    token, _user, openid = resident
    for scenario in ("bus_ride", "metro_km"):
        response = client.put(f"/api/v1/me/consents/{scenario}", json={"granted": True},
                              headers=bearer(token))  # fmt: skip
        assert response.status_code == 200
    return token, openid


def _post(client, code, secret, body, **sign):
    headers = signed_headers(code, secret, body, **sign)
    return client.post("/api/v1/partner/events", data=body, headers=headers)


def test_signed_event_is_credited_once(client, partner, consenting):
    code, secret = partner
    token, openid = consenting
    body = partner_body("trip-1", openid)
    first = _post(client, code, secret, body)
    assert first.status_code == 201, first.get_json()
    result = first.get_json()
    assert (result["status"], result["carbon_g"], result["points"]) == ("approved", 80.0, 10)
    assert result["duplicate"] is False

    again = _post(client, code, secret, body)  # a retry: new nonce, same event_id
    assert again.status_code == 200
    assert again.get_json()["duplicate"] is True
    assert again.get_json()["record_id"] == result["record_id"]
    assert account(client, token)["points_balance"] == 10
    ledger = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"]
    assert [(e["amount"], e["code"]) for e in ledger] == [(10, "partner_reward")]


def test_carbon_based_points_rule(client, partner, consenting):
    code, secret = partner
    _token, openid = consenting
    response = _post(client, code, secret, partner_body("m-1", openid, "metro_km", 12.5))
    assert response.status_code == 201, response.get_json()
    # 12.5 km * 46.7 g = 583.75 g; "1 per 8 g" -> 72 points
    assert (response.get_json()["carbon_g"], response.get_json()["points"]) == (583.75, 72)


def test_bad_signature_is_401(client, partner, consenting):
    code, secret = partner
    _token, openid = consenting
    body = partner_body("trip-2", openid)
    wrong = _post(client, code, "not-the-secret", body)
    assert wrong.status_code == 401
    assert wrong.get_json()["reason"] == "invalid_signature"
    headers = signed_headers(code, secret, body)
    altered = body.replace(b'"quantity": 1', b'"quantity": 4')
    response = client.post("/api/v1/partner/events", data=altered, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["reason"] == "invalid_signature"
    unknown = _post(client, "who-knows", secret, body)
    assert (unknown.status_code, unknown.get_json()["reason"]) == (401, "unknown_partner")
    unsigned = client.post("/api/v1/partner/events", data=body,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert unsigned.status_code == 401


def test_replayed_nonce_is_401(client, partner, consenting):
    code, secret = partner
    _token, openid = consenting
    first = _post(client, code, secret, partner_body("trip-3", openid), nonce="nonce-abc-123")
    assert first.status_code == 201
    replay = _post(client, code, secret, partner_body("trip-4", openid), nonce="nonce-abc-123")
    assert replay.status_code == 401
    assert replay.get_json()["reason"] == "nonce_reused"


def test_timestamp_outside_five_minutes_is_401(client, partner, consenting):
    code, secret = partner
    _token, openid = consenting
    for skew in (-301, 301):
        response = _post(client, code, secret, partner_body("trip-5", openid),
                         timestamp=int(time.time()) + skew)  # fmt: skip
        assert response.status_code == 401
        assert response.get_json()["reason"] == "timestamp_out_of_window"
    ok = _post(client, code, secret, partner_body("trip-5", openid),
               timestamp=int(time.time()) - 240)  # fmt: skip
    assert ok.status_code == 201


def test_no_consent_no_credit(client, partner, resident):
    code, secret = partner
    token, _user, openid = resident
    response = _post(client, code, secret, partner_body("trip-6", openid))
    assert response.status_code == 409
    assert response.get_json()["reason"] == "consent_required"
    client.put("/api/v1/me/consents/bus_ride", json={"granted": True}, headers=bearer(token))
    assert _post(client, code, secret, partner_body("trip-6", openid)).status_code == 201
    client.put("/api/v1/me/consents/bus_ride", json={"granted": False}, headers=bearer(token))
    refused = _post(client, code, secret, partner_body("trip-7", openid))
    assert refused.get_json()["reason"] == "consent_required"


def test_partner_limits(client, partner, consenting, op_token):
    code, secret = partner
    _token, openid = consenting
    cases = [
        (partner_body("e1", openid, "old_clothes"), 403, "scenario_not_allowed"),
        (partner_body("e2", "no-such-openid"), 404, "user_not_found"),
        (partner_body("e3", openid, "nope"), 404, "scenario_not_found"),
        (partner_body("e4", openid, occurred_at=(utcnow() - timedelta(days=30)).isoformat()),
         422, "invalid_occurred_at"),
        (partner_body("e5", openid, quantity=5), 409, "daily_cap_reached"),
        (b'{"event_id": "e6"}', 422, "validation_error"),
    ]  # fmt: skip
    for body, status, reason in cases:
        response = _post(client, code, secret, body)
        assert (response.status_code, response.get_json()["reason"]) == (status, reason), body


def test_daily_cap_applies_to_partner_events(client, partner, consenting):
    code, secret = partner
    token, openid = consenting
    results = [_post(client, code, secret, partner_body(f"ride-{n}", openid)) for n in range(5)]
    assert [r.status_code for r in results] == [201, 201, 201, 201, 409]  # bus_ride: 4 a day
    assert account(client, token)["points_balance"] == 40


def test_rotated_secret_replaces_the_old_one(client, partner, consenting, op_token):
    code, secret = partner
    _token, openid = consenting
    partner_id = client.get("/api/v1/admin/partners", headers=bearer(op_token)).get_json()["items"][
        0
    ]["id"]
    rotated = client.post(f"/api/v1/admin/partners/{partner_id}/rotate-secret",
                          headers=bearer(op_token)).get_json()["secret"]  # fmt: skip
    assert _post(client, code, secret, partner_body("r-1", openid)).status_code == 401
    assert _post(client, code, rotated, partner_body("r-1", openid)).status_code == 201
