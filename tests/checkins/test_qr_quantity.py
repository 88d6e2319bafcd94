"""A QR scan proves presence, not quantity (issue 12, item 1).

Count scenarios take exactly one unit per scan; weighed ones take their quantity from the
site (the operator's fixed quantity or a weighing station's signed receipt) or wait for
review when the resident typed it alone and it is worth more than a small amount.
"""

from __future__ import annotations

import time

from app.checkins.receipts import sign_receipt
from tests.checkins.support import account, create_site, qr_checkin, site_payload
from tests.helpers import bearer


def _station_key(client, op_token: str, site_id: int) -> bytes:
    response = client.post(f"/api/v1/admin/sites/{site_id}/station-key", headers=bearer(op_token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["receipt_format"].startswith("TPW1.")
    return bytes.fromhex(body["secret"])


def test_a_bus_stop_scan_counts_one_ride_whatever_is_typed(client, op_token, resident):
    token, _user, _openid = resident
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])

    four = qr_checkin(client, token, payload, quantity=4)
    assert four.status_code == 422 and four.get_json()["reason"] == "invalid_quantity"
    assert account(client, token)["points_balance"] == 0
    one = qr_checkin(client, token, payload, quantity=1)
    assert one.status_code == 201
    assert (one.get_json()["status"], one.get_json()["points"]) == ("approved", 10)


def test_a_typed_weight_from_a_new_account_waits_for_review(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, scenario="old_clothes", per_user_daily_limit=5)
    assert site["quantity_source"] == "scan"
    payload = site_payload(client, op_token, site["id"])

    claimed = qr_checkin(client, token, payload, scenario="old_clothes", quantity=19.999)

    assert claimed.status_code == 201, claimed.get_json()
    assert (claimed.get_json()["status"], claimed.get_json()["points"]) == ("pending", 0)
    assert account(client, token)["points_balance"] == 0
    queue = client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"]
    assert queue[0]["record"]["id"] == claimed.get_json()["id"]
    assert "declared_quantity" in queue[0]["risk_reasons"]
    assert queue[0]["expected_points"] == 599


def test_a_small_typed_weight_is_paid_at_once(client, op_token, resident):
    token, _user, _openid = resident
    payload = site_payload(
        client, op_token, create_site(client, op_token, scenario="old_clothes")["id"]
    )
    # 0.1 kg = 3 points, within DECLARED_AUTO_APPROVE_POINTS (5).
    small = qr_checkin(client, token, payload, scenario="old_clothes", quantity=0.1)
    assert (small.get_json()["status"], small.get_json()["points"]) == ("approved", 3)


def test_a_fixed_quantity_site_credits_its_own_quantity(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(
        client, op_token, scenario="old_clothes", quantity_source="fixed", quantity_per_scan=2,
        per_user_daily_limit=3,
    )  # fmt: skip
    assert (site["quantity_source"], site["quantity_per_scan"]) == ("fixed", 2)
    payload = site_payload(client, op_token, site["id"])

    typed = qr_checkin(client, token, payload, scenario="old_clothes", quantity=19.999)
    assert typed.status_code == 422 and typed.get_json()["reason"] == "invalid_quantity"
    scanned = qr_checkin(client, token, payload, scenario="old_clothes")
    assert scanned.status_code == 201
    body = scanned.get_json()
    assert (body["status"], body["quantity"], body["carbon_g"], body["points"]) == (
        "approved", 2, 2560.0, 60,
    )  # fmt: skip
    same = qr_checkin(client, token, payload, scenario="old_clothes", quantity=2)
    assert same.get_json()["status"] == "approved"


def test_a_weighing_station_receipt_pays_its_weight_once(client, op_token, login_resident):
    alice, _, _ = login_resident()
    bob, _, _ = login_resident()
    site = create_site(client, op_token, scenario="old_clothes", quantity_source="station")
    key = _station_key(client, op_token, site["id"])
    receipt = sign_receipt(key, site["id"], site["key_version"], "R-000123", 3_500)

    plain = qr_checkin(client, alice, site_payload(client, op_token, site["id"]),
                       scenario="old_clothes", quantity=3.5)  # fmt: skip
    assert plain.status_code == 400 and plain.get_json()["reason"] == "invalid_qr"
    typed = qr_checkin(client, alice, receipt, scenario="old_clothes", quantity=10)
    assert typed.status_code == 422 and typed.get_json()["reason"] == "invalid_quantity"

    paid = qr_checkin(client, alice, receipt, scenario="old_clothes")
    assert paid.status_code == 201, paid.get_json()
    assert (paid.get_json()["status"], paid.get_json()["quantity"], paid.get_json()["points"]) == (
        "approved", 3.5, 105,
    )  # fmt: skip
    shared = qr_checkin(client, bob, receipt, scenario="old_clothes")
    assert shared.status_code == 409 and shared.get_json()["reason"] == "receipt_already_used"
    assert account(client, bob)["points_balance"] == 0


def test_forged_stale_and_retired_receipts_are_invalid(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, scenario="old_clothes", quantity_source="station")
    key = _station_key(client, op_token, site["id"])
    version = site["key_version"]

    good = sign_receipt(key, site["id"], version, "R-1", 1_000)
    altered = good.replace(".1000.", ".9000.")
    wrong_key = sign_receipt(b"x" * 32, site["id"], version, "R-2", 1_000)
    stale = sign_receipt(key, site["id"], version, "R-3", 1_000, int(time.time()) - 2 * 86400)
    future = sign_receipt(key, site["id"], version, "R-4", 1_000, int(time.time()) + 3600)
    for bad in (altered, wrong_key, stale, future):
        response = qr_checkin(client, token, bad, scenario="old_clothes")
        assert response.status_code == 400 and response.get_json()["reason"] == "invalid_qr", bad

    client.post(f"/api/v1/admin/sites/{site['id']}/rotate-key", headers=bearer(op_token))
    retired = qr_checkin(client, token, good, scenario="old_clothes")
    assert retired.status_code == 400 and retired.get_json()["reason"] == "invalid_qr"
    assert account(client, token)["points_balance"] == 0


def test_site_quantity_configuration_must_fit_the_scenario(client, op_token):
    def create(**body):
        return client.post("/api/v1/admin/sites", json={"name": "x", **body},
                           headers=bearer(op_token))  # fmt: skip

    for body in (
        {"scenario": "bus_ride", "quantity_source": "fixed", "quantity_per_scan": 2},
        {"scenario": "bus_ride", "quantity_source": "station"},
        {"scenario": "old_clothes", "quantity_source": "fixed"},
        {"scenario": "old_clothes", "quantity_source": "fixed", "quantity_per_scan": 25},
        {"scenario": "old_clothes", "quantity_per_scan": 2},
    ):
        response = create(**body)
        assert response.status_code == 422, body
        assert response.get_json()["reason"] == "invalid_quantity_source", body
    assert create(scenario="old_clothes", quantity_source="nope").status_code == 422
    plain = create(scenario="old_clothes").get_json()
    response = client.post(f"/api/v1/admin/sites/{plain['id']}/station-key",
                           headers=bearer(op_token))  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["reason"] == "invalid_quantity_source"

    changed = client.patch(f"/api/v1/admin/sites/{plain['id']}",
                           json={"quantity_source": "fixed", "quantity_per_scan": 1.5},
                           headers=bearer(op_token))  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["quantity_source"], changed.get_json()["quantity_per_scan"]) == (
        "fixed", 1.5,
    )  # fmt: skip


def test_a_weighed_scan_without_a_site_measure_asks_for_the_quantity(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, scenario="old_clothes")
    payload = site_payload(client, op_token, site["id"])
    response = qr_checkin(client, token, payload, scenario="old_clothes")
    assert response.status_code == 422 and response.get_json()["reason"] == "quantity_required"
    # Nothing was taken: the same code with a quantity goes through.
    again = qr_checkin(client, token, payload, scenario="old_clothes", quantity=0.1)
    assert again.status_code == 201 and again.get_json()["status"] == "approved"
