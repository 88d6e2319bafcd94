"""Residents (issue 17): nickname and avatar checked by WeChat and shown on the leaderboard,
the operator's note on a rejected check-in, the export as a file with the points history,
the subscribe-message templates, and notices to residents who did not subscribe."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.carbon.test_account import _ride
from tests.checkins.support import photo, upload
from tests.helpers import bearer
from tests.stats.test_jobs import run_worker


def _image(colour: tuple[int, int, int], size=(400, 300), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def _avatar(client, token: str, data: bytes):
    return client.post(
        "/api/v1/me/avatar",
        data={"file": (io.BytesIO(data), "avatar.png")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def test_nickname_and_avatar_show_on_the_leaderboard(client, op_token, resident, sandbox):
    token, user, _openid = resident
    assert user["nickname"].startswith("绿友")
    _ride(client, op_token, token)
    named = client.put("/api/v1/me/nickname", json={"nickname": " 低碳 小王 "},
                       headers=bearer(token))  # fmt: skip
    assert named.status_code == 200, named.get_json()
    assert named.get_json()["nickname"] == "低碳 小王"

    before = sandbox.stats()["image_checks"]
    pictured = _avatar(client, token, _image((30, 160, 90)))
    assert pictured.status_code == 200, pictured.get_json()
    url = pictured.get_json()["avatar_url"]
    assert url.startswith("/api/v1/avatars/") and url.endswith(".jpg")
    assert sandbox.stats()["image_checks"] == before + 1

    image = client.get(url)  # no login: others see it on the leaderboard
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert "immutable" in image.headers["Cache-Control"]
    with Image.open(io.BytesIO(image.data)) as stored:
        assert stored.size == (256, 256) and not stored.getexif()

    board = client.get("/api/v1/leaderboard?period=all", headers=bearer(token)).get_json()
    assert board["items"][0] == {
        "rank": 1, "nickname": "低碳 小王", "avatar_url": url, "carbon_g": 80.0,
    }  # fmt: skip
    me = client.get("/api/v1/auth/me", headers=bearer(token)).get_json()
    assert (me["nickname"], me["avatar_url"]) == ("低碳 小王", url)

    replaced = _avatar(client, token, _image((40, 40, 200))).get_json()["avatar_url"]
    assert replaced != url
    assert client.get(url).status_code == 404  # the old file is gone after the commit
    assert client.get(replaced).status_code == 200


def test_refused_content_is_422_and_nothing_changes(client, resident):
    token, user, _openid = resident
    risky = client.put("/api/v1/me/nickname", json={"nickname": "赌博达人"}, headers=bearer(token))
    assert risky.status_code == 422 and risky.get_json()["reason"] == "nickname_rejected"
    reserved = client.put(
        "/api/v1/me/nickname", json={"nickname": "已注销用户"}, headers=bearer(token)
    )
    assert reserved.status_code == 422
    red = _avatar(client, token, _image((230, 10, 20)))  # the sandbox calls red risky
    assert red.status_code == 422 and red.get_json()["reason"] == "avatar_rejected"
    broken = _avatar(client, token, b"not an image")
    assert broken.status_code == 422 and broken.get_json()["reason"] == "invalid_image"
    me = client.get("/api/v1/auth/me", headers=bearer(token)).get_json()
    assert (me["nickname"], me["avatar_url"]) == (user["nickname"], None)
    assert client.get("/api/v1/avatars/" + "0" * 32 + ".jpg").status_code == 404
    assert client.get("/api/v1/avatars/..%2Fx.jpg").status_code == 404


def test_wechat_down_means_no_unchecked_nickname(client, resident, sandbox):
    token, _user, _openid = resident
    sandbox.faults(failing=True)
    down = client.put("/api/v1/me/nickname", json={"nickname": "小绿"}, headers=bearer(token))
    assert down.status_code == 503 and down.get_json()["reason"] == "wechat_unavailable"


def test_profile_changes_are_rate_limited(app, client, resident, monkeypatch):
    monkeypatch.setitem(app.config, "PROFILE_RATE_LIMIT", "2 per hour")
    token, _user, _openid = resident
    answers = [
        client.put("/api/v1/me/nickname", json={"nickname": f"小绿{n}"}, headers=bearer(token))
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]


def test_deletion_erases_the_avatar(client, resident, login_resident):
    token, _user, _openid = resident
    url = _avatar(client, token, _image((30, 160, 90))).get_json()["avatar_url"]
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 204
    assert client.get(url).status_code == 404


def test_a_rejected_checkin_shows_the_operator_note(client, op_token, resident):
    token, _user, _openid = resident
    upload_id = upload(client, token, photo(21)).get_json()["upload_id"]
    made = client.post(
        "/api/v1/checkins",
        json={"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": upload_id}},
        headers=bearer(token),
    ).get_json()
    rejected = client.post(
        f"/api/v1/admin/checkins/{made['id']}/reject",
        json={"note": "照片里没有餐盘"},
        headers=bearer(op_token),
    )
    assert rejected.status_code == 200
    records = client.get("/api/v1/me/carbon-records", headers=bearer(token)).get_json()
    assert [(r["status"], r["decision_note"]) for r in records["items"]] == [
        ("rejected", "照片里没有餐盘")
    ]


def test_the_export_is_a_file_with_the_points_history(client, op_token, resident):
    token, user, _openid = resident
    _ride(client, op_token, token, 2)
    response = client.get("/api/v1/me/export", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="tanpuhui-export-{user["id"]}-' in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.get_json()
    history = data["points_history"]
    assert [(e["amount"], e["balance_after"], e["code"]) for e in history] == [
        (10, 10, "checkin_reward"), (10, 20, "checkin_reward"),
    ]  # fmt: skip
    assert history[1]["prev_hash"] == history[0]["hash"]  # the chain, checkable offline
    assert "coupons" in data and data["user"]["avatar_url"] is None


def test_notice_templates_for_the_mini_program(client):
    body = client.get("/api/v1/notice-templates").get_json()
    assert {i["kind"]: i["template_id"] for i in body["items"]} == {
        "checkin_review": "checkin_review_result",
        "merchant_application": "merchant_application_result",
        "tree_replaced": "tree_replaced",
    }


@pytest.mark.parametrize("subscribed", [True, False])
def test_a_resident_who_did_not_subscribe_is_skipped_not_retried(
    app, client, op_token, login_resident, sandbox, subscribed
):
    token, _user, openid = login_resident()
    sandbox.subscribe(openid, subscribed)
    try:
        upload_id = upload(client, token, photo(22)).get_json()["upload_id"]
        made = client.post(
            "/api/v1/checkins",
            json={"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": upload_id}},
            headers=bearer(token),
        ).get_json()
        before = len(sandbox.messages())
        client.post(f"/api/v1/admin/checkins/{made['id']}/reject", json={"note": "不清晰"},
                    headers=bearer(op_token))  # fmt: skip
        run_worker(app)  # a retried job would still be scheduled: burst ends either way
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry

        from app.jobs import job_queue

        with app.app_context():
            queue = job_queue()
            pending = ScheduledJobRegistry(queue=queue).count + FailedJobRegistry(queue=queue).count
        assert pending == 0  # 43101 is final: not retried, not failed
        assert len(sandbox.messages()) - before == (1 if subscribed else 0)
    finally:
        sandbox.subscribe(openid, True)
