"""WeRun sync: decrypt, credit a day once, re-sync pays the difference, cap, bad payloads."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import requests

from app.carbon.rules import SHANGHAI
from tests.checkins.support import account
from tests.helpers import bearer


def _midnight(days_ago: int = 0) -> int:
    """Unix time of an Asia/Shanghai midnight, as WeRun's stepInfoList carries."""
    today = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((today - timedelta(days=days_ago)).timestamp())


def _sync(client, token, payload):
    body = {"encrypted_data": payload["encrypted_data"], "iv": payload["iv"]}
    return client.post("/api/v1/werun/sync", json=body, headers=bearer(token))


def test_sync_credits_today_and_resync_pays_only_the_difference(client, sandbox, resident):
    token, _user, openid = resident
    morning = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 500}])
    first = _sync(client, token, morning)
    assert first.status_code == 200, first.get_json()
    [day] = first.get_json()["days"]
    assert (day["steps"], day["carbon_g"], day["points"], day["points_added"]) == (500, 8.2, 1, 1)

    later = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 6200}])
    [day] = _sync(client, token, later).get_json()["days"]
    assert (day["steps"], day["points"], day["points_added"]) == (6200, 12, 11)
    assert day["carbon_g"] == 101.68  # 6200 * 0.0164 g

    [day] = _sync(client, token, later).get_json()["days"]  # same data again: nothing more
    assert (day["points"], day["points_added"]) == (12, 0)

    mine = account(client, token)
    assert mine["points_balance"] == 12
    assert mine["by_scenario"] == [
        {"scenario": "walk_steps", "name": "低碳步行", "count": 1, "carbon_g": 101.68, "points": 12}
    ]
    ledger = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"]
    assert sorted(e["amount"] for e in ledger) == [1, 11]
    assert {e["code"] for e in ledger} == {"werun_reward"}


def test_steps_above_the_daily_cap_are_not_paid(client, sandbox, resident):
    token, _user, openid = resident
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 35000}])
    [day] = _sync(client, token, payload).get_json()["days"]
    assert (day["steps"], day["credited_steps"], day["points"]) == (35000, 20000, 40)
    assert day["carbon_g"] == 328.0


def test_only_today_and_yesterday_are_credited(client, sandbox, resident):
    token, _user, openid = resident
    steps = [{"timestamp": _midnight(n), "step": 1000 * (n + 1)} for n in range(30)]
    days = _sync(client, token, sandbox.werun_data(openid, steps)).get_json()["days"]
    assert [d["steps"] for d in days] == [2000, 1000]  # yesterday, today
    assert account(client, token)["points_balance"] == 2 + 4


def test_tampered_payload_is_invalid_encrypted_data(client, sandbox, resident):
    token, _user, openid = resident
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 9000}])
    raw = bytearray(base64.b64decode(payload["encrypted_data"]))
    raw[-1] ^= 0x01
    for bad in [
        {**payload, "encrypted_data": base64.b64encode(bytes(raw)).decode()},
        {**payload, "iv": base64.b64encode(b"0" * 16).decode()},
        {**payload, "encrypted_data": "%%%"},
    ]:
        response = _sync(client, token, bad)
        assert response.status_code == 400
        assert response.get_json()["reason"] == "invalid_encrypted_data"
    assert account(client, token)["points_balance"] == 0


def test_someone_elses_payload_is_invalid(client, sandbox, resident, login_resident):
    _token, _user, openid = resident
    other_token = login_resident()[0]
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 9000}])
    response = _sync(client, other_token, payload)  # encrypted with the first user's key
    assert response.status_code == 400
    assert response.get_json()["reason"] == "invalid_encrypted_data"


def test_other_appid_is_invalid_and_old_watermark_is_stale(client, sandbox, resident):
    token, _user, openid = resident
    steps = [{"timestamp": _midnight(), "step": 9000}]
    foreign = sandbox.werun_data(openid, steps, appid="wx-another-app")
    assert _sync(client, token, foreign).get_json()["reason"] == "invalid_encrypted_data"
    stale = sandbox.werun_data(openid, steps, watermark_timestamp=int(time.time()) - 3600)
    response = _sync(client, token, stale)
    assert response.status_code == 400
    assert response.get_json()["reason"] == "stale_data"


def test_withdrawn_consent_stops_syncing(client, sandbox, resident):
    token, _user, openid = resident
    client.put("/api/v1/me/consents/walk_steps", json={"granted": False}, headers=bearer(token))
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 9000}])
    refused = _sync(client, token, payload)
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "consent_required")
    client.put("/api/v1/me/consents/walk_steps", json={"granted": True}, headers=bearer(token))
    assert _sync(client, token, payload).status_code == 200


def test_impossible_step_counts_are_refused(client, sandbox, resident):
    token, _user, openid = resident
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(), "step": 5_000_000}])
    assert _sync(client, token, payload).get_json()["reason"] == "invalid_encrypted_data"


def test_werun_record_keeps_the_day_it_was_walked(app, client, sandbox, resident):
    token, _user, openid = resident
    payload = sandbox.werun_data(openid, [{"timestamp": _midnight(1), "step": 1000}])
    [day] = _sync(client, token, payload).get_json()["days"]
    expected = (datetime.now(UTC).astimezone(SHANGHAI) - timedelta(days=1)).date().isoformat()
    assert day["date"] == expected
    records = client.get("/api/v1/me/carbon-records", headers=bearer(token)).get_json()["items"]
    assert [(r["day"], r["evidence_type"], r["quantity"]) for r in records] == [
        (expected, "werun", 1000)
    ]


def test_out_of_range_step_timestamps_are_invalid_encrypted_data(client, sandbox, resident):
    token, _user, openid = resident
    for timestamp in (-1e12, 1e20, -1, 2**63, float("inf"), float("nan")):
        steps = [{"timestamp": _midnight(), "step": 900}, {"timestamp": timestamp, "step": 900}]
        # Sent as Python's JSON, which writes inf and nan (requests refuses to).
        body = json.dumps({"openid": openid, "step_info_list": steps})
        payload = requests.post(sandbox.base_url + "sandbox/werun-data", data=body, timeout=5)
        response = _sync(client, token, payload.json())
        assert response.status_code == 400, (timestamp, response.get_json())
        assert response.get_json()["reason"] == "invalid_encrypted_data"
    assert account(client, token)["points_balance"] == 0  # nothing of a refused payload counts
