"""QR sites: signed payloads, PNG, forged or altered codes, site limits, rotation, caps."""

from __future__ import annotations

import io

from PIL import Image

from tests.checkins.support import account, create_site, qr_checkin, set_cap, site_payload
from tests.helpers import bearer


def test_qr_checkin_is_approved_and_pays_points(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token)
    assert site["scenario"] == "bus_ride"
    payload = site_payload(client, op_token, site["id"])

    response = qr_checkin(client, token, payload)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["scenario"], body["status"], body["carbon_g"], body["points"]) == (
        "bus_ride",
        "approved",
        80.0,
        10,
    )
    mine = account(client, token)
    assert mine["points_balance"] == 10
    assert mine["carbon_total_g"] == 80.0
    assert mine["checkins_count"] == 1
    assert mine["by_scenario"][0]["scenario"] == "bus_ride"


def test_site_qr_png_is_an_image(client, op_token):
    site = create_site(client, op_token)
    response = client.get(f"/api/v1/admin/sites/{site['id']}/qr?format=png",
                          headers=bearer(op_token))  # fmt: skip
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size[0] > 100


def test_residents_cannot_manage_sites(client, resident):
    token, _user, _openid = resident
    response = client.post("/api/v1/admin/sites", json={"name": "x", "scenario": "bus_ride"},
                           headers=bearer(token))  # fmt: skip
    assert response.status_code == 403


def test_site_for_a_scenario_without_qr_evidence_is_refused(client, op_token):
    response = client.post("/api/v1/admin/sites", json={"name": "x", "scenario": "walk_steps"},
                           headers=bearer(op_token))  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["reason"] == "evidence_not_accepted"


def test_forged_and_altered_payloads_are_invalid_qr(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token)
    other = create_site(client, op_token)
    payload = site_payload(client, op_token, site["id"])
    prefix, site_id, version, window, signature = payload.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        "hello",
        f"{prefix}.{site_id}.{version}.{window}.{'x' * 22}",  # made-up signature
        f"{prefix}.{other['id']}.{version}.{window}.{signature}",  # another site's id
        f"{prefix}.{site_id}.{int(version) + 1}.{window}.{signature}",  # key version
        f"{prefix}.{site_id}.{version}.{window}.{flipped}",
        payload + "0",
    ]
    for bad in forged:
        response = qr_checkin(client, token, bad)
        assert response.status_code == 400, bad
        assert response.get_json()["reason"] == "invalid_qr"
    assert account(client, token)["points_balance"] == 0


def test_code_of_another_scenario_is_invalid_qr(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, scenario="parcel_box_return")
    payload = site_payload(client, op_token, site["id"])
    response = qr_checkin(client, token, payload, scenario="bus_ride")
    assert response.status_code == 400
    assert response.get_json()["reason"] == "invalid_qr"


def test_screenshot_pays_once_per_site_per_day(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, "parcel_box_return")
    assert site["per_user_daily_limit"] == 1
    payload = site_payload(client, op_token, site["id"])
    assert qr_checkin(client, token, payload, "parcel_box_return").status_code == 201
    again = qr_checkin(client, token, payload, "parcel_box_return")
    assert again.status_code == 409
    assert again.get_json()["reason"] == "site_limit_reached"


def test_a_transit_stop_allows_the_return_trip(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, "bus_ride")
    assert site["per_user_daily_limit"] == 2  # out and back
    payload = site_payload(client, op_token, site["id"])
    assert [qr_checkin(client, token, payload).status_code for _ in range(3)] == [201, 201, 409]
    strict = create_site(client, op_token, "metro_ride", per_user_daily_limit=1)
    assert strict["per_user_daily_limit"] == 1  # an operator's own limit wins


def test_rotating_the_key_retires_printed_codes(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token)
    old = site_payload(client, op_token, site["id"])
    rotated = client.post(f"/api/v1/admin/sites/{site['id']}/rotate-key", headers=bearer(op_token))
    assert rotated.get_json()["key_version"] == 2
    assert qr_checkin(client, token, old).get_json()["reason"] == "invalid_qr"
    assert qr_checkin(client, token, site_payload(client, op_token, site["id"])).status_code == 201


def test_rotating_code_expires(app, client, op_token, resident):
    from app.checkins import qr

    token, _user, _openid = resident
    site = create_site(client, op_token, rotation_seconds=60)
    fresh = client.get(f"/api/v1/admin/sites/{site['id']}/qr", headers=bearer(op_token))
    assert fresh.get_json()["expires_at"] is not None
    with app.test_request_context():
        stale, _ = qr.sign_payload(site["id"], 1, 60, now=__import__("time").time() - 600)
    response = qr_checkin(client, token, stale)
    assert response.status_code == 400
    assert response.get_json()["reason"] == "invalid_qr"
    assert qr_checkin(client, token, fresh.get_json()["payload"]).status_code == 201


def test_inactive_site_is_invalid_qr(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token)
    payload = site_payload(client, op_token, site["id"])
    client.patch(f"/api/v1/admin/sites/{site['id']}", json={"active": False},
                 headers=bearer(op_token))  # fmt: skip
    assert qr_checkin(client, token, payload).get_json()["reason"] == "invalid_qr"


def test_daily_cap_is_enforced_across_sites(client, op_token, resident):
    token, _user, _openid = resident
    set_cap(client, op_token, "bus_ride", 2)
    payloads = [site_payload(client, op_token, create_site(client, op_token)["id"])
                for _ in range(3)]  # fmt: skip
    assert qr_checkin(client, token, payloads[0]).status_code == 201
    assert qr_checkin(client, token, payloads[1]).status_code == 201
    third = qr_checkin(client, token, payloads[2])
    assert third.status_code == 409
    assert third.get_json()["reason"] == "daily_cap_reached"
    assert account(client, token)["points_balance"] == 20


def test_quantity_rules(client, op_token, resident):
    token, _user, _openid = resident
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    for quantity in (1.5, 0, 5, -1, 1.0001):
        response = qr_checkin(client, token, payload, quantity=quantity)
        assert response.get_json()["reason"] == "invalid_quantity", quantity


def test_unknown_scenario_and_wrong_evidence(client, op_token, resident):
    token, _user, _openid = resident
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    assert qr_checkin(client, token, payload, scenario="nope").get_json()["reason"] == (
        "scenario_not_found"
    )
    response = client.post(
        "/api/v1/checkins",
        json={"scenario": "walk_steps", "evidence": {"type": "qr", "token": payload}},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.get_json()["reason"] == "evidence_not_accepted"
    response = client.post(
        "/api/v1/checkins",
        json={"scenario": "bus_ride", "evidence": {"type": "qr"}, "extra": 1},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) >= {"extra", "evidence"}


def test_idempotency_key_replays_the_first_checkin(client, op_token, resident):
    token, _user, _openid = resident
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    body = {"scenario": "bus_ride", "evidence": {"type": "qr", "token": payload}}
    headers = {**bearer(token), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/checkins", json=body, headers=headers)
    second = client.post("/api/v1/checkins", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json() == second.get_json()
    assert account(client, token)["points_balance"] == 10


def test_live_campaign_adds_its_bonus_on_approval(app, client, op_token, resident):
    from datetime import timedelta

    from app.campaigns import service as campaigns
    from app.db import utcnow
    from app.extensions import db
    from app.ledger import service as ledger

    token, _user, _openid = resident
    with app.app_context():
        now = utcnow()
        campaign = campaigns.create_campaign(
            name="绿色出行周", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
            scenarios=["bus_ride"], budget_points=100, multiplier=2.0,
        )  # fmt: skip
        db.session.commit()
        campaign_id = campaign.id
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    body = qr_checkin(client, token, payload).get_json()
    assert body["points"] == 20
    assert account(client, token)["points_balance"] == 20
    with app.app_context():
        bonus = ledger.find_transaction_by_reference(f"campaign:{campaign_id}:{body['id']}")
        assert bonus is not None and bonus.code == "campaign_bonus"
        assert ledger.find_transaction_by_reference(f"checkin:{body['id']}").code == (
            "checkin_reward"
        )
