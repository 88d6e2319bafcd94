"""Console accounts from the console (issue 17, decision 0942): an operator creates a
second operator (password shown once) so the two-person rules work without the CLI,
disables and enables accounts, resets passwords, gives and takes the operator role; every
change applies to live sessions at once and nobody can lock the console out."""

from __future__ import annotations

import pytest

from tests.helpers import bearer


@pytest.fixture
def op(make_operator):
    token, user = make_operator("chief", "chief-password-1")
    return token, user["id"]


def _login(client, username, password):
    return client.post(
        "/api/v1/auth/operator-login", json={"username": username, "password": password}
    )


def _create(client, token, username="second", nickname="李四"):
    return client.post(
        "/api/v1/admin/accounts",
        json={"username": username, "nickname": nickname},
        headers=bearer(token),
    )


def test_a_second_operator_from_the_console_approves_an_adjustment(client, op, login_resident):
    token, _ = op
    created = _create(client, token)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["account"]["roles"] == ["operator"] and body["account"]["nickname"] == "李四"
    assert len(body["password"]) >= 16
    assert "password" not in str(
        client.get("/api/v1/admin/accounts", headers=bearer(token)).get_json()
    )
    second = _login(client, "second", body["password"])
    assert second.status_code == 200
    second_token = second.get_json()["token"]

    _, resident, _ = login_resident()
    made = client.post(
        "/api/v1/admin/points/adjustments",
        headers=bearer(token),
        json={"user_id": resident["id"], "amount": 50, "reason": "活动补发"},
    )
    assert made.status_code == 201
    same = client.post(
        f"/api/v1/admin/points/adjustments/{made.get_json()['id']}/approve",
        json={},
        headers=bearer(token),
    )
    assert same.get_json()["reason"] == "same_operator"
    other = client.post(
        f"/api/v1/admin/points/adjustments/{made.get_json()['id']}/approve",
        json={},
        headers=bearer(second_token),
    )
    assert other.status_code == 200 and other.get_json()["status"] == "applied"

    taken = _create(client, token)
    assert (taken.status_code, taken.get_json()["reason"]) == (409, "username_taken")
    log = client.get("/api/v1/admin/audit-log?action=users.account.", headers=bearer(token))
    [entry] = log.get_json()["items"]
    assert entry["action"] == "users.account.create" and "password" not in str(entry)


def test_disable_ends_sessions_at_once_and_enable_lets_it_back(client, op):
    token, _ = op
    created = _create(client, token).get_json()
    uid, password = created["account"]["id"], created["password"]
    session = _login(client, "second", password).get_json()["token"]
    assert client.get("/api/v1/admin/stats", headers=bearer(session)).status_code == 200  # cached

    disabled = client.post(f"/api/v1/admin/accounts/{uid}/disable", json={}, headers=bearer(token))
    assert disabled.status_code == 200 and disabled.get_json()["disabled_at"]
    assert disabled.get_json()["last_login_at"] is not None
    assert client.get("/api/v1/admin/stats", headers=bearer(session)).status_code == 401
    refused = _login(client, "second", password)
    assert (refused.status_code, refused.get_json()["reason"]) == (401, "account_disabled")
    wrong = _login(client, "second", "not-the-password")
    assert wrong.get_json()["reason"] == "invalid_credentials"  # says nothing more
    again = client.post(f"/api/v1/admin/accounts/{uid}/disable", json={}, headers=bearer(token))
    assert again.get_json()["reason"] == "account_disabled"

    enabled = client.post(f"/api/v1/admin/accounts/{uid}/enable", json={}, headers=bearer(token))
    assert enabled.status_code == 200 and enabled.get_json()["disabled_at"] is None
    assert _login(client, "second", password).status_code == 200
    twice = client.post(f"/api/v1/admin/accounts/{uid}/enable", json={}, headers=bearer(token))
    assert twice.get_json()["reason"] == "account_not_disabled"


def test_reset_password_shows_a_new_one_once_and_ends_sessions(client, op):
    token, _ = op
    created = _create(client, token).get_json()
    uid, old = created["account"]["id"], created["password"]
    session = _login(client, "second", old).get_json()["token"]
    reset = client.post(
        f"/api/v1/admin/accounts/{uid}/reset-password", json={}, headers=bearer(token)
    )
    assert reset.status_code == 200
    new = reset.get_json()["password"]
    assert new != old
    assert client.get("/api/v1/auth/me", headers=bearer(session)).status_code == 401
    assert _login(client, "second", old).status_code == 401
    assert _login(client, "second", new).status_code == 200


def test_operator_role_is_given_and_taken_at_once(client, op, app):
    token, _ = op
    from tests.browser.support import console_user

    owner_id = console_user(app, "shopowner", "shop-password-1", role="merchant_owner")
    owner = _login(client, "shopowner", "shop-password-1").get_json()["token"]
    assert client.get("/api/v1/admin/stats", headers=bearer(owner)).status_code == 403  # cached

    granted = client.put(f"/api/v1/admin/accounts/{owner_id}/roles/operator", headers=bearer(token))
    assert granted.status_code == 200
    assert granted.get_json()["roles"] == ["merchant_owner", "operator"]
    assert client.get("/api/v1/admin/stats", headers=bearer(owner)).status_code == 200

    revoked = client.delete(
        f"/api/v1/admin/accounts/{owner_id}/roles/operator", headers=bearer(token)
    )
    assert revoked.status_code == 200 and revoked.get_json()["roles"] == ["merchant_owner"]
    assert client.get("/api/v1/admin/stats", headers=bearer(owner)).status_code == 403

    other = client.put(f"/api/v1/admin/accounts/{owner_id}/roles/verifier", headers=bearer(token))
    assert (other.status_code, other.get_json()["reason"]) == (422, "role_not_grantable")
    actions = [
        e["action"]
        for e in client.get(
            f"/api/v1/admin/audit-log?target=user:{owner_id}", headers=bearer(token)
        ).get_json()["items"]
    ]
    assert actions == ["users.role.revoke", "users.role.grant"]

    owners = client.get("/api/v1/admin/accounts?role=merchant_owner", headers=bearer(token))
    assert [a["username"] for a in owners.get_json()["items"]] == ["shopowner"]
    found = client.get("/api/v1/admin/accounts?q=CHIEF", headers=bearer(token))
    assert [a["username"] for a in found.get_json()["items"]] == ["chief"]


def test_nobody_locks_the_console_out(client, op, login_resident):
    token, me = op
    for path in ("disable", "reset-password"):
        own = client.post(f"/api/v1/admin/accounts/{me}/{path}", json={}, headers=bearer(token))
        assert (own.status_code, own.get_json()["reason"]) == (409, "cannot_change_own_account")
    own_role = client.delete(f"/api/v1/admin/accounts/{me}/roles/operator", headers=bearer(token))
    assert own_role.get_json()["reason"] == "cannot_change_own_account"

    created = _create(client, token).get_json()
    second = _login(client, "second", created["password"]).get_json()["token"]
    # The second operator disables the first: fine, one active operator is left.
    assert (
        client.post(
            f"/api/v1/admin/accounts/{me}/disable", json={}, headers=bearer(second)
        ).status_code
        == 200
    )
    # The last active operator is kept (here only reachable through another operator).
    third = _create(client, second, "third", "王五").get_json()
    third_token = _login(client, "third", third["password"]).get_json()["token"]
    assert (
        client.post(
            f"/api/v1/admin/accounts/{created['account']['id']}/disable",
            json={},
            headers=bearer(third_token),
        ).status_code
        == 200
    )
    last = client.post(
        f"/api/v1/admin/accounts/{third['account']['id']}/disable",
        json={},
        headers=bearer(third_token),
    )
    assert last.get_json()["reason"] == "cannot_change_own_account"

    resident_token, resident, _ = login_resident()
    not_console = client.post(
        f"/api/v1/admin/accounts/{resident['id']}/disable", json={}, headers=bearer(third_token)
    )
    assert (not_console.status_code, not_console.get_json()["reason"]) == (404, "account_not_found")
    assert client.get("/api/v1/admin/accounts", headers=bearer(resident_token)).status_code == 403


def test_last_operator_cannot_be_demoted_or_disabled(app, client, op):
    """Through the API the actor is itself an active operator (and may not change itself),
    so the last-operator rule is checked on the service, with an actor that is not one."""
    from app.errors import Conflict
    from app.extensions import db
    from app.users import accounts

    token, me = op
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            accounts.disable_account(actor_id=0, user_id=me)
        assert refused.value.reason == "last_operator"
        with pytest.raises(Conflict) as demoted:
            accounts.set_role(0, me, "operator", granted=False)
        assert demoted.value.reason == "last_operator"
        db.session.rollback()
    assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 200
