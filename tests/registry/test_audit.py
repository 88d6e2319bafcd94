"""The operators' audit log tells a batch's story: who registered the programme, assembled,
submitted, attached the report, verified and issued it (the verifier's steps included)."""

from __future__ import annotations

from tests.helpers import bearer
from tests.registry.support import issued_batch, world


def test_a_batch_story_is_in_the_audit_log(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)
    entries = client.get(
        "/api/v1/admin/audit-log?action=registry.&limit=100", headers=bearer(w.op1)
    ).get_json()["items"]
    story = [(e["action"], e["target"]) for e in reversed(entries) if e["target"].startswith("b")]
    target = f"batch:{batch['id']}"
    assert story == [
        ("registry.batch.assemble", target),
        ("registry.batch.submit", target),
        ("registry.batch.report", target),
        ("registry.batch.verify", target),
        ("registry.batch.issue", target),
    ]
    actors = {e["action"]: e["actor_id"] for e in entries}
    assert actors["registry.batch.verify"] != actors["registry.batch.issue"]
    assert actors["registry.batch.assemble"] != actors["registry.batch.issue"]
    verified = next(e for e in entries if e["action"] == "registry.batch.verify")
    assert verified["before"] == {"note": "ok"} and verified["after"]["status"] == "verified"
