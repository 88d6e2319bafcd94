"""Registry races over real HTTP (gunicorn, 4 workers): concurrent retirements never take
more than a holder holds, and concurrent transfers of one block leave exactly one owner;
`flask registry verify` is clean afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from app.extensions import db
from app.registry.models import Transfer, UnitAccount
from tests.helpers import bearer
from tests.registry.support import issued_batch, new_holder, registry_verify, world

pytestmark = pytest.mark.slow
HOLDER = "/api/v1/holder"
PUBLIC = "/api/v1/public/registry"


def _post(url: str, token: str, body: dict) -> requests.Response:
    return requests.post(
        url, json=body, headers={**bearer(token), "Connection": "close"}, timeout=60
    )


@pytest.fixture
def seeded_world(app, client, make_operator, seeded):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w, records_each=500)  # 40 kg: 38 platform, 2 buffer
    return w, batch


@pytest.fixture
def seeded(app):
    from tests.checkins.support import seed

    seed(app)


def test_fifty_concurrent_retirements_never_exceed_the_holding(
    app, client, live_server, seeded_world
):
    w, batch = seeded_world
    buyer_id, buyer = new_holder(client, w, "RACER", "抢注销的企业")
    held = 20
    sold = w.post(
        client,
        f"{HOLDER}/transfers",
        {"batch_id": batch["id"], "to_holder_id": buyer_id, "quantity": held},
        w.platform,
    )
    assert sold.status_code == 201, sold.get_json()
    start = threading.Barrier(50)

    def retire(i: int) -> requests.Response:
        start.wait()
        return _post(
            f"{live_server.url}{HOLDER}/retirements",
            buyer,
            {
                "batch_id": batch["id"],
                "quantity": 1 + i % 2,
                "purpose": "voluntary",
                "beneficiary": f"活动 {i}",
            },
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(retire, range(50)))
    statuses = Counter(r.status_code for r in results)
    assert set(statuses) <= {201, 409}, statuses
    assert {r.json()["reason"] for r in results if r.status_code == 409} <= {"insufficient_units"}
    retired = sum(r.json()["quantity"] for r in results if r.status_code == 201)
    assert held - 1 <= retired <= held  # a last 2-unit request may not fit in 1 left
    blocks = requests.get(
        f"{live_server.url}{PUBLIC}/blocks?batch_id={batch['id']}&limit=100", timeout=30
    ).json()["items"]
    assert sum(b["quantity"] for b in blocks if b["status"] == "retired") == retired
    assert (
        sum(
            b["quantity"] for b in blocks if b["holder"] == "抢注销的企业" and b["status"] == "held"
        )
        == held - retired
    )
    certificates = {r.json()["certificate_id"] for r in results if r.status_code == 201}
    assert len(certificates) == statuses[201]
    registry_verify(app)


def test_concurrent_transfers_of_one_block_leave_one_owner(app, client, live_server, seeded_world):
    w, batch = seeded_world
    buyers = [new_holder(client, w, f"B{i}", f"买方 {i}") for i in range(2)]
    rounds = 12  # the platform's units 1..36 as 12 blocks of 3, each sent to both at once
    barriers = [threading.Barrier(3) for _ in range(rounds)]

    def send(job):
        n, target = job
        barriers[n].wait()
        if target == "thief":  # a holder that does not own the block tries it too
            token, to = buyers[1][1], buyers[0][0]
        else:
            token, to = w.platform, buyers[target][0]
        return n, _post(
            f"{live_server.url}{HOLDER}/transfers",
            token,
            {"batch_id": batch["id"], "to_holder_id": to, "quantity": 3, "first": 1 + 3 * n},
        )

    jobs = [(n, target) for n in range(rounds) for target in (0, 1, "thief")]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(send, jobs))
    from_platform = Counter(
        n
        for (n, target), (_, r) in zip(jobs, results, strict=True)
        if target != "thief" and r.status_code == 201
    )
    assert all(from_platform[n] == 1 for n in range(rounds)), from_platform
    # The other holder's attempt succeeds only when the block had already reached it.
    for (n, target), (_, r) in zip(jobs, results, strict=True):
        if target == "thief" and r.status_code == 201:
            winner = next(
                t
                for (m, t), (_, q) in zip(jobs, results, strict=True)
                if m == n and t != "thief" and q.status_code == 201
            )
            assert winner == 1, n
    refusals = {r.json()["reason"] for _, r in results if r.status_code != 201}
    assert refusals <= {"units_not_held", "insufficient_units", "same_holder"}, refusals
    blocks = requests.get(
        f"{live_server.url}{PUBLIC}/blocks?batch_id={batch['id']}&limit=100", timeout=30
    ).json()["items"]
    for n in range(rounds):
        owners = {b["holder"] for b in blocks if b["first"] <= 1 + 3 * n <= b["last"]}
        assert len(owners) == 1, (n, owners)
    registry_verify(app)


def test_a_movement_that_waited_for_a_lock_replays_after_the_one_it_waited_for(
    app, client, live_server, seeded_world
):
    """On PostgreSQL a movement's row (and id) is written before it takes its accounts'
    locks: the holder's onward transfer of a block gets the lower id, waits, and takes
    the block that a later-numbered transfer brought it. The books are right; verify
    must replay each account in the order its chain was written, not in id order."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writers queue for one lock: ids follow the commit order")
    w, batch = seeded_world
    (b0, _), (b1, b1_token) = (new_holder(client, w, f"W{i}", f"等锁方 {i}") for i in range(2))
    for to, first in ((b0, 1), (b1, 4)):  # both accounts exist, b0's with the lower id
        body = {"batch_id": batch["id"], "to_holder_id": to, "quantity": 3, "first": first}
        assert w.post(client, f"{HOLDER}/transfers", body, w.platform).status_code == 201
    onward = {"batch_id": batch["id"], "to_holder_id": b0, "quantity": 3, "first": 7}
    with app.app_context(), db.engine.connect() as holder_of_b0:
        b0_account = db.session.scalar(db.select(UnitAccount.id).where(UnitAccount.holder_id == b0))
        db.session.remove()
        # A movement into b0 in flight: b0's account row stays locked until it ends.
        holder_of_b0.execute(
            text("UPDATE registry_accounts SET balance = balance WHERE id = :id"),
            {"id": b0_account},
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(_post, f"{live_server.url}{HOLDER}/transfers", b1_token, onward)
            try:
                _wait_for_a_lock_waiter()  # its row is written, b0's account comes first
                sold = _post(
                    f"{live_server.url}{HOLDER}/transfers",
                    w.platform,
                    {"batch_id": batch["id"], "to_holder_id": b1, "quantity": 3, "first": 7},
                )
            finally:
                holder_of_b0.rollback()
            passed_on = waiting.result(timeout=60)
    assert sold.status_code == 201, sold.json()
    assert passed_on.status_code == 201, passed_on.json()
    with app.app_context():
        waiter, later = (
            db.session.get_one(Transfer, r.json()["id"]).transaction_id for r in (passed_on, sold)
        )
        db.session.remove()
    assert waiter < later  # the onward transfer was numbered first, applied second
    registry_verify(app)


def _wait_for_a_lock_waiter() -> None:
    """Until a backend waits for a lock (read outside a transaction: pg_stat_activity is
    one snapshot per transaction)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for _ in range(200):
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the onward transfer never waited for b0's account")
