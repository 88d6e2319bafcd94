"""A partner's recent events with their outcome (issue 17, decision 0943): credited,
repeated and refused calls are all kept, refusals with the reason we answered, although
a refused call's own transaction rolls back; the secret is shown once on rotation."""

from __future__ import annotations

import pytest

from app.checkins import deliveries
from tests.checkins.support import account, partner_body, signed_headers
from tests.helpers import bearer


@pytest.fixture
def partner(client, op_token):
    response = client.post(
        "/api/v1/admin/partners",
        json={"code": "city-bus", "name": "城市公交", "scenarios": ["bus_ride"]},
        headers=bearer(op_token),
    )
    assert response.status_code == 201
    body = response.get_json()
    return body["partner"]["id"], body["secret"]


def _post(client, secret, body, code="city-bus"):
    return client.post(
        "/api/v1/partner/events", data=body, headers=signed_headers(code, secret, body)
    )


def _events(client, op_token, partner_id, **query):
    response = client.get(
        f"/api/v1/admin/partners/{partner_id}/events", query_string=query, headers=bearer(op_token)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_recent_events_show_each_outcome(client, op_token, partner, resident):
    partner_id, secret = partner
    token, _, openid = resident
    refused = _post(client, secret, partner_body("trip-1", openid))  # no consent yet
    assert refused.status_code == 409
    client.put("/api/v1/me/consents/bus_ride", json={"granted": True}, headers=bearer(token))
    credited = _post(client, secret, partner_body("trip-1", openid))
    assert credited.status_code == 201
    assert _post(client, secret, partner_body("trip-1", openid)).status_code == 200
    forged = _post(client, "not-the-secret", partner_body("trip-2", openid))
    assert forged.status_code == 401
    unknown_resident = _post(client, secret, partner_body("trip-3", "no-such-openid"))
    assert unknown_resident.status_code == 404
    _post(client, secret, partner_body("trip-4", openid), code="nobody")  # unknown partner

    items = _events(client, op_token, partner_id)["items"]
    assert [(e["event_id"], e["status_code"], e["outcome"], e["reason"]) for e in items] == [
        ("trip-3", 404, "refused", "user_not_found"),
        ("trip-2", 401, "refused", "invalid_signature"),
        ("trip-1", 200, "duplicate", ""),
        ("trip-1", 201, "credited", ""),
        ("trip-1", 409, "refused", "consent_required"),
    ]
    credited_item = items[3]
    assert credited_item["record_id"] == credited.get_json()["record_id"]
    assert (credited_item["record_status"], credited_item["points"]) == ("approved", 10)
    assert items[4]["message"] and items[4]["record_id"] is None
    assert account(client, token)["points_balance"] == 10

    page = _events(client, op_token, partner_id, limit=2)
    assert len(page["items"]) == 2 and page["next_cursor"]
    missing = client.get("/api/v1/admin/partners/999/events", headers=bearer(op_token))
    assert (missing.status_code, missing.get_json()["reason"]) == (404, "partner_not_found")
    assert (
        client.get(f"/api/v1/admin/partners/{partner_id}/events", headers=bearer(token)).status_code
        == 403
    )


def test_the_log_keeps_the_latest_calls_only(client, op_token, partner, resident, monkeypatch):
    partner_id, _ = partner
    monkeypatch.setattr(deliveries, "DELIVERIES_KEPT", 3)
    _, _, openid = resident
    for n in range(5):
        assert _post(client, "wrong", partner_body(f"e{n}", openid)).status_code == 401
    items = _events(client, op_token, partner_id)["items"]
    assert [e["event_id"] for e in items] == ["e4", "e3", "e2"]


def test_rotating_the_secret_shows_the_new_one_once(client, op_token, partner, resident):
    partner_id, old = partner
    rotated = client.post(
        f"/api/v1/admin/partners/{partner_id}/rotate-secret", headers=bearer(op_token)
    )
    assert rotated.status_code == 200
    new = rotated.get_json()["secret"]
    assert new != old
    listed = client.get("/api/v1/admin/partners", headers=bearer(op_token)).get_json()
    assert new not in str(listed) and "secret" not in listed["items"][0]
    _, _, openid = resident
    assert _post(client, old, partner_body("x", openid)).status_code == 401
    assert _events(client, op_token, partner_id)["items"][0]["reason"] == "invalid_signature"
