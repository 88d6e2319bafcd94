"""/metrics: protected by a token; latency per route and the business counters move with
what happened (check-ins, refusals, ledger postings, redemptions, the gate, jobs), and
the job queue's depth is read at scrape time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.jobs import enqueue_job
from tests.checkins.support import create_site, qr_checkin, seed, site_payload
from tests.helpers import bearer
from tests.mall.factories import live_offer, new_user, open_shop
from tests.ops.metrics_support import TOKEN, value


@pytest.fixture
def scrape(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def _scrape() -> str:
        response = client.get("/metrics", headers=bearer(TOKEN))
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        return response.get_data(as_text=True)

    return _scrape


def test_metrics_need_the_token_and_are_off_without_one(app, client, monkeypatch):
    assert client.get("/metrics", headers=bearer("anything")).status_code == 404
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    refused = client.get("/metrics", headers=bearer("not-the-token"))

    assert refused.status_code == 401
    assert refused.get_json()["reason"] == "metrics_token_required"
    assert client.get("/metrics").status_code == 401


def test_a_checkin_moves_its_counters(app, client, login_resident, make_operator, scrape):
    seed(app)
    op, _ = make_operator()
    token, _user, _ = login_resident()
    site = create_site(client, op, per_user_daily_limit=1)
    payload = site_payload(client, op, site["id"])
    approved = dict(scenario="bus_ride", evidence="qr", outcome="approved")
    refused = dict(scenario="bus_ride", evidence="qr", outcome="site_limit_reached")
    route = dict(method="POST", route="/api/v1/checkins")
    before = scrape()

    assert qr_checkin(client, token, payload).status_code == 201
    assert qr_checkin(client, token, payload).status_code == 409
    after = scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("tanpuhui_checkins_total", **approved) == 1
    assert moved("tanpuhui_checkins_total", **refused) == 1
    assert moved("tanpuhui_error_responses_total", status="409",
                 reason="site_limit_reached") == 1  # fmt: skip
    assert moved("tanpuhui_ledger_postings_total", code="checkin_reward") == 1
    assert moved("tanpuhui_http_requests_total", status="201", **route) == 1
    assert moved("tanpuhui_http_requests_total", status="409", **route) == 1
    assert moved("tanpuhui_http_request_duration_seconds_count", **route) == 2
    assert moved("tanpuhui_http_request_duration_seconds_sum", **route) > 0


def test_a_flash_sale_moves_the_gate_and_redemption_counters(app, client, scrape):
    shop = open_shop(app, client)
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    offer_id = live_offer(client, shop, stock=1, points_price=10, sale_starts_at=start)
    buyers = [new_user(app, points=10) for _ in range(2)]
    before = scrape()

    answers = [
        client.post(f"/api/v1/offers/{offer_id}/redeem", json={}, headers=bearer(token))
        for _user_id, token in buyers
    ]

    after = scrape()
    assert [r.status_code for r in answers] == [201, 409]
    for name, labels, moved in [
        ("tanpuhui_redemptions_total", {"outcome": "redeemed"}, 1),
        ("tanpuhui_redemptions_total", {"outcome": "out_of_stock"}, 1),
        ("tanpuhui_flash_sale_gate_answers_total", {"answer": "admitted"}, 1),
        # the second buyer read stock_left 0 first: refused before the gate was asked
        ("tanpuhui_flash_sale_gate_answers_total", {}, 1),
        ("tanpuhui_ledger_postings_total", {"code": "redemption"}, 1),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == moved, name


def test_the_job_queue_depth_is_read_at_scrape_time(app, scrape):
    assert value(scrape(), "tanpuhui_job_queue_jobs", state="queued") == 0
    with app.app_context():
        enqueue_job("export", {"table": "checkins"}, owner_id=1)

    text = scrape()

    assert value(text, "tanpuhui_job_queue_jobs", queue="tanpuhui", state="queued") == 1
    assert value(text, "tanpuhui_job_queue_up") == 1
