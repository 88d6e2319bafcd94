"""Site mini-program codes: a short signed `scene` (<= 32 characters) that WeChat's own
scanner hands to the check-in page, with the long payload's guarantees (forgery, key
rotation, windows); the PNG comes from getwxacodeunlimit through the adapter."""

from __future__ import annotations

import re
import time

import pytest

from tests.checkins.support import create_site, qr_checkin
from tests.helpers import bearer

SCENE = re.compile(r"^s=[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{12,16}$")


def _qr(client, op_token, site_id: int) -> dict:
    response = client.get(f"/api/v1/admin/sites/{site_id}/qr", headers=bearer(op_token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _lookup(client, token: str, code: str):
    return client.get("/api/v1/sites/lookup", query_string={"token": code}, headers=bearer(token))


def test_the_scene_checks_in_like_the_payload(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, "bus_ride")
    answer = _qr(client, op_token, site["id"])
    scene = answer["scene"]
    assert SCENE.match(scene) and len(scene) <= 32
    assert answer["page"] == "pages/checkin/index"

    found = _lookup(client, token, scene)
    assert found.status_code == 200, found.get_json()
    assert found.get_json() == {
        "id": site["id"], "name": site["name"], "scenario": "bus_ride", "scenario_name": "公交出行",
    }  # fmt: skip
    assert _lookup(client, token, answer["payload"]).get_json()["id"] == site["id"]

    made = qr_checkin(client, token, scene)
    assert made.status_code == 201 and made.get_json()["status"] == "approved"
    assert qr_checkin(client, token, answer["payload"]).status_code == 201  # the return trip
    third = qr_checkin(client, token, scene)  # the same site's limit, whichever code
    assert third.status_code == 409 and third.get_json()["reason"] == "site_limit_reached"


def test_forged_altered_or_foreign_scenes_are_invalid(client, op_token, resident):
    token, _user, _openid = resident
    first = create_site(client, op_token, "bus_ride")
    second = create_site(client, op_token, "bus_ride")
    scene = _qr(client, op_token, first["id"])["scene"]
    other = _qr(client, op_token, second["id"])["scene"]
    body, signature = scene.rsplit(".", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        f"{body}.{flipped}",  # altered signature
        f"{other.rsplit('.', 1)[0]}.{signature}",  # another site's id with this signature
        f"{body.rsplit('.', 1)[0]}.1.{signature}",  # another window
        f"{body}.{signature[:-2]}",  # a shorter signature
        "s=zz.0.AAAAAAAAAAAAAAAA",  # a site nobody made
        f"{scene}x",
    ]
    for code in forged:
        assert qr_checkin(client, token, code).get_json()["reason"] == "invalid_qr", code
        assert _lookup(client, token, code).status_code == 400, code
    wrong = qr_checkin(client, token, scene, scenario="metro_ride")
    assert wrong.status_code == 400 and wrong.get_json()["reason"] == "invalid_qr"


def test_rotating_the_key_retires_the_scene_too(client, op_token, resident):
    token, _user, _openid = resident
    site = create_site(client, op_token, "bus_ride")
    old = _qr(client, op_token, site["id"])["scene"]
    rotated = client.post(f"/api/v1/admin/sites/{site['id']}/rotate-key", headers=bearer(op_token))
    assert rotated.status_code == 200
    assert qr_checkin(client, token, old).get_json()["reason"] == "invalid_qr"
    fresh = _qr(client, op_token, site["id"])["scene"]
    assert fresh != old and qr_checkin(client, token, fresh).status_code == 201


def test_a_rotating_site_scene_expires_with_its_window(app, client, op_token, resident):
    from app.checkins import qr

    token, _user, _openid = resident
    site = create_site(client, op_token, "bus_ride", rotation_seconds=60)
    with app.test_request_context():
        stale = qr.sign_scene(site["id"], 1, 60, now=time.time() - 600)
        current = qr.sign_scene(site["id"], 1, 60)
    expired = qr_checkin(client, token, stale)
    assert expired.status_code == 400 and "过期" in expired.get_json()["message"]
    assert qr_checkin(client, token, current).status_code == 201


@pytest.mark.parametrize("site_id, window", [(1, 0), (36**6 - 1, 0), (2**40, 36**7 - 1)])
def test_scenes_fit_in_32_characters_with_at_least_72_bits(app, site_id, window):
    from app.checkins import qr

    with app.test_request_context():
        scene = qr.sign_scene(site_id, 3, 1, now=window)
        assert len(scene) <= 32
        parsed = qr.parse_scene(scene)
        assert parsed[:2] == (site_id, window)
        assert len(parsed[3]) >= 12
        qr.check_scene(parsed[2], parsed[3], 3)
        with pytest.raises(qr.InvalidQr):
            qr.check_scene(parsed[2], parsed[3], 4)


def test_the_wxacode_comes_from_wechat_with_the_scene_and_page(client, op_token, sandbox):
    site = create_site(client, op_token, "bus_ride")
    scene = _qr(client, op_token, site["id"])["scene"]
    before = len(sandbox.wxacodes())
    image = client.get(
        f"/api/v1/admin/sites/{site['id']}/qr?format=wxacode", headers=bearer(op_token)
    )
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    [asked] = sandbox.wxacodes()[before:]
    assert asked == {
        "scene": scene, "page": "pages/checkin/index", "check_path": False,
        "env_version": "release",
    }  # fmt: skip

    sandbox.faults(failing=True)
    down = client.get(
        f"/api/v1/admin/sites/{site['id']}/qr?format=wxacode", headers=bearer(op_token)
    )
    assert down.status_code == 503 and down.get_json()["reason"] == "wechat_unavailable"
