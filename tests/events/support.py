"""Event test set-up through the real API: the factors and sink methodologies seeded, an
organiser's event, and the hand-computed event of test_accounting.py taken from plan to
offset (checked by a verifier), usable in-process and against the live server."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from app.carbon.rules import shanghai_day
from app.db import utcnow
from app.extensions import db
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import World, issued_batch, programme_for

HOLDER = "/api/v1/holder"
# The hand-computed event (tests/events/test_accounting.py): 3,305.060 kg, 3,306 required.
LINES = [
    ("electricity", "grid_electricity", 1200),
    ("fuel", "diesel", 40),
    ("lodging", "lodging_room_night", 80),
    ("catering", "catering_meal", 300),
]
CSV_LINES = (
    "category,factor,quantity,note\nmaterials,materials_paper,25,会刊\nwaste,waste_landfill,150,\n"
)
TRIPS = [("metro", 30)] * 3 + [("bus", 20)] * 2 + [("bike", 10)]


def seed_events(app) -> None:
    """The event factors and sink methodologies (what `flask seed` loads)."""
    from app.events.factors import seed_factors
    from app.sinks.methodologies import seed_methodologies

    with app.app_context():
        seed_factors()
        seed_methodologies()
        db.session.commit()
        db.session.remove()


def make_event(client, w: World, organiser: str, **extra) -> dict:
    """A forum that ended 8 days ago (100 expected attendees, 20 km by default)."""
    today = shanghai_day(utcnow())
    body = {
        "name": "2026 绿色发展论坛",
        "kind": "forum",
        "starts_on": (today - timedelta(days=10)).isoformat(),
        "ends_on": (today - timedelta(days=8)).isoformat(),
        "venue": "市会展中心",
        "expected_attendees": 100,
        "default_trip_km": 20,
        "plan": "无纸化会议、公共交通接驳；会后一个月内注销核证减排量抵消",
        **extra,
    }
    response = w.post(client, f"{HOLDER}/events", body, organiser)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_lines(client, w: World, organiser: str, event_id: int) -> None:
    """The four hand-typed lines and the two of the CSV."""
    for category, factor, quantity in LINES:
        line = w.post(
            client,
            f"{HOLDER}/events/{event_id}/lines",
            {"category": category, "factor": factor, "quantity": quantity},
            organiser,
        )
        assert line.status_code == 201, line.get_json()
    imported = client.post(
        f"{HOLDER}/events/{event_id}/lines/import",
        headers=bearer(organiser),
        data={"file": (io.BytesIO(CSV_LINES.encode()), "lines.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()


def attend(app, client, w: World, organiser: str, event_id: int) -> None:
    """Six attendees scan the event's QR and say how they came."""
    qr = client.get(f"{HOLDER}/events/{event_id}/qr", headers=bearer(organiser)).get_json()
    for mode, km in TRIPS:
        _, token = new_user(app)
        done = w.post(
            client,
            "/api/v1/events/attendance",
            {"token": qr["payload"], "mode": mode, "distance_km": km},
            token,
        )
        assert done.status_code == 201, done.get_json()


def account(client, w: World, organiser: str, event_id: int, verifier_id: int | None) -> dict:
    held = w.post(client, f"{HOLDER}/events/{event_id}/held", {}, organiser)
    assert held.status_code == 200, held.get_json()
    body = {"verifier_id": verifier_id} if verifier_id else {}
    accounted = w.post(client, f"{HOLDER}/events/{event_id}/account", body, organiser)
    assert accounted.status_code == 200, accounted.get_json()
    return accounted.get_json()


def units_for(app, client, w: World, organiser_id: int, quantity: int) -> dict:
    """An issued batch of second-hand phones (3,500 kg, 3,325 to the platform), `quantity`
    units of it transferred to the organiser; returns the batch."""
    phones = programme_for(client, w, "secondhand_phone")
    batch = issued_batch(
        app, client, w, records_each=140, scenario="secondhand_phone", programme_id=phones
    )
    sold = w.post(
        client,
        f"{HOLDER}/transfers",
        {"batch_id": batch["id"], "to_holder_id": organiser_id, "quantity": quantity},
        w.platform,
    )
    assert sold.status_code == 201, sold.get_json()
    return batch


def offset(client, w: World, organiser: str, event_id: int, batch_id: int, quantity: int) -> str:
    done = w.post(
        client,
        f"{HOLDER}/events/{event_id}/offsets",
        {"batch_id": batch_id, "quantity": quantity},
        organiser,
    )
    assert done.status_code == 201, done.get_json()
    return done.get_json()["certificate_id"]


@dataclass
class OffsetEvent:
    event: dict
    batch: dict
    certificates: list[str]  # in the order retired: 3,000 kg then 306 kg


def offset_event_story(app, client, w: World, organiser_id: int, organiser: str) -> OffsetEvent:
    """The hand-computed event: attendees, six lines, held, accounted with the world's
    verifier, checked, and offset in two retirements (3,000 + 306 kg)."""
    event = make_event(client, w, organiser)
    attend(app, client, w, organiser, event["id"])
    add_lines(client, w, organiser, event["id"])
    account(client, w, organiser, event["id"], w.verifier_id)
    checked = w.post(
        client, f"/api/v1/verifier/events/{event['id']}/check", {"note": "核对票据"}, w.verifier
    )
    assert checked.status_code == 200, checked.get_json()
    batch = units_for(app, client, w, organiser_id, 3306)
    first = offset(client, w, organiser, event["id"], batch["id"], 3000)
    second = offset(client, w, organiser, event["id"], batch["id"], 306)
    return OffsetEvent(event, batch, [first, second])


def overdue_event(client, w: World, organiser: str) -> dict:
    """An event that ended 366 days ago, accounted (self-declared), never offset."""
    today = shanghai_day(utcnow())
    event = make_event(
        client,
        w,
        organiser,
        name="2024 城市马拉松",
        kind="match",
        starts_on=(today - timedelta(days=367)).isoformat(),
        ends_on=(today - timedelta(days=366)).isoformat(),
        expected_attendees=10,
    )
    w.post(
        client,
        f"{HOLDER}/events/{event['id']}/lines",
        {"category": "electricity", "factor": "grid_electricity", "quantity": 100},
        organiser,
    )
    account(client, w, organiser, event["id"], None)
    return event
