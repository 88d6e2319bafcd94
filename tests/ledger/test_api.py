"""HTTP: the resident's points history and the operators' two-person adjustments."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.ledger import service
from app.ledger.models import LedgerTransaction, PointsAdjustment
from tests.helpers import bearer

ADJ = "/api/v1/admin/points/adjustments"


def _earn(app, user_id: int, amount: int, ref: str) -> None:
    with app.app_context():
        service.earn_points(
            user_id, amount, code="checkin_reward", reference=ref, memo=f"光盘打卡 +{amount}"
        )
        db.session.commit()


def test_my_ledger_pages_newest_first_with_balance_after(app, client, login_resident):
    token, user, _ = login_resident()
    other_token, other, _ = login_resident()
    for n in range(1, 24):
        _earn(app, user["id"], n, f"checkin:{n}")
    _earn(app, other["id"], 99, "checkin:other")

    pages, cursor = [], None
    while True:
        query = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/me/ledger", query_string=query, headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [10, 10, 3]
    rows = [row for page in pages for row in page]
    assert [r["amount"] for r in rows] == list(range(23, 0, -1))
    assert rows[0]["balance_after"] == sum(range(1, 24)) and rows[-1]["balance_after"] == 1
    assert rows[0]["code"] == "checkin_reward" and rows[0]["memo"] == "光盘打卡 +23"
    assert set(rows[0]) >= {"id", "created_at", "amount", "balance_after", "code", "memo"}
    theirs = client.get("/api/v1/me/ledger", headers=bearer(other_token)).get_json()
    assert [r["amount"] for r in theirs["items"]] == [99]


def test_my_ledger_errors(client, login_resident, make_operator):
    token, _, _ = login_resident()
    op_token, _ = make_operator()
    assert client.get("/api/v1/me/ledger").get_json()["reason"] == "missing_token"
    assert client.get("/api/v1/me/ledger", headers=bearer(op_token)).status_code == 403
    bad = client.get("/api/v1/me/ledger?cursor=nope!", headers=bearer(token))
    assert (bad.status_code, bad.get_json()["reason"]) == (400, "invalid_cursor")
    too_big = client.get("/api/v1/me/ledger?limit=101", headers=bearer(token))
    assert too_big.status_code == 422
    empty = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()
    assert empty == {"items": [], "next_cursor": None}


def test_my_expiring_points(app, client, login_resident):
    token, user, _ = login_resident()
    _earn(app, user["id"], 8, "checkin:1")
    body = client.get("/api/v1/me/points/expiring", headers=bearer(token)).get_json()
    assert len(body["items"]) == 1 and body["items"][0]["points"] == 8
    assert body["items"][0]["expires_at"].endswith(("+00:00", "Z"))


def _operators(make_operator) -> tuple[str, str, int]:
    maker, maker_user = make_operator("maker", "maker-password")
    checker, _ = make_operator("checker", "checker-password")
    return maker, checker, maker_user["id"]


def test_two_people_move_points_and_each_step_is_audited(client, login_resident, make_operator):
    token, user, _ = login_resident()
    maker, checker, maker_id = _operators(make_operator)

    created = client.post(
        ADJ, json={"user_id": user["id"], "amount": 50, "reason": "补发活动积分"},
        headers=bearer(maker),
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    adjustment = created.get_json()
    assert adjustment["status"] == "pending_approval" and adjustment["maker_id"] == maker_id
    adj_id = adjustment["id"]
    assert client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"] == []

    own = client.post(f"{ADJ}/{adj_id}/approve", headers=bearer(maker))
    assert (own.status_code, own.get_json()["reason"]) == (409, "same_operator")

    approved = client.post(f"{ADJ}/{adj_id}/approve", json={"note": "核实无误"},
                           headers=bearer(checker))  # fmt: skip
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["id"] == adj_id and approved.get_json()["status"] == "applied"
    assert approved.get_json()["transaction_id"]

    again = client.post(f"{ADJ}/{adj_id}/approve", headers=bearer(checker))
    assert (again.status_code, again.get_json()["reason"]) == (409, "adjustment_not_pending")
    history = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"]
    assert [(r["amount"], r["code"], r["memo"]) for r in history] == [
        (50, "adjustment", "人工调整 +50")
    ]

    audit = client.get(
        "/api/v1/admin/audit-log", query_string={"target": f"adjustment:{adj_id}"},
        headers=bearer(checker),
    ).get_json()["items"]  # fmt: skip
    assert [a["action"] for a in audit] == [
        "points.adjustment.approve",
        "points.adjustment.create",
    ]
    assert audit[0]["before"]["status"] == "pending_approval"
    assert audit[0]["after"]["status"] == "applied" and audit[0]["after"]["note"] == "核实无误"
    assert audit[1]["actor_id"] == maker_id and audit[1]["after"]["amount"] == 50

    looked_up = client.get(f"/api/v1/admin/points/users/{user['id']}", headers=bearer(checker))
    assert looked_up.get_json()["points_balance"] == 50


def test_a_debit_larger_than_the_balance_is_refused_and_stays_pending(
    app, client, login_resident, make_operator
):
    _, user, _ = login_resident()
    maker, checker, _ = _operators(make_operator)
    _earn(app, user["id"], 30, "checkin:1")
    adj_id = client.post(
        ADJ, json={"user_id": user["id"], "amount": -31, "reason": "撤销违规积分"},
        headers=bearer(maker),
    ).get_json()["id"]  # fmt: skip

    refused = client.post(f"{ADJ}/{adj_id}/approve", headers=bearer(checker))

    assert (refused.status_code, refused.get_json()["reason"]) == (409, "insufficient_points")
    pending = client.get(f"{ADJ}/{adj_id}", headers=bearer(checker)).get_json()
    assert pending["status"] == "pending_approval"
    queue = client.get(ADJ, query_string={"status": "pending_approval"}, headers=bearer(checker))
    assert [a["id"] for a in queue.get_json()["items"]] == [adj_id]

    rejected = client.post(f"{ADJ}/{adj_id}/reject", json={"note": "金额有误"},
                           headers=bearer(checker))  # fmt: skip
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    late = client.post(f"{ADJ}/{adj_id}/approve", headers=bearer(checker))
    assert late.get_json()["reason"] == "adjustment_not_pending"
    with app.app_context():
        assert service.get_points_balance(user["id"]) == 30


def test_adjustment_errors(client, login_resident, make_operator):
    resident_token, user, _ = login_resident()
    maker, checker, _ = _operators(make_operator)
    body = {"user_id": user["id"], "amount": 5, "reason": "补发"}

    assert client.post(ADJ, json=body).status_code == 401
    forbidden = client.post(ADJ, json=body, headers=bearer(resident_token))
    assert (forbidden.status_code, forbidden.get_json()["reason"]) == (403, "forbidden")
    missing = client.post(ADJ, json={**body, "user_id": 999_999}, headers=bearer(maker))
    assert (missing.status_code, missing.get_json()["reason"]) == (404, "user_not_found")
    for bad in ({**body, "amount": 0}, {**body, "amount": 1.5}, {**body, "amount": "5"},
                {**body, "extra": 1}, {"user_id": user["id"], "amount": 5}):  # fmt: skip
        response = client.post(ADJ, json=bad, headers=bearer(maker))
        assert response.status_code == 422, bad
        assert response.get_json()["reason"] == "validation_error"
    unknown = client.post(f"{ADJ}/424242/approve", headers=bearer(checker))
    assert (unknown.status_code, unknown.get_json()["reason"]) == (404, "adjustment_not_found")
    assert client.get(f"{ADJ}/424242", headers=bearer(checker)).status_code == 404
    bad_filter = client.get(ADJ, query_string={"status": "nope"}, headers=bearer(checker))
    assert bad_filter.status_code == 422
    nobody = client.get("/api/v1/admin/points/users/999999", headers=bearer(checker))
    assert nobody.status_code == 404


def test_create_with_an_idempotency_key_makes_one_adjustment(app, client, login_resident,
                                                             make_operator):  # fmt: skip
    _, user, _ = login_resident()
    maker, _, _ = _operators(make_operator)
    headers = {**bearer(maker), "Idempotency-Key": "adj-1"}
    body = {"user_id": user["id"], "amount": 5, "reason": "补发"}

    first = client.post(ADJ, json=body, headers=headers)
    again = client.post(ADJ, json=body, headers=headers)
    other = client.post(ADJ, json={**body, "amount": 6}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert (other.status_code, other.get_json()["reason"]) == (422, "idempotency_key_reused")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PointsAdjustment)) == 1


def test_approve_stores_the_idempotency_key_on_the_ledger_transaction(
    app, client, login_resident, make_operator
):
    _, user, _ = login_resident()
    maker, checker, _ = _operators(make_operator)
    adj_id = client.post(ADJ, json={"user_id": user["id"], "amount": 5, "reason": "补发"},
                         headers=bearer(maker)).get_json()["id"]  # fmt: skip
    headers = {**bearer(checker), "Idempotency-Key": "approve-1"}

    first = client.post(f"{ADJ}/{adj_id}/approve", headers=headers)
    replay = client.post(f"{ADJ}/{adj_id}/approve", headers=headers)

    assert first.status_code == replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        txn = db.session.get(LedgerTransaction, first.get_json()["transaction_id"])
        assert txn.idempotency_key.endswith(":approve-1") and txn.request_hash
        assert txn.reference == f"adjustment:{adj_id}"
