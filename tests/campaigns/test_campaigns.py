"""Campaigns: creation rules, bonuses in the ledger, budget and limits under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from app.campaigns import service
from app.campaigns.models import Campaign
from app.db import utcnow
from app.extensions import db
from app.ledger import service as ledger
from tests.helpers import bearer


@pytest.fixture
def seeded(app):
    from app.carbon.seed import seed_scenarios

    with app.app_context():
        seed_scenarios()
        db.session.commit()


def _window():
    now = utcnow()
    return {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}


def _create(app, **overrides) -> int:
    with app.app_context():
        fields = {
            "name": "绿色出行周",
            "scenarios": ["bus_ride"],
            "budget_points": 1000,
            **_window(),
            **overrides,
        }
        campaign = service.create_campaign(**fields)
        db.session.commit()
        return campaign.id


def _apply(app, user_id: int, base: int, ref: str, scenario: str = "bus_ride") -> int:
    with app.app_context():
        awards = service.apply_campaigns(user_id, scenario, base, ref, utcnow())
        db.session.commit()
        return sum(a.points for a in awards)


def test_operator_creates_a_campaign_through_the_api(client, make_operator, seeded):
    token, _ = make_operator()
    body = {
        "name": "双倍积分",
        "starts_at": "2026-01-01T00:00:00+08:00",
        "ends_at": "2026-02-01T00:00:00+08:00",
        "scenarios": ["bus_ride", "clean_plate"],
        "multiplier": 2,
        "budget_points": 5000,
    }
    created = client.post("/api/v1/admin/campaigns", json=body, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["scenarios"] == ["bus_ride", "clean_plate"]
    assert created.get_json()["budget_used"] == 0

    bad = {**body, "ends_at": "2025-12-01T00:00:00+08:00"}
    refused = client.post("/api/v1/admin/campaigns", json=bad, headers=bearer(token))
    assert refused.status_code == 400
    assert refused.get_json()["reason"] == "invalid_campaign"
    unknown = client.post(
        "/api/v1/admin/campaigns", json={**body, "scenarios": ["flying"]}, headers=bearer(token)
    )
    assert unknown.get_json()["reason"] == "scenario_not_found"
    naive = client.post(
        "/api/v1/admin/campaigns",
        json={**body, "starts_at": "2026-01-01T00:00:00"},
        headers=bearer(token),
    )
    assert naive.status_code == 422


def test_resident_cannot_create_campaigns(client, login_resident):
    token, _, _ = login_resident()
    response = client.post("/api/v1/admin/campaigns", json={}, headers=bearer(token))
    assert response.status_code == 403


def test_multiplier_bonus_is_a_ledger_transaction_with_a_memo(app, login_resident, seeded):
    _, user, _ = login_resident()
    _create(app, multiplier=1.5)

    assert _apply(app, user["id"], 10, "checkin:1") == 5
    with app.app_context():
        txn = ledger.find_transaction_by_reference(
            f"campaign:{db.session.query(Campaign.id).scalar()}:checkin:1"
        )
        assert txn.memo == "活动「绿色出行周」加成 +5"
        assert ledger.get_points_balance(user["id"]) == 5


def test_same_record_is_awarded_once(app, login_resident, seeded):
    _, user, _ = login_resident()
    _create(app, bonus_points=3)
    assert _apply(app, user["id"], 10, "checkin:7") == 3
    assert _apply(app, user["id"], 10, "checkin:7") == 0


def test_paused_expired_and_other_scenario_campaigns_pay_nothing(app, login_resident, seeded):
    _, user, _ = login_resident()
    paused = _create(app, bonus_points=3)
    with app.app_context():
        service.set_campaign_status(paused, "paused")
        db.session.commit()
    past = utcnow() - timedelta(days=10)
    _create(app, bonus_points=3, starts_at=past, ends_at=past + timedelta(days=1))
    _create(app, bonus_points=3, scenarios=["clean_plate"])
    assert _apply(app, user["id"], 10, "checkin:1") == 0


def test_a_campaign_paused_after_it_was_read_as_live_pays_nothing(app, login_resident, seeded):
    """A check-in reads the live campaigns before its first write (issue 13); a pause
    that commits in between still wins, because the budget claim checks the status."""
    _, user, _ = login_resident()
    campaign_id = _create(app, bonus_points=3)
    with app.app_context():  # the check-in's read
        live = service.live_for("bus_ride", utcnow())
        db.session.expunge_all()  # kept as read
    assert [c.id for c in live] == [campaign_id]
    with app.app_context():  # an operator pauses it meanwhile
        service.set_campaign_status(campaign_id, "paused")
        db.session.commit()
    with app.app_context():  # the check-in's write
        awards = service.apply_campaigns(user["id"], "bus_ride", 10, "checkin:1", utcnow(), live)
        db.session.commit()
        assert awards == []
        assert ledger.get_points_balance(user["id"]) == 0


def test_first_n_and_per_resident_limit(app, login_resident, seeded):
    _, alice, _ = login_resident()
    _, bob, _ = login_resident()
    _create(app, bonus_points=2, first_n=3, per_resident_limit=2)
    paid = [
        _apply(app, alice["id"], 10, "checkin:a1"),
        _apply(app, alice["id"], 10, "checkin:a2"),
        _apply(app, alice["id"], 10, "checkin:a3"),  # alice's limit of 2 reached
        _apply(app, bob["id"], 10, "checkin:b1"),  # third award overall
        _apply(app, bob["id"], 10, "checkin:b2"),  # first_n = 3 reached
    ]
    assert paid == [2, 2, 0, 2, 0]


def test_budget_is_never_exceeded_under_concurrency(app, login_resident, seeded):
    users = [login_resident()[1]["id"] for _ in range(4)]
    campaign_id = _create(app, bonus_points=7, budget_points=50)
    barrier = threading.Barrier(16)

    def approve(n):
        barrier.wait()
        return _apply(app, users[n % 4], 10, f"checkin:{n}")

    with ThreadPoolExecutor(max_workers=16) as pool:  # two waves of 16 at the barrier
        paid = list(pool.map(approve, range(32)))

    assert sum(paid) == 49  # seven awards of 7 fit in 50; an eighth would not
    with app.app_context():
        campaign = service.get_campaign(campaign_id)
        assert (campaign.budget_used, campaign.awards_count) == (49, 7)
        assert sum(ledger.get_points_balance(u) for u in users) == 49
