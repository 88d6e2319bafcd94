"""Four gunicorn workers share ONE Redis: counters and the WeChat token add up across them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.extensions import db
from app.users.service import create_console_user
from app.wechat.client import ProjectWeChatClient

pytestmark = pytest.mark.slow


def _post_fresh_connection(url: str, body: dict) -> requests.Response:
    # A new connection per request, so the kernel hands them to different workers.
    return requests.post(url, json=body, timeout=10, headers={"Connection": "close"})


def test_login_attempt_counter_adds_up_across_workers(app, live_server):
    with app.app_context():
        create_console_user("shared", "the-right-password", role="operator")
        db.session.commit()
    url = live_server.url + "/api/v1/auth/operator-login"
    body = {"username": "shared", "password": "wrong"}

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: _post_fresh_connection(url, body), range(24)))

    statuses = sorted(r.status_code for r in responses)
    workers = {r.headers["X-Served-By"] for r in responses}
    assert len(workers) >= 2, "all requests landed on one worker; the test proves nothing"
    # The limit is 5 per minute per username, counted in the one shared Redis.
    assert statuses == [401] * 5 + [429] * 19


def test_wx_login_works_through_every_worker(live_server, sandbox):
    def login(_):
        code = sandbox.login_code()["code"]
        return _post_fresh_connection(live_server.url + "/api/v1/auth/wx-login", {"code": code})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(login, range(16)))

    assert [r.status_code for r in responses] == [200] * 16
    assert len({r.headers["X-Served-By"] for r in responses}) >= 2


def test_workers_share_one_wechat_access_token(app, sandbox_url, sandbox):
    """Eight clients (as eight workers would hold) racing for a token fetch exactly one."""
    before = sandbox.stats()["tokens_issued"]
    redis_conn = app.extensions["redis"]
    clients = [
        ProjectWeChatClient("wx0000000000sandbox", "sandbox-secret", sandbox_url, redis_conn, 3)
        for _ in range(8)
    ]
    barrier = threading.Barrier(len(clients))

    def token_of(client):
        barrier.wait()
        return client.access_token

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        tokens = set(pool.map(token_of, clients))

    assert len(tokens) == 1
    assert sandbox.stats()["tokens_issued"] == before + 1
