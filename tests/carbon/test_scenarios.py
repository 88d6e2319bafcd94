"""Scenarios seeded from the published table, points rules, methodology versions."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from app.carbon import rules
from app.carbon.seed import BUNDLED_CSV, SHARED_CSV, seed_scenarios
from app.db import utcnow
from app.extensions import db
from tests.checkins.support import create_site, qr_checkin, site_payload
from tests.helpers import bearer


def _points(code: str, quantity: float, scenarios: dict) -> tuple[float, int]:
    """(carbon_g, points) the seeded methodology gives for `quantity` units."""
    item = scenarios[code]
    factor = rules.factor_to_ug(str(item["g_co2e_per_unit"]))
    milli = rules.to_milli(quantity)
    carbon = rules.carbon_mg_for(milli, factor)
    return rules.mg_to_g(carbon), rules.parse_points_rule(item["points_rule"]).points_for(
        milli, carbon
    )


def test_seeded_scenarios_reproduce_the_published_table(client, seeded):
    response = client.get("/api/v1/scenarios")
    assert response.status_code == 200
    scenarios = {s["code"]: s for s in response.get_json()["items"]}
    assert len(scenarios) == 19
    assert _points("clean_plate", 1, scenarios) == (144.0, 5)
    assert _points("bus_ride", 1, scenarios) == (80.0, 10)
    assert _points("walk_steps", 500, scenarios) == (8.2, 1)
    assert _points("old_clothes", 1, scenarios) == (1280.0, 30)
    plate = scenarios["clean_plate"]
    assert plate["evidence"] == ["photo"]
    assert (plate["daily_cap"], plate["methodology_version"], plate["unit"]) == (2, 1, "meal")
    assert "144克" in plate["source"]
    assert scenarios["walk_steps"]["g_co2e_per_unit"] == 0.0164
    assert scenarios["walk_steps"]["daily_cap"] == 20000
    assert scenarios["tree_adoption"]["active"] is False
    assert scenarios["tree_adoption"]["evidence"] == []


def test_seed_twice_changes_nothing(app, seeded):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "carbon:" not in result.output
    with app.app_context():
        assert seed_scenarios() == (0, 0)


def test_bundled_copy_matches_the_shared_table():
    if not SHARED_CSV.is_file():
        pytest.skip("no ../shared beside this checkout")
    assert BUNDLED_CSV.read_bytes() == SHARED_CSV.read_bytes()


@pytest.mark.parametrize(
    ("text", "quantity", "carbon_mg", "points"),
    [
        ("5 per meal", 1000, 144_000, 5),
        ("10 per ride", 2000, 160_000, 20),
        ("1 per 500 steps", 999_000, 16_383, 1),
        ("30 per kg", 1500, 1_920_000, 45),
        ("1 per 8 g", 1000, 52_000, 6),
        ("0", 1000, 0, 0),
    ],
)
def test_points_rules(text, quantity, carbon_mg, points):
    assert rules.parse_points_rule(text).points_for(quantity, carbon_mg) == points


@pytest.mark.parametrize("text", ["", "five per meal", "1 per 0 g", "1 per", "per meal"])
def test_bad_points_rules_are_refused(text):
    with pytest.raises(rules.RuleError):
        rules.parse_points_rule(text)


def test_malformed_table_is_refused(app, tmp_path):
    bad = tmp_path / "scenarios.csv"
    shutil.copy(BUNDLED_CSV, bad)
    bad.write_text(bad.read_text().replace("5 per meal", "lots per meal"))
    with app.app_context(), pytest.raises(ValueError, match=r"scenarios\.csv:2"):
        seed_scenarios(bad)


def test_factor_change_is_a_new_version_and_old_records_keep_theirs(
    app, client, op_token, resident, tmp_path
):
    token, _user, _openid = resident
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    old = qr_checkin(client, token, payload).get_json()
    assert (old["carbon_g"], old["methodology_version"]) == (80.0, 1)

    changed = tmp_path / "scenarios.csv"
    table = BUNDLED_CSV.read_text()
    changed.write_text(table.replace("Bus ride,ride,80,", "Bus ride,ride,95,"))
    with app.app_context():
        assert seed_scenarios(changed) == (0, 1)
        db.session.commit()
    versions = client.get("/api/v1/admin/scenarios/bus_ride/versions", headers=bearer(op_token))
    assert [(v["version"], v["g_co2e_per_unit"]) for v in versions.get_json()["items"]] == [
        (1, 80.0), (2, 95.0),
    ]  # fmt: skip
    second_site = site_payload(client, op_token, create_site(client, op_token)["id"])
    new = qr_checkin(client, token, second_site).get_json()
    assert (new["carbon_g"], new["methodology_version"]) == (95.0, 2)
    records = client.get("/api/v1/me/carbon-records", headers=bearer(token)).get_json()["items"]
    assert [(r["carbon_g"], r["methodology_version"]) for r in records] == [(95.0, 2), (80.0, 1)]


def test_operator_publishes_a_future_version(client, op_token):
    starts = (utcnow() + timedelta(days=30)).isoformat()
    response = client.post(
        "/api/v1/admin/scenarios/clean_plate/versions",
        json={"g_co2e_per_unit": 449, "points_rule": "10 per meal", "valid_from": starts,
              "source": "Beijing 绿色生活季 (>=449 g)"},
        headers=bearer(op_token),
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 2
    current = {s["code"]: s for s in client.get("/api/v1/scenarios").get_json()["items"]}
    assert current["clean_plate"]["methodology_version"] == 1  # not in force yet
    bad = client.post(
        "/api/v1/admin/scenarios/clean_plate/versions",
        json={"g_co2e_per_unit": 1, "points_rule": "many per meal", "source": "x"},
        headers=bearer(op_token),
    )
    assert (bad.status_code, bad.get_json()["reason"]) == (422, "invalid_rule")


def test_operator_changes_a_cap(client, op_token):
    response = client.patch("/api/v1/admin/scenarios/old_clothes",
                            json={"daily_cap": 12.5, "evidence": ["photo"]},
                            headers=bearer(op_token))  # fmt: skip
    assert response.status_code == 200
    assert (response.get_json()["daily_cap"], response.get_json()["evidence"]) == (12.5, ["photo"])
    missing = client.patch("/api/v1/admin/scenarios/nope", json={"daily_cap": 1},
                           headers=bearer(op_token))  # fmt: skip
    assert missing.get_json()["reason"] == "scenario_not_found"
