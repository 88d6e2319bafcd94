"""Check-ins under concurrency, through gunicorn (4 workers), one fresh connection per thread.

- 20 simultaneous check-ins of one resident against a daily cap of 2: exactly 2 approved.
- 12 simultaneous deliveries of one partner event_id: credited exactly once.
- 10 simultaneous check-ins with uploads of one photo: exactly one accepted.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from tests.checkins.support import (
    create_site,
    partner_body,
    photo,
    seed,
    set_cap,
    signed_headers,
    site_payload,
    upload,
)
from tests.helpers import bearer

pytestmark = pytest.mark.slow


def _fire(count: int, send) -> list[requests.Response]:
    """Run `send(session)` in `count` threads released together; one connection each."""
    barrier = threading.Barrier(count)

    def one(_n: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return send(session)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _outcomes(responses: list[requests.Response]) -> list[tuple[int, str]]:
    """(status code, record status or error reason) of each answer, sorted."""
    return sorted(
        (r.status_code, r.json()["status"] if r.status_code < 400 else r.json()["reason"])
        for r in responses
    )


def _records(app) -> list:
    from app.carbon.models import CarbonRecord

    with app.app_context():
        rows = db.session.execute(select(CarbonRecord.status, func.count()).group_by("status"))
        result = dict(rows.all())
        db.session.remove()
    return result


def _balance(app, user_id: int) -> int:
    from app.ledger import service as ledger

    with app.app_context():
        balance = ledger.get_points_balance(user_id)
        db.session.remove()
    return balance


def test_twenty_checkins_against_a_cap_of_two(app, live_server, client, make_operator,
                                              login_resident):  # fmt: skip
    seed(app)
    op_token = make_operator()[0]
    set_cap(client, op_token, "bus_ride", 2)
    site = create_site(client, op_token, per_user_daily_limit=50)  # only the cap may bite
    payload = site_payload(client, op_token, site["id"])
    token, user, _openid = login_resident()
    body = {"scenario": "bus_ride", "evidence": {"type": "qr", "token": payload}}

    responses = _fire(20, lambda s: s.post(live_server.url + "/api/v1/checkins", json=body,
                                           headers=bearer(token), timeout=60))  # fmt: skip

    outcomes = _outcomes(responses)
    assert outcomes == [(201, "approved")] * 2 + [(409, "daily_cap_reached")] * 18
    assert _records(app) == {"approved": 2}
    assert _balance(app, user["id"]) == 20


def test_one_partner_event_delivered_twelve_times_counts_once(
    app, live_server, client, make_operator, login_resident
):
    seed(app)
    op_token = make_operator()[0]
    created = client.post("/api/v1/admin/partners",
                          json={"code": "bus", "name": "公交", "scenarios": ["bus_ride"]},
                          headers=bearer(op_token)).get_json()  # fmt: skip
    token, user, openid = login_resident()
    client.put("/api/v1/me/consents/bus_ride", json={"granted": True}, headers=bearer(token))
    body = partner_body("trip-42", openid)

    def send(session):
        headers = signed_headers("bus", created["secret"], body)  # a new nonce per delivery
        return session.post(live_server.url + "/api/v1/partner/events", data=body,
                            headers=headers, timeout=60)  # fmt: skip

    responses = _fire(12, send)
    assert sorted(r.status_code for r in responses) == [200] * 11 + [201]
    assert len({r.json()["record_id"] for r in responses}) == 1
    assert _records(app) == {"approved": 1}
    assert _balance(app, user["id"]) == 10


def test_one_photo_backs_one_checkin_under_concurrency(app, live_server, client, login_resident):
    seed(app)
    token = login_resident()[0]
    data = photo(99)
    upload_ids = [upload(client, token, data).get_json()["upload_id"] for _ in range(10)]
    ids = iter(upload_ids)
    lock = threading.Lock()

    def send(session):
        with lock:
            upload_id = next(ids)
        body = {"scenario": "old_clothes", "evidence": {"type": "photo", "upload_id": upload_id}}
        return session.post(live_server.url + "/api/v1/checkins", json=body,
                            headers=bearer(token), timeout=60)  # fmt: skip

    responses = _fire(10, send)
    outcomes = _outcomes(responses)
    assert outcomes == [(201, "pending")] + [(409, "duplicate_evidence")] * 9
    assert _records(app) == {"pending": 1}
