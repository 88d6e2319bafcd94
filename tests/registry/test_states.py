"""Each state change of a batch, who may make it, and the refusals with their reasons."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from app.carbon.rules import shanghai_day
from app.db import utcnow
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import (
    ADMIN,
    add_records,
    consent,
    last_month,
    new_holder,
    registry_verify,
    world,
)

VERIFIER = "/api/v1/verifier"


def _draft(app, client, w, records: int = 130) -> dict:
    user_id, token = new_user(app)
    consent(client, token)
    add_records(app, user_id, records)
    start, end = last_month()
    body = {
        "programme_id": w.programme_id,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
    response = w.post(client, f"{ADMIN}/batches", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _reason(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("reason")


def test_draft_submitted_returned_resubmitted_verified_issued(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = _draft(app, client, w)
    assert (batch["status"], batch["member_count"], batch["carbon_g"]) == ("draft", 130, 10400.0)
    bid = batch["id"]

    # Not yet with a verifier: the verifier cannot see it.
    assert _reason(client.get(f"{VERIFIER}/batches/{bid}", headers=bearer(w.verifier))) == (
        404,
        "batch_not_found",
    )
    submitted = w.post(client, f"{ADMIN}/batches/{bid}/submit", {"verifier_id": w.verifier_id})
    assert submitted.get_json()["status"] == "submitted"
    again = w.post(client, f"{ADMIN}/batches/{bid}/submit", {"verifier_id": w.verifier_id})
    assert _reason(again) == (409, "batch_not_draft")
    excluded = w.post(
        client, f"{ADMIN}/batches/{bid}/exclusions", {"record_ids": [1], "reason": "x"}
    )
    assert _reason(excluded) == (409, "batch_not_draft")

    inbox = client.get(f"{VERIFIER}/batches?status=submitted", headers=bearer(w.verifier))
    assert [b["id"] for b in inbox.get_json()["items"]] == [bid]
    evidence = client.get(f"{VERIFIER}/batches/{bid}/evidence", headers=bearer(w.verifier))
    assert evidence.mimetype == "text/csv"
    lines = evidence.data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 130 + 1 and lines[-1].startswith("合计,130,")
    assert "openid" not in evidence.data.decode() and "nickname" not in lines[0]
    no_report = w.post(client, f"{VERIFIER}/batches/{bid}/verify", {"note": ""}, w.verifier)
    assert _reason(no_report) == (409, "report_required")
    returned = w.post(
        client, f"{VERIFIER}/batches/{bid}/return", {"note": "缺少两条记录的凭证"}, w.verifier
    )
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["verification_note"] == "缺少两条记录的凭证"

    # The operator reworks it: two records out, submitted again.
    members = client.get(f"{ADMIN}/batches/{bid}/members?limit=2", headers=bearer(w.op1)).get_json()
    out = [m["record_id"] for m in members["items"]]
    reworked = w.post(
        client, f"{ADMIN}/batches/{bid}/exclusions", {"record_ids": out, "reason": "凭证缺失"}
    )
    assert reworked.status_code == 200, reworked.get_json()
    assert (reworked.get_json()["member_count"], reworked.get_json()["status"]) == (128, "draft")
    assert reworked.get_json()["merkle_root"] != batch["merkle_root"]
    assert (
        w.post(client, f"{ADMIN}/batches/{bid}/submit", {"verifier_id": w.verifier_id}).status_code
        == 200
    )

    upload = client.post(
        f"{VERIFIER}/batches/{bid}/report",
        data={"file": (io.BytesIO(b"%PDF-1.4 report"), "report.pdf")},
        headers=bearer(w.verifier),
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_json()
    assert upload.get_json()["report_sha256"] == hashlib.sha256(b"%PDF-1.4 report").hexdigest()
    verified = w.post(
        client, f"{VERIFIER}/batches/{bid}/verify", {"note": "抽查 20 条，一致"}, w.verifier
    )
    assert verified.get_json()["status"] == "verified"
    assert _reason(w.post(client, f"{VERIFIER}/batches/{bid}/verify", {}, w.verifier)) == (
        409,
        "batch_wrong_state",
    )

    # Four eyes: the operator who assembled and submitted it cannot issue it.
    assert _reason(w.post(client, f"{ADMIN}/batches/{bid}/issue", {}, w.op1)) == (
        409,
        "same_operator",
    )
    issued = w.post(client, f"{ADMIN}/batches/{bid}/issue", {}, w.op2)
    assert issued.get_json()["status"] == "issued"
    assert issued.get_json()["units"] == 10  # 128 x 80 g = 10.24 kg
    assert _reason(w.post(client, f"{ADMIN}/batches/{bid}/issue", {}, w.op2)) == (
        409,
        "batch_wrong_state",
    )
    report = client.get(f"/api/v1/public/registry/batches/{bid}/report")
    assert report.status_code == 200 and report.data == b"%PDF-1.4 report"
    registry_verify(app)


def test_a_record_joins_one_batch_ever(app, client, make_operator):
    w = world(app, client, make_operator)
    first = _draft(app, client, w, records=5)
    start, end = last_month()
    body = {
        "programme_id": w.programme_id,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
    assert _reason(w.post(client, f"{ADMIN}/batches", body)) == (422, "batch_empty")
    # Excluded records stay bound to their batch: they never join another one.
    members = client.get(f"{ADMIN}/batches/{first['id']}/members", headers=bearer(w.op1)).get_json()
    ids = [m["record_id"] for m in members["items"]]
    w.post(
        client, f"{ADMIN}/batches/{first['id']}/exclusions", {"record_ids": ids[:2], "reason": "x"}
    )
    assert _reason(w.post(client, f"{ADMIN}/batches", body)) == (422, "batch_empty")
    with app.app_context():
        from sqlalchemy.exc import IntegrityError

        from app.extensions import db
        from app.registry.models import BatchMember

        db.session.add(
            BatchMember(
                batch_id=first["id"],
                record_id=ids[0],
                user_id=1,
                position=99,
                carbon_mg=1,
                leaf_hash="0" * 64,
            )
        )
        try:
            db.session.commit()
            raise AssertionError("a record joined a batch twice")
        except IntegrityError:
            db.session.rollback()


def test_bad_input_gets_a_reason(app, client, make_operator):
    w = world(app, client, make_operator)
    today = shanghai_day(utcnow())
    start, end = last_month()
    cases = [
        (
            {
                "programme_id": w.programme_id,
                "period_start": start.isoformat(),
                "period_end": today.isoformat(),
            },
            422,
            "invalid_period",
        ),
        (
            {
                "programme_id": w.programme_id,
                "period_start": end.isoformat(),
                "period_end": start.isoformat(),
            },
            422,
            "invalid_period",
        ),
        (
            {"programme_id": 999, "period_start": start.isoformat(), "period_end": end.isoformat()},
            404,
            "programme_not_found",
        ),
        (
            {
                "programme_id": w.programme_id,
                "period_start": "0001-01-01",
                "period_end": end.isoformat(),
            },
            422,
            "validation_error",
        ),
        (
            {
                "programme_id": w.programme_id,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "extra": 1,
            },
            422,
            "validation_error",
        ),
    ]
    for body, status, reason in cases:
        assert _reason(w.post(client, f"{ADMIN}/batches", body)) == (status, reason), body
    assert _reason(
        w.post(client, f"{ADMIN}/programmes", {"scenario": "bus_ride", "methodology_version": 1})
    ) == (409, "programme_exists")
    assert _reason(
        w.post(client, f"{ADMIN}/programmes", {"scenario": "bus_ride", "methodology_version": 9})
    ) == (404, "methodology_version_not_found")
    assert _reason(
        w.post(client, f"{ADMIN}/holders", {"code": "a b", "name": "n", "kind": "enterprise"})
    ) == (
        422,
        "invalid_holder",
    )
    assert _reason(w.post(client, f"{ADMIN}/batches/1/submit", {"verifier_id": 1})) == (
        404,
        "batch_not_found",
    )
    yesterday = today - timedelta(days=1)
    assert yesterday  # the period must be over: today is never inside a batch


def test_roles_are_kept_apart(app, client, make_operator, login_resident):
    w = world(app, client, make_operator)
    resident, _, _ = login_resident()
    holder_id, holder = new_holder(client, w, "ACME", "某企业")
    batch = _draft(app, client, w, records=3)
    bid = batch["id"]
    for token in (resident, holder, w.verifier):
        assert (
            client.post(f"{ADMIN}/batches/{bid}/issue", json={}, headers=bearer(token)).status_code
            == 403
        )
        assert client.get(f"{ADMIN}/batches", headers=bearer(token)).status_code == 403
    for token in (resident, holder, w.op1):
        assert client.get(f"{VERIFIER}/batches", headers=bearer(token)).status_code == 403
    for token in (resident, w.verifier, w.op1):
        assert client.get("/api/v1/holder/holdings", headers=bearer(token)).status_code == 403
    # A second verification body never sees the first one's batches.
    other = w.post(client, f"{ADMIN}/verifiers", {"name": "另一家核查机构"}).get_json()
    w.post(
        client,
        f"{ADMIN}/verifiers/{other['id']}/logins",
        {"username": "other-auditor", "password": "registry-password-1"},
    )
    from tests.registry.support import console_login

    outsider = console_login(client, "other-auditor")
    w.post(client, f"{ADMIN}/batches/{bid}/submit", {"verifier_id": w.verifier_id})
    assert client.get(f"{VERIFIER}/batches/{bid}", headers=bearer(outsider)).status_code == 404
    assert client.get(f"{VERIFIER}/batches", headers=bearer(outsider)).get_json()["items"] == []
    # Drafts are not public; submitted batches are.
    assert client.get(f"/api/v1/public/registry/batches/{bid}").status_code == 200
    assert holder_id
