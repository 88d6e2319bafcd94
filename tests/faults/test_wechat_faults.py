"""WeChat slow or failing: login answers with a clear error within a bounded time."""

from __future__ import annotations

import time

from tests.conftest import make_app


def test_slow_wechat_gives_503_within_the_timeout(app_settings, sandbox):
    application = make_app(app_settings, WECHAT_TIMEOUT_SECONDS=0.5)
    code = sandbox.login_code()["code"]
    sandbox.faults(delay_seconds=3)

    started = time.monotonic()
    response = application.test_client().post("/api/v1/auth/wx-login", json={"code": code})
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.get_json()["reason"] == "wechat_unavailable"
    assert elapsed < 2.0


def test_wechat_recovers_after_a_failure(client, sandbox):
    code = sandbox.login_code()["code"]
    sandbox.faults(failing=True)
    assert client.post("/api/v1/auth/wx-login", json={"code": code}).status_code == 503
    sandbox.faults()
    # The failed attempt did not burn the code at WeChat, so the retry logs in.
    assert client.post("/api/v1/auth/wx-login", json={"code": code}).status_code == 200


def test_unreachable_wechat_gives_503(app_settings):
    """Nothing listens at the WeChat address (network cut, wrong host): a clear 503."""
    from bench.servers import free_port

    closed = f"http://127.0.0.1:{free_port()}/"
    application = make_app(app_settings, WECHAT_API_BASE_URL=closed, WECHAT_TIMEOUT_SECONDS=0.5)
    response = application.test_client().post("/api/v1/auth/wx-login", json={"code": "any"})

    assert response.status_code == 503
    assert response.get_json()["reason"] == "wechat_unavailable"
