"""GET /api/v1/admin/stats: totals and daily series after real check-ins, redemptions,
verification, a campaign and an expiry, all made through the API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.db import utcnow
from tests.checkins.support import create_site, photo, qr_checkin, seed, site_payload, upload
from tests.helpers import bearer
from tests.mall.factories import balance_of, live_offer, new_user, open_shop, redeem


@pytest.fixture
def op(app, make_operator):
    seed(app)
    return make_operator()[0]


def _stats(client, op, **query):
    response = client.get("/api/v1/admin/stats", query_string=query, headers=bearer(op))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_empty_scheme_gives_zeros_and_aligned_series(client, op):
    stats = _stats(client, op, days=7)
    for key in ("users", "checkins", "points_issued", "points_redeemed", "points_expired",
                "points_outstanding"):  # fmt: skip
        assert stats[key] == 0, key
    assert stats["carbon_g"] == 0
    assert len(stats["dates"]) == 7 and stats["range"]["days"] == 7
    assert stats["dates"][-1] == stats["range"]["to"]
    assert all(len(series) == 7 for series in stats["residents"].values())
    assert all(len(series) == 7 for series in stats["points"].values())
    assert stats["campaigns"] == [] and stats["coupons_by_merchant"] == []


def test_stats_follow_checkins_redemptions_and_verification(app, client, op, login_resident):
    token, user, _ = login_resident()
    site = create_site(client, op, "bus_ride")
    payload = site_payload(client, op, site["id"])
    assert qr_checkin(client, token, payload).status_code == 201  # approved at once: 10 points
    uploaded = upload(client, token, photo(1)).get_json()["upload_id"]
    pending = client.post(
        "/api/v1/checkins",
        json={"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": uploaded}},
        headers=bearer(token),
    ).get_json()
    assert pending["status"] == "pending"

    stats = _stats(client, op)
    assert stats["users"] == 1
    assert stats["checkins"] == 1 and stats["checkins_pending"] == 1
    assert stats["carbon_g"] == 80
    assert stats["points_issued"] == 10 and stats["points_outstanding"] == 10

    approved = client.post(f"/api/v1/admin/checkins/{pending['id']}/approve", headers=bearer(op))
    assert approved.status_code == 200, approved.get_json()
    shop = open_shop(app, client, operator_token=op)
    offer_id = live_offer(client, shop, points_price=6)
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    verified = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=shop.owner
    )
    assert verified.status_code == 200, verified.get_json()

    stats = _stats(client, op, days=7)
    assert stats["checkins"] == 2 and stats["checkins_pending"] == 0
    assert stats["carbon_g"] == 80 + 144
    assert stats["points_issued"] == 15
    assert stats["points_redeemed"] == 6
    assert stats["points_outstanding"] == 9 == balance_of(app, user["id"])
    # today's column of every series shows what just happened; the shop owner has a
    # resident login but is merchant staff, not a resident the scheme serves (issue 17)
    assert stats["users"] == 1
    assert stats["residents"]["new"][-1] == 1 and stats["residents"]["total"][-1] == 1
    assert stats["residents"]["active"][-1] == 1
    assert stats["points"]["issued"][-1] == 15 and stats["points"]["redeemed"][-1] == 6
    assert stats["points"]["outstanding"][-1] == 9
    by_code = {s["code"]: s for s in stats["scenarios"]}
    assert by_code["bus_ride"]["checkins"][-1] == 1 and by_code["bus_ride"]["carbon_g"][-1] == 80
    assert by_code["clean_plate"]["checkins_total"] == 1
    assert stats["coupons_by_merchant"] == [
        {"merchant_id": shop.merchant_id, "name": "绿色咖啡馆", "redeemed": 1, "points": 6,
         "verified": 1, "settlement_fen": 0}
    ]  # fmt: skip


def test_campaign_burn_and_csv_tables(app, client, op, login_resident):
    now = utcnow()
    created = client.post(
        "/api/v1/admin/campaigns",
        json={"name": "公交双倍周", "starts_at": (now - timedelta(hours=1)).isoformat(),
              "ends_at": (now + timedelta(days=7)).isoformat(), "scenarios": ["bus_ride"],
              "multiplier": 2, "budget_points": 1000},
        headers=bearer(op),
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    stats = _stats(client, op, days=3)
    [campaign] = stats["campaigns"]
    assert campaign["name"] == "公交双倍周" and campaign["budget_points"] == 1000
    assert campaign["burn"] == [campaign["budget_used"]] * 3

    response = client.get(
        "/api/v1/admin/stats/tables/daily?days=3", headers={**bearer(op), "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[-1]["date"] == stats["range"]["to"]
    assert set(rows[0]) >= {"new_residents", "daily_actives", "points_outstanding"}

    table = client.get("/api/v1/admin/stats/tables/campaigns", headers=bearer(op)).get_json()
    assert table["items"][0]["name"] == "公交双倍周"
    bad = client.get("/api/v1/admin/stats/tables/nope", headers=bearer(op))
    assert bad.status_code == 400 and bad.get_json()["reason"] == "unknown_stats_table"


def test_stats_are_for_operators_only(app, client, op):
    _, resident_token = new_user(app)
    assert client.get("/api/v1/admin/stats").status_code == 401
    response = client.get("/api/v1/admin/stats", headers=bearer(resident_token))
    assert response.status_code == 403
    response = client.get("/api/v1/admin/stats?days=0", headers=bearer(op))
    assert response.status_code == 422
