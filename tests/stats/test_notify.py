"""A rejected check-in tells its resident on WeChat (subscribe message via the sandbox),
queued only once the rejection is committed and sent by the RQ worker."""

from __future__ import annotations

import pytest

from tests.checkins.support import seed
from tests.helpers import bearer
from tests.stats.test_jobs import photo_checkins, run_worker


@pytest.fixture
def op(app, make_operator):
    seed(app)
    return make_operator()[0]


def test_single_reject_sends_one_notice_after_commit(app, client, op, login_resident, sandbox):
    [(record_id, _, _)] = photo_checkins(client, login_resident, 1)
    before = len(sandbox.messages())
    response = client.post(
        f"/api/v1/admin/checkins/{record_id}/reject",
        json={"note": "照片不清晰"},
        headers=bearer(op),
    )
    assert response.status_code == 200, response.get_json()
    again = client.post(
        f"/api/v1/admin/checkins/{record_id}/reject", json={"note": "再次驳回"}, headers=bearer(op)
    )
    assert again.status_code == 409  # rolled back: queues nothing

    run_worker(app)

    [message] = sandbox.messages()[before:]
    assert message["template_id"] == "checkin_review_result"
    assert message["page"] == "pages/records/index"
    assert message["data"]["thing1"]["value"] == "光盘打卡"
    assert message["data"]["thing3"]["value"] == "照片不清晰"


def test_approval_sends_no_rejection_notice(app, client, op, login_resident, sandbox):
    [(record_id, _, _)] = photo_checkins(client, login_resident, 1)
    before = len(sandbox.messages())
    response = client.post(f"/api/v1/admin/checkins/{record_id}/approve", headers=bearer(op))
    assert response.status_code == 200
    run_worker(app)
    assert sandbox.messages()[before:] == []
