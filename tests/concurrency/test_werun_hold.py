"""WeRun days held for review, under concurrency through gunicorn (4 workers):

- two simultaneous first syncs of a suspicious day: one pending record, nothing paid;
- two simultaneous later syncs of a held day: it grows to the larger figure, unpaid;
- an operator approving while the resident syncs: whatever the order, every gram is paid
  once and what is paid is exactly what the approved record holds.
"""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from tests.checkins.support import seed, werun_steps
from tests.checkins.test_werun_risk import history, natural
from tests.concurrency.test_checkin_caps import _balance, _fire
from tests.helpers import bearer

pytestmark = pytest.mark.slow

BASELINE = history(natural(3000, 5000, seed=21))  # about 4,000 a day: 15,000 is a jump


def _sync_body(sandbox, openid: str, today_steps: int) -> dict:
    payload = sandbox.werun_data(openid, werun_steps({**BASELINE, 0: today_steps}))
    return {"encrypted_data": payload["encrypted_data"], "iv": payload["iv"]}


def _post_sync(server, token: str, body: dict):
    def send(session: requests.Session) -> requests.Response:
        return session.post(server.url + "/api/v1/werun/sync", json=body,
                            headers=bearer(token), timeout=60)  # fmt: skip

    return send


def _race(*sends) -> list[requests.Response]:
    """Run each `send(session)` in its own thread, released together."""
    pending = list(sends)
    return _fire(len(pending), lambda session: pending.pop()(session))


def _post_approve(server, op_token: str, record_id: int):
    url = f"{server.url}/api/v1/admin/checkins/{record_id}/approve"
    return lambda session: session.post(url, headers=bearer(op_token), timeout=60)


def _pending(client, op_token: str) -> list[dict]:
    return client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"]


def _day_records(app, user_id: int) -> list[tuple[str, int, int]]:
    """(status, quantity, points) of the resident's WeRun records, oldest first."""
    from app.carbon.models import CarbonRecord

    with app.app_context():
        rows = db.session.execute(
            select(CarbonRecord.status, CarbonRecord.quantity_milli, CarbonRecord.points)
            .where(CarbonRecord.user_id == user_id, CarbonRecord.evidence_type == "werun")
            .order_by(CarbonRecord.id)
        )
        result = [(status, quantity // 1000, points) for status, quantity, points in rows]
        db.session.remove()
    return result


def _credited(app, user_id: int) -> int:
    from app.checkins.models import WerunDay

    with app.app_context():
        credited = db.session.scalar(
            select(WerunDay.steps_credited).where(
                WerunDay.user_id == user_id, WerunDay.record_id.is_not(None)
            )
        )
        db.session.remove()
    return credited


def _ledger_ok(app) -> bool:
    from app.ledger.verify import verify_ledger

    with app.app_context():
        report = verify_ledger()
        db.session.remove()
    return report.ok


def test_two_first_syncs_of_a_suspicious_day_hold_it_once(app, live_server, sandbox,
                                                          login_resident):  # fmt: skip
    seed(app)
    token, user, openid = login_resident()
    responses = _fire(2, _post_sync(live_server, token, _sync_body(sandbox, openid, 15321)))
    assert [r.status_code for r in responses] == [200, 200], [r.json() for r in responses]
    days = [r.json()["days"][0] for r in responses]
    assert [(d["status"], d["points"], d["points_added"]) for d in days] == [("pending", 0, 0)] * 2
    assert _day_records(app, user["id"]) == [("pending", 15321, 0)]
    assert _balance(app, user["id"]) == 0


def test_two_syncs_of_a_held_day_grow_it_and_pay_nothing(app, live_server, sandbox,
                                                         login_resident):  # fmt: skip
    seed(app)
    token, user, openid = login_resident()
    first = _post_sync(live_server, token, _sync_body(sandbox, openid, 15321))
    assert first(requests.Session()).json()["days"][0]["status"] == "pending"
    responses = _race(
        _post_sync(live_server, token, _sync_body(sandbox, openid, 17000)),
        _post_sync(live_server, token, _sync_body(sandbox, openid, 18500)),
    )
    assert [r.status_code for r in responses] == [200, 200], [r.json() for r in responses]
    assert {r.json()["days"][0]["points_added"] for r in responses} == {0}
    assert _day_records(app, user["id"]) == [("pending", 18500, 0)]
    assert _credited(app, user["id"]) == 18500
    assert _balance(app, user["id"]) == 0


def test_approval_racing_a_sync_pays_each_gram_at_most_once(
    app, live_server, client, sandbox, make_operator, login_resident
):
    seed(app)
    op_token = make_operator()[0]
    for _run in range(3):  # three residents: each race may land either way round
        token, user, openid = login_resident()
        first = _post_sync(live_server, token, _sync_body(sandbox, openid, 15321))
        assert first(requests.Session()).json()["days"][0]["status"] == "pending"
        [held] = _pending(client, op_token)
        responses = _race(
            _post_sync(live_server, token, _sync_body(sandbox, openid, 18500)),
            _post_approve(live_server, op_token, held["record"]["id"]),
        )
        assert [r.status_code for r in responses] == [200, 200], [r.json() for r in responses]

        records = _day_records(app, user["id"])
        assert sum(quantity for _s, quantity, _p in records) == _credited(app, user["id"]) == 18500
        assert _balance(app, user["id"]) == sum(points for _s, _q, points in records)
        # Either the approval saw 18,500 steps, or it paid 15,321 and the sync the rest
        # (the operator has approved this jump): the same record, paid once either way.
        assert records == [("approved", 18500, 37)]
        for item in _pending(client, op_token):  # the next resident's race starts clean
            client.post(f"/api/v1/admin/checkins/{item['record']['id']}/reject",
                        json={"note": "测试"}, headers=bearer(op_token))  # fmt: skip
    assert _ledger_ok(app)
