"""Partner event batches at once, through gunicorn (4 workers), one connection per thread:
three batches of a bus company whose event_ids overlap, sent in different orders (one
forward, one backward, one shuffled), and a metro's batch for the same residents in the
opposite order. Each event is paid exactly once, every batch is answered in full (no
deadlock victim on PostgreSQL: batches take their lock first, decision 1005), and the
ledger verifies."""

from __future__ import annotations

import json
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.carbon.models import CarbonRecord
from app.db import utcnow
from app.extensions import db
from app.ledger import service as ledger
from app.ledger.models import LedgerTransaction
from tests.checkins.support import seed, signed_headers
from tests.helpers import bearer
from tests.mall.factories import assert_ledger_clean

pytestmark = pytest.mark.slow
RESIDENTS = 20  # 60 events: 3 each, under bus_ride's 4 a day


def _partners_and_residents(app, client, make_operator, login_resident):
    """A bus and a metro partner ({code: secret}) and RESIDENTS residents consenting to
    both ([(user id, openid)])."""
    seed(app)
    op_token = make_operator()[0]
    secrets = {}
    for code, scenario in (("bus", "bus_ride"), ("metro", "metro_km")):
        created = client.post("/api/v1/admin/partners",
                              json={"code": code, "name": code, "scenarios": [scenario]},
                              headers=bearer(op_token)).get_json()  # fmt: skip
        secrets[code] = created["secret"]
    residents = []
    for _ in range(RESIDENTS):
        token, user, openid = login_resident()
        for scenario in ("bus_ride", "metro_km"):
            client.put(f"/api/v1/me/consents/{scenario}", json={"granted": True},
                       headers=bearer(token))  # fmt: skip
        residents.append((user["id"], openid))
    return secrets, residents


def test_overlapping_batches_pay_each_event_once(app, live_server, client, make_operator,
                                                 login_resident):  # fmt: skip
    secrets, residents = _partners_and_residents(app, client, make_operator, login_resident)
    now = utcnow().isoformat()
    events = {
        f"trip-{n}": {"event_id": f"trip-{n}", "openid": residents[n % RESIDENTS][1],
                      "scenario": "bus_ride", "quantity": 1, "occurred_at": now}
        for n in range(60)
    }  # fmt: skip
    ids = list(events)
    shuffled = ids[10:50]
    random.Random(7).shuffle(shuffled)
    batches = [("bus", ids[:40]), ("bus", list(reversed(ids[20:]))), ("bus", shuffled)]
    metro = [
        {
            "event_id": f"m-{user_id}",
            "openid": openid,
            "scenario": "metro_km",
            "quantity": 1,
            "occurred_at": now,
        }
        for user_id, openid in reversed(residents)
    ]
    events.update((e["event_id"], e) for e in metro)
    batches.append(("metro", [e["event_id"] for e in metro]))
    barrier = threading.Barrier(len(batches))

    def send(batch: tuple[str, list[str]]) -> requests.Response:
        code, event_ids = batch
        body = json.dumps({"events": [events[i] for i in event_ids]}).encode()
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.post(live_server.url + "/api/v1/partner/events/batch", data=body,
                                headers=signed_headers(code, secrets[code], body),
                                timeout=120)  # fmt: skip

    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        responses = list(pool.map(send, batches))

    assert [r.status_code for r in responses] == [200] * len(batches), [r.text for r in responses]
    answers = defaultdict(list)
    for response in responses:
        for item in response.json()["results"]:
            answers[item["event_id"]].append((item["code"], item["record_id"]))
    assert set(answers) == set(events)
    for event_id, seen in answers.items():
        codes = sorted(code for code, _ in seen)
        assert codes == [200] * (len(seen) - 1) + [201], (event_id, seen)
        assert len({record_id for _, record_id in seen}) == 1, (event_id, seen)

    with app.app_context():
        references = db.session.execute(
            select(LedgerTransaction.reference, func.count()).group_by(LedgerTransaction.reference)
        ).all()
        records = db.session.scalar(select(func.count()).select_from(CarbonRecord))
        balances = {user_id: ledger.get_points_balance(user_id) for user_id, _ in residents}
        db.session.remove()
    expected = [(f"partner:bus:{i}", 1) for i in ids]
    expected += [(f"partner:metro:{e['event_id']}", 1) for e in metro]
    assert sorted(references) == sorted(expected)
    assert records == len(events)
    # 3 bus rides (10 points each) and 1 km of metro (46.7 g: "1 per 8 g", 5 points) each
    assert balances == {user_id: 35 for user_id, _ in residents}
    assert_ledger_clean(app)


def test_a_batch_and_single_events_for_the_same_residents_at_once(
    app, live_server, client, make_operator, login_resident
):
    # A batch holds its residents' accounts and then the issuance shards until it commits;
    # single events take their resident's account, then a shard. Taken event by event, a
    # batch holding a shard waited for an account a single event held while that event
    # waited for the shard (a deadlock on PostgreSQL); a batch now takes every account
    # first, by id, then the shards (app/ledger/bulk.py), the order single postings use.
    secrets, residents = _partners_and_residents(app, client, make_operator, login_resident)
    now = utcnow().isoformat()

    def trip(event_id: str, openid: str, scenario: str) -> dict:
        return {"event_id": event_id, "openid": openid, "scenario": scenario, "quantity": 1,
                "occurred_at": now}  # fmt: skip

    batch = [trip(f"bus-{n}", residents[n % RESIDENTS][1], "bus_ride") for n in range(40)]
    singles = [trip(f"metro-{u}", openid, "metro_km") for u, openid in reversed(residents)]
    barrier = threading.Barrier(1 + len(singles))

    def post(path: str, code: str, payload: dict) -> requests.Response:
        body = json.dumps(payload).encode()
        with requests.Session() as session:
            barrier.wait(timeout=30)
            headers = signed_headers(code, secrets[code], body)
            return session.post(live_server.url + path, data=body, headers=headers, timeout=120)

    with ThreadPoolExecutor(max_workers=1 + len(singles)) as pool:
        sent = pool.submit(post, "/api/v1/partner/events/batch", "bus", {"events": batch})
        single = [pool.submit(post, "/api/v1/partner/events", "metro", e) for e in singles]
        answered, answers = sent.result(), [f.result() for f in single]

    assert answered.status_code == 200, answered.text
    assert [r["code"] for r in answered.json()["results"]] == [201] * len(batch)
    assert [a.status_code for a in answers] == [201] * len(singles), [a.text for a in answers]
    with app.app_context():
        balances = {user_id: ledger.get_points_balance(user_id) for user_id, _ in residents}
        db.session.remove()
    # 2 bus rides (10 points each) and 1 km of metro (5 points) each.
    assert balances == {user_id: 25 for user_id, _ in residents}
    assert_ledger_clean(app)
