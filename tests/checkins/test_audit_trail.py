"""Operator actions on check-ins, sites, partners and campaigns land in the audit log."""

from __future__ import annotations

from tests.checkins.support import create_site, photo, upload
from tests.helpers import bearer


def _audit(client, token: str, action: str) -> list[dict]:
    response = client.get(
        "/api/v1/admin/audit-log", query_string={"action": action}, headers=bearer(token)
    )
    assert response.status_code == 200
    return response.get_json()["items"]


def test_review_decisions_are_audited_with_who_and_what(client, op_token, resident, make_operator):
    token, _, _ = resident
    upload_id = upload(client, token, photo(7)).get_json()["upload_id"]
    record = client.post(
        "/api/v1/checkins",
        json={"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": upload_id}},
        headers=bearer(token),
    ).get_json()
    approved = client.post(
        f"/api/v1/admin/checkins/{record['id']}/approve", headers=bearer(op_token)
    )
    assert approved.status_code == 200

    [entry] = _audit(client, op_token, "checkins.approve")
    assert entry["target"] == f"checkin:{record['id']}"
    assert entry["after"]["record"]["status"] == "approved"
    again = client.post(f"/api/v1/admin/checkins/{record['id']}/approve", headers=bearer(op_token))
    assert again.status_code == 409
    assert len(_audit(client, op_token, "checkins.approve")) == 1  # a refusal is not an action


def test_site_and_partner_changes_are_audited_without_secrets(client, op_token):
    site = create_site(client, op_token)
    partner = client.post(
        "/api/v1/admin/partners",
        json={"code": "bus-co", "name": "公交集团", "scenarios": ["bus_ride"]},
        headers=bearer(op_token),
    )
    assert partner.status_code == 201

    [site_entry] = _audit(client, op_token, "sites.create")
    assert site_entry["target"] == f"site:{site['id']}"
    [partner_entry] = _audit(client, op_token, "partners.create")
    assert partner_entry["target"] == "partner:bus-co"
    assert partner_entry["after"]["secret"] == "***"
    assert partner.get_json()["secret"] not in str(partner_entry)


def test_campaign_changes_are_audited(client, op_token):
    created = client.post(
        "/api/v1/admin/campaigns",
        json={
            "name": "周末双倍",
            "starts_at": "2026-01-01T00:00:00+08:00",
            "ends_at": "2026-01-03T00:00:00+08:00",
            "scenarios": ["bus_ride"],
            "multiplier": 2,
            "budget_points": 100,
        },
        headers=bearer(op_token),
    ).get_json()
    client.post(f"/api/v1/admin/campaigns/{created['id']}/pause", headers=bearer(op_token))

    assert _audit(client, op_token, "campaigns.create")[0]["target"] == f"campaign:{created['id']}"
    assert _audit(client, op_token, "campaigns.pause")[0]["after"]["status"] == "paused"
