"""Event mini-program codes: the short scene `e=<public id>.<signature>` fits in 32
characters, records attendance like the long payload, and forged scenes are refused."""

from __future__ import annotations

from tests.events.support import make_event
from tests.events.test_accounting import HOLDER, _reason
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import new_holder, world


def test_the_event_scene_records_attendance(app, client, make_operator, sandbox):
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "FORUM", "论坛组委会", kind="event_organiser")
    event = make_event(client, w, organiser)
    qr = client.get(f"{HOLDER}/events/{event['id']}/qr", headers=bearer(organiser)).get_json()
    scene = qr["scene"]
    assert scene.startswith(f"e={event['public_id']}.") and len(scene) <= 32
    assert qr["page"] == "pages/event/index"

    body = {"token": scene, "mode": "metro", "distance_km": 12}
    done = w.post(client, "/api/v1/events/attendance", body, new_user(app)[1])
    assert done.status_code == 201, done.get_json()

    prefix, signature = scene.rsplit(".", 1)
    for forged in (
        f"{prefix}.{signature[:-1]}{'B' if signature[-1] == 'A' else 'A'}",
        f"e=EV0000000000.{signature}",
        f"{prefix}.{signature[:-3]}",
    ):
        refused = w.post(
            client, "/api/v1/events/attendance", {**body, "token": forged}, new_user(app)[1]
        )
        assert _reason(refused) == (400, "invalid_qr"), forged

    before = len(sandbox.wxacodes())
    image = client.get(f"{HOLDER}/events/{event['id']}/wxacode.png", headers=bearer(organiser))
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    [asked] = sandbox.wxacodes()[before:]
    assert (asked["scene"], asked["page"]) == (scene, "pages/event/index")
