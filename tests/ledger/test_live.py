"""Exact outcomes over real HTTP: gunicorn (4 workers x 4 threads) on the test database."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import service
from app.ledger.models import LedgerTransaction, PointsAdjustment
from app.ledger.verify import verify_ledger
from tests.helpers import bearer

pytestmark = pytest.mark.slow
ADJ = "/api/v1/admin/points/adjustments"


def _post_all(url: str, calls: list[tuple[str, dict, dict | None]]) -> list[requests.Response]:
    """POST every (path, headers, json) at once, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def post(call):
        path, headers, body = call
        with requests.Session() as session:
            barrier.wait()
            return session.post(url + path, headers=headers, json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(post, calls))


@pytest.fixture
def people(app, live_server, login_resident, make_operator):
    _, user, _ = login_resident()
    maker, _ = make_operator("maker", "maker-password")
    checker, _ = make_operator("checker", "checker-password")
    return user["id"], maker, checker


def _create(url: str, maker: str, user_id: int, amount: int) -> int:
    response = requests.post(
        url + ADJ, headers=bearer(maker), timeout=30,
        json={"user_id": user_id, "amount": amount, "reason": "并发测试"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_fifty_approvals_with_one_idempotency_key_make_one_transaction(app, live_server, people):
    user_id, maker, checker = people
    adj_id = _create(live_server.url, maker, user_id, 40)
    headers = {**bearer(checker), "Idempotency-Key": "approve-once"}

    responses = _post_all(live_server.url, [(f"{ADJ}/{adj_id}/approve", headers, None)] * 50)

    assert [r.status_code for r in responses] == [200] * 50, {r.text for r in responses}
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 49
    assert _count(app, LedgerTransaction, LedgerTransaction.code == "adjustment") == 1
    with app.app_context():
        assert service.get_points_balance(user_id) == 40


def test_fifty_creations_with_one_idempotency_key_make_one_adjustment(app, live_server, people):
    user_id, maker, _ = people
    headers = {**bearer(maker), "Idempotency-Key": "create-once"}
    body = {"user_id": user_id, "amount": 5, "reason": "补发"}

    responses = _post_all(live_server.url, [(ADJ, headers, body)] * 50)

    assert [r.status_code for r in responses] == [201] * 50, {r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    assert _count(app, PointsAdjustment) == 1


def test_twenty_debits_of_a_whole_balance_at_once_apply_exactly_one(app, live_server, people):
    user_id, maker, checker = people
    with app.app_context():
        service.earn_points(user_id, 100, code="checkin_reward", reference="e:1", memo="+100")
        db.session.commit()
    ids = [_create(live_server.url, maker, user_id, -100) for _ in range(20)]

    responses = _post_all(
        live_server.url, [(f"{ADJ}/{i}/approve", bearer(checker), None) for i in ids]
    )

    outcomes = Counter("ok" if r.status_code == 200 else r.json().get("reason") for r in responses)
    assert outcomes == {"ok": 1, "insufficient_points": 19}, [r.text for r in responses]
    with app.app_context():
        assert service.get_points_balance(user_id) == 0
        statuses = Counter(
            db.session.scalars(select(PointsAdjustment.status).where(PointsAdjustment.id.in_(ids)))
        )
        assert statuses == {"applied": 1, "pending_approval": 19}
        assert verify_ledger().ok
