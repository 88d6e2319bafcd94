"""Joining the alliance: a resident applies from the mini-program, an operator approves
(the applicant becomes merchant_owner) or rejects with a reason; notices after commit."""

from __future__ import annotations

import pytest

from tests.checkins.support import photo, upload
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.stats.test_jobs import run_worker

SHOP = {
    "name": "绿叶便利店",
    "address": "泸州市江阳区酒城大道 88 号",
    "phone": "0830-1234567",
    "opening_hours": "每天 8:00-22:00",
    "latitude_e6": 28_871_234,
    "longitude_e6": 105_443_210,
}


@pytest.fixture
def operator(app):
    return bearer(new_user(app, roles=("operator",))[1])


@pytest.fixture
def applicant(login_resident):
    token, user, _openid = login_resident()
    return token, user


def _apply(client, token: str, **changes):
    licence = upload(client, token, photo(7)).get_json()["upload_id"]
    body = {**SHOP, "licence_upload_id": licence, **changes}
    return client.post("/api/v1/me/merchant-applications", json=body, headers=bearer(token))


def test_apply_approve_makes_the_applicant_merchant_owner(
    app, client, applicant, operator, sandbox
):
    token, user = applicant
    applied = _apply(client, token)
    assert applied.status_code == 201, applied.get_json()
    application = applied.get_json()
    assert application["status"] == "pending" and application["user_id"] == user["id"]
    assert application["opening_hours"] == "每天 8:00-22:00"

    queue = client.get("/api/v1/admin/merchant-applications?status=pending", headers=operator)
    assert [a["id"] for a in queue.get_json()["items"]] == [application["id"]]
    photo_of = client.get(
        f"/api/v1/admin/uploads/{application['licence_upload_id']}", headers=operator
    )
    assert photo_of.status_code == 200 and photo_of.mimetype.startswith("image/")

    before = len(sandbox.messages())
    approved = client.post(
        f"/api/v1/admin/merchant-applications/{application['id']}/approve", headers=operator
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    merchant_id = approved.get_json()["merchant_id"]
    assert merchant_id

    me = client.get("/api/v1/auth/me", headers=bearer(token)).get_json()
    assert "merchant_owner" in me["roles"]
    profile = client.get("/api/v1/merchant/profile", headers=bearer(token)).get_json()
    assert profile["id"] == merchant_id
    assert (profile["address"], profile["phone"], profile["latitude_e6"]) == (
        SHOP["address"], SHOP["phone"], SHOP["latitude_e6"],
    )  # fmt: skip
    again = client.post(
        f"/api/v1/admin/merchant-applications/{application['id']}/reject",
        json={"reason": "晚了"},
        headers=operator,
    )
    assert again.status_code == 409 and again.get_json()["reason"] == "application_decided"

    run_worker(app)
    [notice] = sandbox.messages()[before:]
    assert notice["template_id"] == "merchant_application_result"
    assert notice["page"] == "merchant/index/index"
    assert notice["data"]["phrase2"]["value"] == "已通过"
    audit = client.get("/api/v1/admin/audit-log?action=merchant_application.", headers=operator)
    assert [e["action"] for e in audit.get_json()["items"]] == ["merchant_application.approve"]


def test_reject_keeps_the_reason_and_the_resident_may_apply_again(
    app, client, applicant, operator, sandbox
):
    token, _user = applicant
    first = _apply(client, token).get_json()
    second = _apply(client, token, name="另一家店")
    assert second.status_code == 409 and second.get_json()["reason"] == "application_pending"

    before = len(sandbox.messages())
    rejected = client.post(
        f"/api/v1/admin/merchant-applications/{first['id']}/reject",
        json={"reason": "营业执照照片不清晰"},
        headers=operator,
    )
    assert rejected.status_code == 200, rejected.get_json()
    mine = client.get("/api/v1/me/merchant-applications", headers=bearer(token)).get_json()
    assert [(a["status"], a["review_note"]) for a in mine["items"]] == [
        ("rejected", "营业执照照片不清晰")
    ]
    me = client.get("/api/v1/auth/me", headers=bearer(token)).get_json()
    assert "merchant_owner" not in me["roles"]
    run_worker(app)
    [notice] = sandbox.messages()[before:]
    assert notice["page"] == "pages/merchant-apply/index"
    assert notice["data"]["thing3"]["value"] == "营业执照照片不清晰"

    assert _apply(client, token).status_code == 201  # decided: a new one may be filed


def test_withdraw_then_the_operator_finds_it_decided(client, applicant, operator):
    token, _user = applicant
    application = _apply(client, token).get_json()
    path = f"/api/v1/me/merchant-applications/{application['id']}/withdraw"
    assert client.post(path, headers=bearer(token)).get_json()["status"] == "withdrawn"
    again = client.post(path, headers=bearer(token))
    assert again.status_code == 409 and again.get_json()["reason"] == "application_decided"
    approve = client.post(
        f"/api/v1/admin/merchant-applications/{application['id']}/approve", headers=operator
    )
    assert approve.status_code == 409


def test_someone_elses_application_or_licence_is_not_found(app, client, applicant, operator):
    token, _user = applicant
    application = _apply(client, token).get_json()
    _other_id, other = new_user(app)
    stranger = client.post(
        f"/api/v1/me/merchant-applications/{application['id']}/withdraw", headers=bearer(other)
    )
    assert stranger.status_code == 404 and stranger.get_json()["reason"] == "application_not_found"
    borrowed = client.post(
        "/api/v1/me/merchant-applications",
        json={**SHOP, "licence_upload_id": application["licence_upload_id"]},
        headers=bearer(other),
    )
    assert borrowed.status_code == 404 and borrowed.get_json()["reason"] == "upload_not_found"
    missing = client.get("/api/v1/admin/merchant-applications/999999", headers=operator)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"phone": "call me"}, "phone"),
        ({"latitude_e6": 91_000_000}, "latitude_e6"),
        ({"longitude_e6": "105.4"}, "longitude_e6"),
        ({"opening_hours": "x" * 101}, "opening_hours"),
        ({"owner_user_id": 1}, "owner_user_id"),
    ],
)
def test_invalid_applications_are_422(client, applicant, changes, field):
    token, _user = applicant
    response = _apply(client, token, **changes)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_merchant_staff_member_cannot_apply(app, client, login_resident, operator):
    token, user, _ = login_resident()
    made = client.post(
        "/api/v1/admin/merchants", json={"name": "老店", "owner_user_id": user["id"]},
        headers=operator,
    )  # fmt: skip
    assert made.status_code == 201
    response = _apply(client, token)
    assert response.status_code == 409 and response.get_json()["reason"] == "already_merchant_staff"


def test_approval_refused_when_the_applicant_joined_a_merchant_meanwhile(
    client, applicant, operator
):
    token, user = applicant
    application = _apply(client, token).get_json()
    shop = client.post(
        "/api/v1/admin/merchants", json={"name": "老店", "owner_user_id": user["id"]},
        headers=operator,
    )  # fmt: skip
    assert shop.status_code == 201
    approve = client.post(
        f"/api/v1/admin/merchant-applications/{application['id']}/approve", headers=operator
    )
    assert approve.status_code == 409 and approve.get_json()["reason"] == "already_merchant_staff"
    still = client.get(f"/api/v1/admin/merchant-applications/{application['id']}", headers=operator)
    assert still.get_json()["status"] == "pending"  # rolled back as a whole


def test_account_deletion_withdraws_a_pending_application(client, applicant, operator):
    token, _user = applicant
    application = _apply(client, token).get_json()
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 204
    after = client.get(f"/api/v1/admin/merchant-applications/{application['id']}", headers=operator)
    assert after.get_json()["status"] == "withdrawn"


def test_only_operators_see_the_queue(client, applicant):
    token, _user = applicant
    response = client.get("/api/v1/admin/merchant-applications", headers=bearer(token))
    assert response.status_code == 403
