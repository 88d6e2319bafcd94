"""Monthly settlement of verified coupons, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update

from app.extensions import db
from app.mall.models import Coupon
from tests.helpers import bearer
from tests.mall.factories import add_clerk, live_offer, new_user, open_shop, redeem

SETTLEMENT = "/api/v1/merchant/settlement"


def _verified(app, client, shop, clerk, offer_id, token) -> dict:
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    response = client.post(
        "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=bearer(clerk)
    )
    assert response.status_code == 200
    return coupon


def test_settlement_json_and_csv(app, client):
    shop = open_shop(app, client)
    clerk_id, clerk = add_clerk(app, client, shop)
    coffee = live_offer(
        client, shop, title="=咖啡", stock=5, per_user_limit=5, settlement_value_fen=1250
    )
    bread = live_offer(
        client, shop, title="面包", stock=5, per_user_limit=5, settlement_value_fen=800
    )
    _, token = new_user(app, points=1000)
    for offer_id in (coffee, coffee, bread):
        _verified(app, client, shop, clerk, offer_id, token)
    redeem(client, bread, token)  # issued but not verified: not settled
    # A coupon verified last month is in last month's statement.
    old = _verified(app, client, shop, clerk, bread, token)
    with app.app_context():
        db.session.execute(
            update(Coupon)
            .where(Coupon.id == old["id"])
            .values(used_at=datetime(2026, 1, 31, 15, 59, tzinfo=UTC))
        )
        db.session.commit()
        db.session.remove()
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")

    body = client.get(f"{SETTLEMENT}?month={month}", headers=shop.owner).get_json()

    assert body["merchant"]["id"] == shop.merchant_id and body["month"] == month
    assert body["coupons"] == 3
    assert body["settlement_fen"] == 1250 * 2 + 800
    assert [(t["offer_id"], t["coupons"], t["settlement_fen"]) for t in body["by_offer"]] == [
        (coffee, 2, 2500),
        (bread, 1, 800),
    ]
    assert len(body["items"]) == 3
    # The clerk by name (issue 17): the owner's staff list knows the same name.
    staff = client.get("/api/v1/merchant/staff", headers=shop.owner).get_json()["items"]
    clerk_name = next(s["nickname"] for s in staff if s["user_id"] == clerk_id)
    assert clerk_name and {i["verified_by_name"] for i in body["items"]} == {clerk_name}

    response = client.get(
        f"{SETTLEMENT}?month={month}", headers={**shop.owner, "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert sum(int(r["settlement_value_fen"]) for r in rows) == 3300
    assert rows[0]["settlement_value_yuan"] == "12.50"
    assert rows[0]["offer_title"] == "'=咖啡"  # never a spreadsheet formula
    assert rows[0]["verified_by_name"] == clerk_name
    assert rows[0]["used_at"].endswith("+08:00")

    # 2026-01-31 15:59 UTC is 23:59 in Beijing: January.
    january = client.get(f"{SETTLEMENT}?month=2026-01", headers=shop.owner).get_json()
    assert [i["coupon_id"] for i in january["items"]] == [old["id"]]
    assert client.get(f"{SETTLEMENT}?month=2026-02", headers=shop.owner).get_json()["coupons"] == 0


def test_settlement_is_for_owners_and_checks_the_month(app, client):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    assert client.get(SETTLEMENT, headers=bearer(clerk)).status_code == 403
    assert client.get(SETTLEMENT, headers=shop.owner).status_code == 200
    bad = client.get(f"{SETTLEMENT}?month=2026-13", headers=shop.owner)
    assert bad.status_code == 422 and "month" in bad.get_json()["errors"]
