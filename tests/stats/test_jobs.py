"""Console background jobs on a real RQ worker (SimpleWorker, burst) and the test Redis:
bulk review with progress and WeChat notices, CSV exports, the points expiry run."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from rq import SimpleWorker

from app.db import utcnow
from app.extensions import db
from app.jobs import job_queue
from tests.checkins.support import photo, seed, upload
from tests.helpers import bearer
from tests.mall.factories import balance_of, new_user


@pytest.fixture
def op(app, make_operator):
    seed(app)
    return make_operator()[0]


def run_worker(app) -> None:
    """Run every queued job to the end with a real RQ worker, in this thread."""
    with app.app_context():
        queue = job_queue()
        SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer).work(
            burst=True
        )
        db.session.remove()


def photo_checkins(client, login_resident, n: int) -> list[tuple[int, str, dict]]:
    """n residents each with one pending photo check-in: [(record id, token, user)]."""
    made = []
    for i in range(n):
        token, user, _ = login_resident()
        upload_id = upload(client, token, photo(100 + i)).get_json()["upload_id"]
        response = client.post(
            "/api/v1/checkins",
            json={"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": upload_id}},
            headers=bearer(token),
        )
        assert response.status_code == 201 and response.get_json()["status"] == "pending"
        made.append((response.get_json()["id"], token, user))
    return made


def start(client, op, path, body, **headers):
    response = client.post(
        f"/api/v1/admin/jobs/{path}", json=body, headers={**bearer(op), **headers}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def job(client, op, job_id):
    response = client.get(f"/api/v1/admin/jobs/{job_id}", headers=bearer(op))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_bulk_approve_runs_on_the_worker_with_progress(app, client, op, login_resident):
    made = photo_checkins(client, login_resident, 4)
    ids = [record_id for record_id, _, _ in made]
    ids.append(ids[0])  # twice in one batch: the second is refused, the others go through
    queued = start(client, op, "checkin-review", {"record_ids": ids, "decision": "approve"})
    assert queued["status"] == "queued" and queued["total"] == 5 and queued["done"] == 0

    run_worker(app)

    done = job(client, op, queued["id"])
    assert done["status"] == "finished" and done["done"] == done["total"] == 5
    assert done["result"]["succeeded"] == 4
    assert done["result"]["failed"] == [
        {"id": ids[0], "reason": "already_decided", "message": "该打卡已审核"}
    ]
    for _, _, user in made:
        assert balance_of(app, user["id"]) == 5  # clean_plate pays 5 per meal
    queue = client.get("/api/v1/admin/checkins?status=pending", headers=bearer(op)).get_json()
    assert queue["items"] == []
    audit = client.get(
        "/api/v1/admin/audit-log?action=checkins.bulk_review", headers=bearer(op)
    ).get_json()["items"]
    assert audit[0]["target"] == f"job:{queued['id']}"
    assert audit[0]["after"]["succeeded"] == 4 and audit[0]["before"]["record_ids"] == ids


def test_bulk_reject_notifies_each_resident(app, client, op, login_resident, sandbox):
    made = photo_checkins(client, login_resident, 2)
    before = len(sandbox.messages())
    queued = start(
        client, op, "checkin-review",
        {"record_ids": [r for r, _, _ in made], "decision": "reject", "note": "照片与场景不符"},
    )  # fmt: skip
    run_worker(app)
    assert job(client, op, queued["id"])["result"]["succeeded"] == 2
    messages = sandbox.messages()[before:]
    assert len(messages) == 2
    assert {m["touser"] for m in messages} == {
        openid for openid in _openids(app, [u["id"] for _, _, u in made])
    }
    assert all(m["data"]["thing3"]["value"] == "照片与场景不符" for m in messages)
    assert all(m["data"]["phrase2"]["value"] == "未通过" for m in messages)
    for _, _, user in made:
        assert balance_of(app, user["id"]) == 0


def _openids(app, user_ids):
    from app.users.models import User

    with app.app_context():
        values = [db.session.get(User, uid).openid for uid in user_ids]
        db.session.remove()
    return values


def test_export_job_writes_a_csv_to_download(app, client, op, login_resident):
    made = photo_checkins(client, login_resident, 3)
    queued = start(client, op, "exports", {"table": "checkins"})
    not_yet = client.get(f"/api/v1/admin/jobs/{queued['id']}/file", headers=bearer(op))
    assert not_yet.status_code == 404 and not_yet.get_json()["reason"] == "export_not_ready"

    run_worker(app)

    done = job(client, op, queued["id"])
    assert done["status"] == "finished" and done["result"]["rows"] == 3 == done["total"]
    response = client.get(f"/api/v1/admin/jobs/{queued['id']}/file", headers=bearer(op))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(r["id"]) for r in rows] == sorted(r for r, _, _ in made)
    assert {r["status"] for r in rows} == {"pending"} and rows[0]["scenario"] == "clean_plate"
    assert all(r["created_at"].endswith("+08:00") for r in rows)  # Beijing time (issue 17)
    audit = client.get("/api/v1/admin/audit-log?action=export.csv", headers=bearer(op)).get_json()
    assert audit["items"][0]["after"] == {"rows": 3}


def test_points_expiry_job_expires_due_points(app, client, op):
    from app.ledger.service import earn_points

    user_id, _ = new_user(app)
    with app.app_context():
        earn_points(user_id, 7, code="test_grant", reference="grant:old", memo="测试",
                    expires_at=utcnow() - timedelta(days=1))  # fmt: skip
        earn_points(user_id, 3, code="test_grant", reference="grant:new", memo="测试",
                    expires_at=utcnow() + timedelta(days=30))  # fmt: skip
        db.session.commit()
        db.session.remove()
    queued = start(client, op, "points-expiry", {}, **{"Idempotency-Key": "expiry-1"})
    replay = client.post(
        "/api/v1/admin/jobs/points-expiry", json={},
        headers={**bearer(op), "Idempotency-Key": "expiry-1"},
    )  # fmt: skip
    assert replay.get_json()["id"] == queued["id"]  # a double click starts one run

    run_worker(app)

    done = job(client, op, queued["id"])
    assert done["status"] == "finished", done
    assert done["result"]["points"] == 7 and done["result"]["accounts"] == 1
    assert balance_of(app, user_id) == 3
    stats = client.get("/api/v1/admin/stats", headers=bearer(op)).get_json()
    assert stats["points_expired"] == 7 and stats["points"]["expired"][-1] == 7


def test_jobs_are_private_and_validated(app, client, op, make_operator):
    queued = start(client, op, "exports", {"table": "audit"})
    other, _ = make_operator("op2", "op-password-2")
    assert (
        client.get(f"/api/v1/admin/jobs/{queued['id']}", headers=bearer(other)).status_code == 404
    )
    assert client.get("/api/v1/admin/jobs/nope", headers=bearer(op)).status_code == 404
    bad = client.post("/api/v1/admin/jobs/exports", json={"table": "users"}, headers=bearer(op))
    assert bad.status_code == 422
    too_many = client.post(
        "/api/v1/admin/jobs/checkin-review",
        json={"record_ids": list(range(1, 502)), "decision": "approve"},
        headers=bearer(op),
    )
    assert too_many.status_code == 422
    run_worker(app)  # leave no job behind
