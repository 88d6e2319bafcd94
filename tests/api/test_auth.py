"""Login, logout, roles and the error body, through the real HTTP stack."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.users.models import User
from tests.helpers import bearer


def test_wx_login_creates_a_resident_and_the_token_works(client, sandbox):
    minted = sandbox.login_code()
    response = client.post("/api/v1/auth/wx-login", json={"code": minted["code"]})

    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["roles"] == ["resident"]
    assert body["expires_in"] > 0
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json()["id"] == body["user"]["id"]


def test_second_login_of_the_same_openid_is_the_same_user(login_resident):
    _, first, openid = login_resident()
    _, second, _ = login_resident(openid)
    assert first["id"] == second["id"]


def test_reused_code_is_refused(client, sandbox):
    code = sandbox.login_code()["code"]
    assert client.post("/api/v1/auth/wx-login", json={"code": code}).status_code == 200

    again = client.post("/api/v1/auth/wx-login", json={"code": code})

    assert again.status_code == 401
    assert again.get_json()["reason"] == "wechat_login_failed"


def test_unknown_code_is_refused(client, sandbox):
    response = client.post("/api/v1/auth/wx-login", json={"code": "never-minted"})
    assert response.status_code == 401
    assert response.get_json()["reason"] == "wechat_login_failed"


def test_unknown_field_is_rejected_with_422(client):
    response = client.post("/api/v1/auth/wx-login", json={"code": "abc", "admin": True})

    assert response.status_code == 422
    body = response.get_json()
    assert body["reason"] == "validation_error"
    assert "admin" in body["errors"]
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"


def test_missing_and_non_json_bodies_are_422_not_500(client):
    assert client.post("/api/v1/auth/wx-login", json={}).status_code == 422
    response = client.post("/api/v1/auth/wx-login", data="code=1", content_type="text/plain")
    assert response.status_code in (415, 422)
    assert "reason" in response.get_json()


def test_logout_kills_the_token(client, login_resident):
    token, _, _ = login_resident()
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200

    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204

    after = client.get("/api/v1/auth/me", headers=bearer(token))
    assert after.status_code == 401
    assert after.get_json()["reason"] == "invalid_token"


def test_logout_holds_even_when_redis_forgets(client, login_resident, app_settings):
    import redis

    token, _, _ = login_resident()
    client.get("/api/v1/auth/me", headers=bearer(token))  # cached in Redis now
    client.post("/api/v1/auth/logout", headers=bearer(token))
    redis.Redis.from_url(app_settings["REDIS_URL"]).flushdb()

    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401


def test_expired_token_is_refused(app, client, login_resident):
    from datetime import timedelta

    from app.db import utcnow
    from app.users.models import AuthToken

    token, _, _ = login_resident()
    with app.app_context():
        db.session.execute(
            AuthToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()

    response = client.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["reason"] == "invalid_token"


def test_missing_or_garbage_token_is_401(client):
    assert client.get("/api/v1/auth/me").get_json()["reason"] == "missing_token"
    response = client.get("/api/v1/auth/me", headers=bearer("garbage"))
    assert response.status_code == 401
    assert response.get_json()["reason"] == "invalid_token"


def test_operator_route_refuses_a_resident(client, login_resident, make_operator):
    token, user, _ = login_resident()

    refused = client.get(f"/api/v1/admin/users/{user['id']}", headers=bearer(token))

    assert refused.status_code == 403
    assert refused.get_json()["reason"] == "forbidden"
    op_token, _ = make_operator()
    allowed = client.get(f"/api/v1/admin/users/{user['id']}", headers=bearer(op_token))
    assert allowed.status_code == 200
    assert allowed.get_json()["roles"] == ["resident"]
    missing = client.get("/api/v1/admin/users/999999", headers=bearer(op_token))
    assert missing.status_code == 404
    assert missing.get_json()["reason"] == "user_not_found"


def test_operator_login_wrong_password(client, make_operator):
    make_operator("alice", "right-password")
    response = client.post(
        "/api/v1/auth/operator-login", json={"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.get_json()["reason"] == "invalid_credentials"
    unknown = client.post(
        "/api/v1/auth/operator-login", json={"username": "nobody", "password": "x"}
    )
    assert unknown.get_json()["reason"] == "invalid_credentials"


def test_operator_login_attempts_are_rate_limited_per_username(client, make_operator):
    make_operator("bob", "right-password")  # a successful login: it does not count
    statuses = [
        client.post(
            "/api/v1/auth/operator-login", json={"username": "bob", "password": "guess"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2
    limited = client.post(
        "/api/v1/auth/operator-login", json={"username": "bob", "password": "right-password"}
    )
    assert limited.status_code == 429
    assert limited.get_json()["reason"] == "rate_limited"
    other = client.post(
        "/api/v1/auth/operator-login", json={"username": "carol", "password": "guess"}
    )
    assert other.status_code == 401  # another username has its own budget


def test_session_key_never_leaves_the_server(app, client, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    minted = sandbox.login_code()
    response = client.post("/api/v1/auth/wx-login", json={"code": minted["code"]})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.openid == minted["openid"]))
        from app.wechat import wechat

        session_key = wechat.decrypt_session_key(user.wx_session_key_enc)

    assert len(session_key) == 24  # base64 of 16 bytes, as WeChat sends it
    assert session_key not in response.get_data(as_text=True)
    assert session_key not in user.wx_session_key_enc  # encrypted at rest
    assert all(session_key not in record.getMessage() for record in caplog.records)


def test_wechat_down_gives_a_clear_503(client, sandbox):
    code = sandbox.login_code()["code"]
    sandbox.faults(failing=True)

    response = client.post("/api/v1/auth/wx-login", json={"code": code})

    assert response.status_code == 503
    assert response.get_json()["reason"] == "wechat_unavailable"


LOGIN = "/api/v1/auth/operator-login"


def test_one_address_spraying_a_password_over_usernames_is_stopped(client, make_operator):
    """LOGIN_IP_RATE_LIMIT (20 per 10 minutes) counts failures from one address across
    usernames; each username alone stays far below its own limit."""
    make_operator("admin", "the-admin-password")
    statuses = [
        client.post(LOGIN, json={"username": f"user{i}", "password": "123456"}).status_code
        for i in range(25)
    ]
    assert statuses == [401] * 20 + [429] * 5
    # Even the right password waits: the address is what is limited.
    right = client.post(LOGIN, json={"username": "admin", "password": "the-admin-password"})
    assert right.status_code == 429
    assert right.get_json()["reason"] == "rate_limited"


def test_a_locked_username_still_opens_from_an_address_that_has_not_failed(
    app_settings, make_operator
):
    from tests.conftest import make_app

    make_operator("admin", "the-admin-password")
    behind_proxy = make_app(app_settings, PROXY_FIX_X_FOR=1).test_client()

    def login(password: str, address: str) -> int:
        body = {"username": "admin", "password": password}
        return behind_proxy.post(LOGIN, json=body, headers={"X-Forwarded-For": address}).status_code

    attacker, operator = "203.0.113.5", "198.51.100.7"
    assert [login("guess", attacker) for _ in range(7)] == [401] * 5 + [429] * 2
    assert login("the-admin-password", attacker) == 429  # locked for the address that failed
    assert login("the-admin-password", operator) == 200  # not for the one that did not
    # An address gets one guess at a locked username; after failing it waits too.
    newcomer = "192.0.2.44"
    assert login("guess", newcomer) == 401
    assert login("the-admin-password", newcomer) == 429


def test_without_proxy_fix_x_forwarded_for_is_not_the_client(client, make_operator):
    make_operator("admin", "the-admin-password")
    for i in range(5):
        body = {"username": "admin", "password": "guess"}
        client.post(LOGIN, json=body, headers={"X-Forwarded-For": f"192.0.2.{i}"})
    body = {"username": "admin", "password": "the-admin-password"}
    forged = client.post(LOGIN, json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    assert forged.status_code == 429  # the same socket address that failed: still locked


def test_login_limits_need_redis_and_say_so(app, client, monkeypatch, tmp_path):
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    gone = storage_from_string(f"redis+unix://{tmp_path}/no-redis-here.sock")
    monkeypatch.setitem(app.extensions, "fixed_window_limiter", FixedWindowRateLimiter(gone))
    response = client.post(LOGIN, json={"username": "admin", "password": "guess"})
    assert response.status_code == 503
    assert response.get_json()["reason"] == "rate_limiter_unavailable"
