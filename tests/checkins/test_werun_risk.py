"""WeRun anti-cheat: each rule on the resident's daily series, holding instead of paying,
approval paying once, rejection paying nothing, and a normal walker never held."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from tests.checkins.support import account, werun_steps
from tests.helpers import bearer


def natural(low: int, high: int, seed: int, count: int = 29) -> list[int]:
    """Plausible daily totals: no two alike, none a multiple of 1,000 (a given seed always
    gives the same list, so a test never passes or fails by chance)."""
    rng, values = random.Random(seed), []
    while len(values) < count:
        value = rng.randint(low, high)
        if value % 1000 and value not in values:
            values.append(value)
    return values


def history(values: list[int]) -> dict[int, int]:
    """Days 2, 3, ... ago (the baseline) -> steps."""
    return {n + 2: v for n, v in enumerate(values)}


def sync(client, sandbox, resident, by_days_ago: dict[int, int]) -> list[dict]:
    token, _user, openid = resident
    payload = sandbox.werun_data(openid, werun_steps(by_days_ago))
    body = {"encrypted_data": payload["encrypted_data"], "iv": payload["iv"]}
    response = client.post("/api/v1/werun/sync", json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["days"]  # yesterday, today


def queue(client, op_token, status="pending") -> list[dict]:
    url = f"/api/v1/admin/checkins?status={status}"
    return client.get(url, headers=bearer(op_token)).get_json()["items"]


def decide(client, op_token, record_id: int, decision: str):
    body = {"note": "刷步"} if decision == "reject" else None
    path = f"/api/v1/admin/checkins/{record_id}/{decision}"
    return client.post(path, json=body, headers=bearer(op_token))


def werun_references(app, user_id: int) -> list[str]:
    from app.ledger.models import LedgerTransaction

    with app.app_context():
        stmt = select(LedgerTransaction.reference).where(
            LedgerTransaction.reference.like(f"werun:{user_id}:%")
        )
        refs = sorted(db.session.scalars(stmt))
        db.session.remove()
    return refs


def walking_campaign(client, op_token, ends_in: timedelta, name="步行月") -> None:
    now = utcnow()
    body = {
        "name": name,
        "starts_at": (now - timedelta(days=10)).isoformat(),
        "ends_at": (now + ends_in).isoformat(),
        "scenarios": ["walk_steps"],
        "bonus_points": 5,
        "budget_points": 1000,
    }
    response = client.post("/api/v1/admin/campaigns", json=body, headers=bearer(op_token))
    assert response.status_code == 201, response.get_json()


def test_a_normal_walker_is_paid_and_never_held(client, sandbox, op_token, resident):
    token = resident[0]
    baseline = history(natural(5000, 11000, seed=1))
    days = sync(client, sandbox, resident, {**baseline, 1: 8243, 0: 4137})
    assert [(d["status"], d["points"]) for d in days] == [("approved", 16), ("approved", 8)]
    evening = sync(client, sandbox, resident, {**baseline, 1: 8243, 0: 12876})  # a good day
    assert (evening[1]["status"], evening[1]["points_added"]) == ("approved", 17)
    assert account(client, token)["points_balance"] == 16 + 25
    assert queue(client, op_token) == []
    assert [item["risk_score"] for item in queue(client, op_token, "approved")] == [0, 0]
    # The payload's month is kept, day totals only, as the baseline: no record for it.
    exported = client.get("/api/v1/me/export", headers=bearer(token)).get_json()["werun_days"]
    assert len(exported) == 31 and sum(d["credited_steps"] for d in exported) == 8243 + 12876
    assert account(client, token)["checkins_count"] == 2


def test_a_jump_over_the_own_baseline_is_held_then_paid_once_on_approval(
    app, client, sandbox, op_token, resident, login_resident
):
    token, user, _openid = resident
    baseline = history(natural(3000, 5000, seed=2))
    days = sync(client, sandbox, resident, {**baseline, 1: 4321, 0: 15321})
    assert [(d["status"], d["points_added"]) for d in days] == [("approved", 8), ("pending", 0)]
    [held] = queue(client, op_token)
    assert (held["risk_score"], held["risk_reasons"]) == (50, ["werun_jump"])
    [why] = held["explanations"]
    assert (why["reason"], why["weight"]) == ("werun_jump", 50)
    assert "当天 15,321 步" in why["text"] and "中位数" in why["text"] and "倍" in why["text"]

    later = sync(client, sandbox, resident, {**baseline, 1: 4321, 0: 18250})
    assert (later[1]["status"], later[1]["points_added"], later[1]["points"]) == ("pending", 0, 0)
    [held] = queue(client, op_token)
    assert held["record"]["quantity"] == 18250 and held["expected_points"] == 36
    assert account(client, token)["points_balance"] == 8  # nothing of the day paid yet

    approved = decide(client, op_token, held["record"]["id"], "approve")
    assert approved.status_code == 200 and approved.get_json()["record"]["points"] == 36
    assert decide(client, op_token, held["record"]["id"], "approve").status_code == 409
    again = sync(client, sandbox, resident, {**baseline, 1: 4321, 0: 18250})
    assert (again[1]["status"], again[1]["points"], again[1]["points_added"]) == ("approved", 36, 0)
    assert account(client, token)["points_balance"] == 8 + 36
    # A new reason the same day (another account with this very series) is asked again.
    twin = login_resident()
    sync(client, sandbox, twin, {**baseline, 1: 4321, 0: 5123})
    more = sync(client, sandbox, resident, {**baseline, 1: 4321, 0: 19100})
    assert (more[1]["status"], more[1]["points_added"], more[1]["points"]) == ("pending", 0, 36)
    [growth] = [i for i in queue(client, op_token) if i["user_id"] == user["id"]]
    assert growth["record"]["quantity"] == 19100 - 18250
    assert set(growth["risk_reasons"]) == {"werun_jump", "werun_shared_series"}
    uid, yesterday, today = user["id"], days[0]["date"], days[1]["date"]
    assert werun_references(app, uid) == sorted(
        [f"werun:{uid}:{yesterday}:1", f"werun:{uid}:{today}:record:{held['record']['id']}"]
    )


def test_a_jump_after_a_paid_morning_holds_only_the_growth(client, sandbox, op_token, resident):
    token = resident[0]
    baseline = history(natural(3000, 5000, seed=3))
    morning = sync(client, sandbox, resident, {**baseline, 1: 3987, 0: 2100})
    assert (morning[1]["status"], morning[1]["points_added"]) == ("approved", 4)
    evening = sync(client, sandbox, resident, {**baseline, 1: 3987, 0: 16543})
    assert (evening[1]["status"], evening[1]["points"], evening[1]["points_added"]) == (
        "pending", 4, 0,
    )  # fmt: skip
    [held] = queue(client, op_token)
    assert held["record"]["quantity"] == 16543 - 2100 and held["risk_reasons"] == ["werun_jump"]
    assert account(client, token)["points_balance"] == 7 + 4
    assert decide(client, op_token, held["record"]["id"], "approve").status_code == 200
    assert account(client, token)["points_balance"] == 7 + 4 + 28  # 14,443 steps
    # The operator approved the day's jump: more of the same that day is not asked again.
    more = sync(client, sandbox, resident, {**baseline, 1: 3987, 0: 17800})
    assert (more[1]["status"], more[1]["points_added"], more[1]["points"]) == ("approved", 3, 35)
    assert queue(client, op_token) == []
    assert account(client, token)["points_balance"] == 7 + 4 + 28 + 3


def test_no_jump_without_a_baseline(client, sandbox, resident):
    days = sync(client, sandbox, resident, {4: 3012, 3: 2871, 2: 3120, 1: 2954, 0: 15321})
    assert [(d["status"], d["points_added"]) for d in days] == [("approved", 5), ("approved", 30)]


def test_a_total_repeated_from_other_days_is_held(client, sandbox, op_token, resident):
    values = natural(5000, 11000, seed=4)
    values[1], values[7] = 7777, 7777  # 3 and 9 days ago
    days = sync(client, sandbox, resident, {**history(values), 1: 8023, 0: 7777})
    assert [d["status"] for d in days] == ["approved", "pending"]
    [held] = queue(client, op_token)
    assert (held["risk_score"], held["risk_reasons"]) == (50, ["werun_repeated"])
    today = date.fromisoformat(days[1]["date"])
    nine, three = (today - timedelta(days=n) for n in (9, 3))
    assert held["explanations"][0]["text"] == (
        f"当天 7,777 步，与 {nine}、{three} 共 2 天的步数完全相同，真实步行很少如此"
    )


def test_a_round_total_weighs_but_alone_is_paid(client, sandbox, op_token, resident):
    days = sync(client, sandbox, resident, {**history(natural(5000, 11000, seed=5)), 0: 8000})
    assert [(d["status"], d["points_added"]) for d in days] == [("approved", 16)]
    item = next(i for i in queue(client, op_token, "approved") if i["record"]["quantity"] == 8000)
    assert (item["risk_score"], item["risk_reasons"]) == (30, ["werun_round"])
    assert item["explanations"][0]["text"] == "当天步数恰为整千的 8,000 步，常见于修改步数的工具"


def test_a_round_total_typed_in_day_after_day_is_held(client, sandbox, op_token, resident):
    values = natural(5000, 11000, seed=6)
    values[0], values[4] = 9000, 9000
    days = sync(client, sandbox, resident, {**history(values), 1: 8765, 0: 9000})
    assert [d["status"] for d in days] == ["approved", "pending"]
    [held] = queue(client, op_token)
    assert held["risk_score"] == 80
    assert set(held["risk_reasons"]) == {"werun_repeated", "werun_round"}


def test_one_series_synced_by_two_accounts_is_held(client, sandbox, op_token, login_resident,
                                                   seeded):  # fmt: skip
    first, second = login_resident(), login_resident()
    phone = {**history(natural(4000, 12000, seed=7)), 1: 9321, 0: 5012}
    assert [d["status"] for d in sync(client, sandbox, first, phone)] == ["approved", "approved"]
    days = sync(client, sandbox, second, phone)
    assert [d["status"] for d in days] == ["pending", "pending"]
    held = queue(client, op_token)
    assert [(i["user_id"], i["risk_reasons"]) for i in held] == [
        (second[1]["id"], ["werun_shared_series"])
    ] * 2
    text = held[0]["explanations"][0]["text"]
    assert f"与居民 #{first[1]['id']} 完全相同" in text and held[0]["risk_score"] == 60
    # The first account's next growth is now found matching the second one.
    later = sync(client, sandbox, first, {**phone, 0: 8012})
    assert (later[1]["status"], later[1]["points_added"]) == ("pending", 0)
    assert account(client, first[0])["points_balance"] == 18 + 10


def test_a_spike_in_a_campaigns_last_days(client, sandbox, op_token, login_resident, seeded):
    walking_campaign(client, op_token, timedelta(days=10), name="远未结束")
    far, near, typed = login_resident(), login_resident(), login_resident()
    # About 5,000 a day each (three different series: one shared would be another rule).
    baseline = {r: history(natural(4000, 6000, seed=8 + n)) for n, r in enumerate("fnt")}
    far_days = sync(client, sandbox, far, {**baseline["f"], 0: 11234})  # 2.2 times: no jump
    assert far_days[0]["status"] == "approved"
    assert queue(client, op_token, "approved")[0]["risk_reasons"] == []

    walking_campaign(client, op_token, timedelta(days=2), name="步行月")
    near_days = sync(client, sandbox, near, {**baseline["n"], 0: 11234})
    assert near_days[0]["status"] == "approved"  # a spike alone is not enough to hold
    item = queue(client, op_token, "approved")[0]
    assert (item["user_id"], item["risk_reasons"]) == (near[1]["id"], ["werun_campaign_spike"])
    assert "活动「步行月」将于" in item["explanations"][0]["text"]

    typed_days = sync(client, sandbox, typed, {**baseline["t"], 0: 11000})  # and a round one
    assert typed_days[0]["status"] == "pending"
    [held] = queue(client, op_token)
    assert set(held["risk_reasons"]) == {"werun_campaign_spike", "werun_round"}
    assert held["risk_score"] == 60


def test_a_rejected_day_pays_nothing_and_credits_nothing_more(client, sandbox, op_token,
                                                              resident):  # fmt: skip
    token = resident[0]
    baseline = history(natural(3000, 5000, seed=12))
    sync(client, sandbox, resident, {**baseline, 1: 4111, 0: 16321})
    [held] = queue(client, op_token)
    assert decide(client, op_token, held["record"]["id"], "reject").status_code == 200
    assert account(client, token)["points_balance"] == 8
    later = sync(client, sandbox, resident, {**baseline, 1: 4111, 0: 19876})
    assert (later[1]["status"], later[1]["points"], later[1]["points_added"]) == ("rejected", 0, 0)
    assert later[1]["carbon_g"] == 0 and later[1]["credited_steps"] == 16321
    assert queue(client, op_token) == [] and account(client, token)["points_balance"] == 8
