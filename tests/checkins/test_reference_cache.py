"""Scenarios, methodology versions and sites kept in each process (app/reference_cache.py,
issue 13 step 3): a check-in after the first reads none of them from the database, and
every operator change is seen by the very next check-in, in this process and in another
one (a second app: its own engine and copies, the same database and Redis)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from app import reference_cache
from app.carbon.models import Scenario
from app.carbon.scenarios import get_scenario
from app.extensions import db, redis_client
from tests.checkins.support import create_site, qr_checkin, site_payload
from tests.conftest import make_app
from tests.helpers import bearer

REFERENCE = ("carbon_scenarios", "carbon_methodology_versions", "checkin_sites")


def _reference_reads(app, call) -> list[str]:
    """The reference tables `call`'s statements read from."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.extend(t for t in REFERENCE if f"FROM {t}" in statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.fixture
def payload(client, op_token) -> str:
    return site_payload(client, op_token, create_site(client, op_token)["id"])


@pytest.fixture
def other_process(app_settings):
    """A second app (like another gunicorn worker) on the same database and Redis."""
    other = make_app(app_settings)
    yield other, other.test_client()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _patch_scenario(client, op_token, **changes):
    response = client.patch("/api/v1/admin/scenarios/bus_ride", json=changes,
                            headers=bearer(op_token))  # fmt: skip
    assert response.status_code == 200, response.get_json()


def test_a_checkin_after_the_first_reads_no_reference_row(app, client, op_token, resident, payload):
    token, _user, _openid = resident
    first = _reference_reads(app, lambda: qr_checkin(client, token, payload))
    answers = []
    second = _reference_reads(app, lambda: answers.append(qr_checkin(client, token, payload)))

    assert set(first) == set(REFERENCE)
    assert second == []
    assert answers[0].status_code == 201, answers[0].get_json()
    assert answers[0].get_json()["points"] == 10 and answers[0].get_json()["carbon_g"] == 80.0


def test_a_deactivated_scenario_refuses_the_next_checkin_in_every_process(
    client, op_token, resident, payload, other_process
):
    token, _user, _openid = resident
    _other, other_client = other_process
    assert qr_checkin(other_client, token, payload).status_code == 201  # copies kept there
    _patch_scenario(client, op_token, active=False)

    refused = qr_checkin(other_client, token, payload)

    assert (refused.status_code, refused.get_json()["reason"]) == (409, "scenario_inactive")


def test_a_new_methodology_version_pays_the_next_checkin(client, op_token, resident, payload,
                                                        other_process):  # fmt: skip
    token, _user, _openid = resident
    _other, other_client = other_process
    assert qr_checkin(other_client, token, payload).get_json()["carbon_g"] == 80.0
    published = client.post(
        "/api/v1/admin/scenarios/bus_ride/versions",
        json={"g_co2e_per_unit": 95, "points_rule": "10 per trip", "source": "新的测算"},
        headers=bearer(op_token),
    )
    assert published.status_code == 201, published.get_json()

    paid = qr_checkin(other_client, token, payload).get_json()

    assert (paid["carbon_g"], paid["methodology_version"]) == (95.0, 2)


def test_a_retired_site_code_and_a_closed_site_are_refused_at_once(
    client, op_token, resident, other_process
):
    token, _user, _openid = resident
    _other, other_client = other_process
    site = create_site(client, op_token, per_user_daily_limit=5)
    payload = site_payload(client, op_token, site["id"])
    assert qr_checkin(other_client, token, payload).status_code == 201
    rotated = client.post(f"/api/v1/admin/sites/{site['id']}/rotate-key", headers=bearer(op_token))
    assert rotated.status_code == 200, rotated.get_json()

    old_code = qr_checkin(other_client, token, payload)
    new_code = qr_checkin(other_client, token, site_payload(client, op_token, site["id"]))
    closed = client.patch(f"/api/v1/admin/sites/{site['id']}", json={"active": False},
                          headers=bearer(op_token))  # fmt: skip
    assert closed.status_code == 200, closed.get_json()
    after_closing = qr_checkin(other_client, token, site_payload(client, op_token, site["id"]))

    assert (old_code.status_code, old_code.get_json()["reason"]) == (400, "invalid_qr")
    assert new_code.status_code == 201, new_code.get_json()
    assert (after_closing.status_code, after_closing.get_json()["reason"]) == (400, "invalid_qr")


def test_what_a_rolled_back_change_showed_is_never_kept(app, client, resident, payload):
    token, _user, _openid = resident
    assert qr_checkin(client, token, payload).status_code == 201
    with app.test_request_context("/api/v1/checkins", method="POST"):
        reference_cache.read_with_session(redis_client.get(reference_cache.STAMP_KEY), True)
        scenario = db.session.scalar(select(Scenario).where(Scenario.code == "bus_ride"))
        scenario.active, scenario.name = False, "改了又撤回"
        # The lookup reads this transaction's own change, flushed or not...
        assert get_scenario("bus_ride").name == "改了又撤回"
        db.session.flush()
        assert get_scenario("bus_ride").name == "改了又撤回"
        db.session.rollback()
        db.session.remove()

    # ...and keeps no copy of it: the next check-in sees the committed scenario.
    again = qr_checkin(client, token, payload)
    assert again.status_code == 201, again.get_json()


def test_a_redis_that_lost_the_stamp_serves_no_copy(app, client, resident, payload):
    token, _user, _openid = resident
    assert qr_checkin(client, token, payload).status_code == 201
    with app.app_context():  # a change behind the product's back, then Redis restarted
        db.session.execute(update(Scenario).where(Scenario.code == "bus_ride").values(active=False))
        db.session.commit()
        redis_client.delete(reference_cache.STAMP_KEY)

    refused = qr_checkin(client, token, payload)

    assert (refused.status_code, refused.get_json()["reason"]) == (409, "scenario_inactive")


def _campaign(app, **terms) -> int:
    from datetime import timedelta

    from app.campaigns import service as campaigns
    from app.db import utcnow

    with app.app_context():
        now = utcnow()
        campaign = campaigns.create_campaign(
            name="绿色出行周", scenarios=["bus_ride"], budget_points=1000, bonus_points=5,
            starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7), **terms,
        )  # fmt: skip
        db.session.commit()
        return campaign.id


def test_awards_keep_the_copies_and_a_pause_is_seen_by_the_next_checkin(
    app, client, op_token, resident, other_process
):
    token, _user, _openid = resident
    _other, other_client = other_process
    site = create_site(client, op_token, per_user_daily_limit=5)
    payload = site_payload(client, op_token, site["id"])
    campaign_id = _campaign(app)
    assert qr_checkin(other_client, token, payload).get_json()["points"] == 10 + 5
    with app.app_context():
        stamp = redis_client.get(reference_cache.STAMP_KEY)
    assert qr_checkin(other_client, token, payload).get_json()["points"] == 10 + 5
    with app.app_context():  # an award is no change of the campaign's terms
        assert redis_client.get(reference_cache.STAMP_KEY) == stamp
    paused = client.post(f"/api/v1/admin/campaigns/{campaign_id}/pause", headers=bearer(op_token))
    assert paused.status_code == 200, paused.get_json()

    assert qr_checkin(other_client, token, payload).get_json()["points"] == 10


def test_a_change_written_straight_into_the_database_is_seen_after_the_command(
    app, client, resident, payload
):
    token, _user, _openid = resident
    assert qr_checkin(client, token, payload).status_code == 201
    with app.app_context():  # a manual fix in SQL: no commit hook replaces the stamp
        db.session.execute(update(Scenario).where(Scenario.code == "bus_ride").values(active=False))
        db.session.commit()
    assert qr_checkin(client, token, payload).status_code == 201  # the copy, still current

    result = app.test_cli_runner().invoke(args=["ops", "forget-reference-copies"])

    assert result.exit_code == 0, result.output
    refused = qr_checkin(client, token, payload)
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "scenario_inactive")
