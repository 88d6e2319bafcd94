"""A zero-carbon event from plan to certificate, its accounting checked line by line
against a hand-computed example, and the refusals on the way."""

from __future__ import annotations

import io
from datetime import timedelta

from app.carbon.rules import shanghai_day
from app.db import utcnow
from tests.events.support import make_event
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import (
    issued_batch,
    new_holder,
    programme_for,
    registry_verify,
    world,
)

HOLDER = "/api/v1/holder"
PUBLIC = "/api/v1/public/events"


def _reason(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("reason")


def test_an_event_accounted_by_hand_checked_and_offset(app, client, make_operator):
    w = world(app, client, make_operator)
    organiser_id, organiser = new_holder(client, w, "FORUM", "论坛组委会", kind="event_organiser")
    event = make_event(client, w, organiser)
    eid = event["id"]
    assert event["stage"] == "planned" and event["public_id"].startswith("EV")

    # Attendees scan the event's QR and say how they came (round trips).
    qr = client.get(f"{HOLDER}/events/{eid}/qr", headers=bearer(organiser)).get_json()["payload"]
    trips = [("metro", 30)] * 3 + [("bus", 20)] * 2 + [("bike", 10)]
    for mode, km in trips:
        _, token = new_user(app)
        done = w.post(
            client,
            "/api/v1/events/attendance",
            {"token": qr, "mode": mode, "distance_km": km},
            token,
        )
        assert done.status_code == 201, done.get_json()
    again = w.post(
        client, "/api/v1/events/attendance", {"token": qr, "mode": "walk", "distance_km": 1}, token
    )
    assert _reason(again) == (409, "attendance_recorded")
    forged = w.post(
        client,
        "/api/v1/events/attendance",
        {"token": qr[:-2] + "xx", "mode": "bus", "distance_km": 5},
        new_user(app)[1],
    )
    assert _reason(forged) == (400, "invalid_qr")

    # The organiser's lines: four by hand, two from a CSV upload.
    for category, factor, quantity in [
        ("electricity", "grid_electricity", 1200),
        ("fuel", "diesel", 40),
        ("lodging", "lodging_room_night", 80),
        ("catering", "catering_meal", 300),
    ]:
        line = w.post(
            client,
            f"{HOLDER}/events/{eid}/lines",
            {"category": category, "factor": factor, "quantity": quantity},
            organiser,
        )
        assert line.status_code == 201, line.get_json()
    csv_text = (
        "category,factor,quantity,note\n"
        "materials,materials_paper,25,会刊\n"
        "waste,waste_landfill,150,\n"
    )
    imported = client.post(
        f"{HOLDER}/events/{eid}/lines/import",
        headers=bearer(organiser),
        data={"file": (io.BytesIO(csv_text.encode()), "lines.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()
    bad = w.post(
        client,
        f"{HOLDER}/events/{eid}/lines",
        {"category": "fuel", "factor": "grid_electricity", "quantity": 1},
        organiser,
    )
    assert _reason(bad) == (422, "invalid_category")
    early = w.post(client, f"{HOLDER}/events/{eid}/account", {}, organiser)
    assert _reason(early) == (409, "event_wrong_stage")

    assert w.post(client, f"{HOLDER}/events/{eid}/held", {}, organiser).status_code == 200
    accounted = w.post(
        client, f"{HOLDER}/events/{eid}/account", {"verifier_id": w.verifier_id}, organiser
    ).get_json()
    lines = {(x["factor"]["code"], x["origin"]): x for x in accounted["lines"]}
    # Hand-computed: quantity x factor (kg CO2e), each line and the total.
    expected = {
        ("grid_electricity", "organiser"): 1200 * 0.5366,  # 643.920
        ("diesel", "organiser"): 40 * 3.096,  # 123.840
        ("lodging_room_night", "organiser"): 80 * 20,  # 1600.000
        ("catering_meal", "organiser"): 300 * 2,  # 600.000
        ("materials_paper", "organiser"): 25 * 1.2,  # 30.000
        ("waste_landfill", "organiser"): 150 * 0.5,  # 75.000
        ("travel_metro", "attendees"): 90 * 0.03,  # 2.700 (3 x 30 km)
        ("travel_bus", "attendees"): 40 * 0.1,  # 4.000 (2 x 20 km)
        ("travel_bike", "attendees"): 10 * 0,  # 0
        ("travel_car", "attendees"): 94 * 20 * 0.12,  # 225.600 (94 unrecorded)
    }
    assert set(lines) == set(expected)
    for key, kg in expected.items():
        assert lines[key]["emissions_kg"] == round(kg, 3), key
        assert lines[key]["factor"]["version"] == 1 and lines[key]["factor"]["source"]
    assert accounted["total_kg"] == 3305.06
    assert accounted["required_kg"] == 3306
    by_source = {s["category"]: s["emissions_kg"] for s in accounted["by_source"]}
    assert by_source["travel"] == 232.3 and by_source["electricity"] == 643.92
    frozen = w.post(
        client,
        f"{HOLDER}/events/{eid}/lines",
        {"category": "fuel", "factor": "diesel", "quantity": 1},
        organiser,
    )
    assert _reason(frozen) == (409, "event_wrong_stage")

    # The verification body checks it.
    checked = w.post(
        client, f"/api/v1/verifier/events/{eid}/check", {"note": "核对发票与票据"}, w.verifier
    )
    assert checked.status_code == 200 and checked.get_json()["checked"] is True

    # Offsetting: units from the platform, retired with the event as beneficiary.
    phones = programme_for(client, w, "secondhand_phone")  # 25 kg a unit of activity
    batch = issued_batch(
        app, client, w, records_each=140, scenario="secondhand_phone", programme_id=phones
    )  # 3500 kg: 3325 to the platform
    w.post(
        client,
        f"{HOLDER}/transfers",
        {
            "batch_id": batch["id"],
            "to_holder_id": organiser_id,
            "quantity": 3306,
            "price_fen": 3_306_000,
        },
        w.platform,
    )
    part = w.post(
        client,
        f"{HOLDER}/events/{eid}/offsets",
        {"batch_id": batch["id"], "quantity": 3000},
        organiser,
    )
    assert part.status_code == 201, part.get_json()
    assert (part.get_json()["retired_kg"], part.get_json()["required_kg"]) == (3000, 3306)
    view = client.get(f"{PUBLIC}/{event['public_id']}").get_json()
    assert view["event"]["stage"] == "accounted" and view["overdue"] is False
    rest = w.post(
        client,
        f"{HOLDER}/events/{eid}/offsets",
        {"batch_id": batch["id"], "quantity": 306},
        organiser,
    )
    assert rest.status_code == 201
    view = client.get(f"{PUBLIC}/{event['public_id']}").get_json()
    assert view["event"]["stage"] == "offset" and view["retired_kg"] == 3306
    assert view["checked"] is True and view["verifier"] == "中环联合认证"
    assert [r["quantity"] for r in view["retirements"]] == [3000, 306]
    assert view["retirements"][0]["serials"] == [f"{batch['serial']}-1-3000"]
    registry_verify(app)


def test_an_event_not_offset_a_year_after_its_end_is_overdue(app, client, make_operator):
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "LATE", "迟到的主办方", kind="event_organiser")
    today = shanghai_day(utcnow())
    event = make_event(
        client,
        w,
        organiser,
        starts_on=(today - timedelta(days=400)).isoformat(),
        ends_on=(today - timedelta(days=366)).isoformat(),
    )
    view = client.get(f"{PUBLIC}/{event['public_id']}").get_json()
    assert view["overdue"] is True


def test_refusals(app, client, make_operator, login_resident):
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "ORG", "主办方", kind="event_organiser")
    _, other = new_holder(client, w, "OTHER", "另一主办方", kind="event_organiser")
    today = shanghai_day(utcnow())
    event = make_event(client, w, organiser)
    for body, reason in [
        ({"kind": "party"}, "validation_error"),
        ({"ends_on": (today - timedelta(days=20)).isoformat()}, "validation_error"),
        ({"default_mode_factor": "teleport"}, "factor_not_found"),
    ]:
        assert (
            _reason(
                w.post(
                    client,
                    f"{HOLDER}/events",
                    {
                        "name": "x",
                        "kind": "forum",
                        "starts_on": (today - timedelta(days=10)).isoformat(),
                        "ends_on": today.isoformat(),
                        **body,
                    },
                    organiser,
                )
            )[1]
            == reason
        ), body
    assert client.get(f"{HOLDER}/events/{event['id']}", headers=bearer(other)).status_code == 404
    future = make_event(
        client,
        w,
        organiser,
        starts_on=(today + timedelta(days=5)).isoformat(),
        ends_on=(today + timedelta(days=6)).isoformat(),
    )
    assert _reason(w.post(client, f"{HOLDER}/events/{future['id']}/held", {}, organiser)) == (
        409,
        "event_not_over",
    )
    qr = client.get(f"{HOLDER}/events/{event['id']}/qr", headers=bearer(organiser)).get_json()
    token, _, _ = login_resident()
    for body, reason in [
        ({"mode": "plane", "distance_km": 5}, "validation_error"),
        ({"mode": "bus", "distance_km": 0}, "invalid_distance"),
        ({"mode": "bus", "distance_km": 99999}, "invalid_distance"),
    ]:
        response = w.post(
            client, "/api/v1/events/attendance", {"token": qr["payload"], **body}, token
        )
        assert response.get_json()["reason"] == reason, body
