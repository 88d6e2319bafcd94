"""Helpers for tests: auth headers, the sandbox handle, child-process settings, gunicorn."""

from __future__ import annotations

import os
from pathlib import Path

import requests

from bench.servers import GUNICORN_CONF, ROOT, Gunicorn  # noqa: F401  (ROOT: the project folder, for tests)


def statements_of(call) -> list[str]:
    """The SQL text of every statement `call()` sends (inside an app context)."""
    from sqlalchemy import event

    from app.extensions import db

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Sandbox:
    """Test-side handle on the WeChat sandbox's control endpoints."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def login_code(self, openid: str | None = None) -> dict:
        body = {"openid": openid} if openid else {}
        return requests.post(self.base_url + "sandbox/login-code", json=body, timeout=5).json()

    def werun_data(self, openid: str, steps: list[dict], **extra) -> dict:
        body = {"openid": openid, "step_info_list": steps, **extra}
        return requests.post(self.base_url + "sandbox/werun-data", json=body, timeout=5).json()

    def stats(self) -> dict:
        return requests.get(self.base_url + "sandbox/stats", timeout=5).json()

    def messages(self) -> list[dict]:
        return requests.get(self.base_url + "sandbox/messages", timeout=5).json()["items"]

    def wxacodes(self) -> list[dict]:
        return requests.get(self.base_url + "sandbox/wxacodes", timeout=5).json()["items"]

    def subscribe(self, openid: str, subscribed: bool) -> None:
        body = {"openid": openid, "subscribed": subscribed}
        requests.post(self.base_url + "sandbox/subscriptions", json=body, timeout=5)

    def faults(self, delay_seconds: float = 0, failing: bool = False) -> None:
        body = {"delay_seconds": delay_seconds, "failing": failing}
        requests.post(self.base_url + "sandbox/faults", json=body, timeout=5)


def process_env(settings: dict, workdir: Path | str, **extra: str) -> dict:
    """The environment for a child process (gunicorn, `flask`, an RQ worker) that must
    run with the test settings: same database, Redis, WeChat sandbox; `extra` on top."""
    env = dict(os.environ)
    env.update(
        APP_ENV="testing",
        DATABASE_URL=settings["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=settings["REDIS_URL"],
        WECHAT_API_BASE_URL=settings["WECHAT_API_BASE_URL"],
        WECHAT_APPID=settings["WECHAT_APPID"],
        WECHAT_SECRET=settings["WECHAT_SECRET"],
        INSTANCE_PATH=str(workdir),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def start_gunicorn(settings: dict, workdir: Path, *, workers: int = 4, config: bool = False,
                   **env: str) -> Gunicorn:  # fmt: skip
    """`gunicorn wsgi:app` with the test settings (and `env` on top), as the product runs
    it (bench/servers.py), with deploy/gunicorn.conf.py if `config`; the caller stops it."""
    environment = process_env(settings, workdir, **env)
    return Gunicorn("wsgi:app", environment, workdir / "gunicorn.log", workers=workers,
                    config=GUNICORN_CONF if config else None).start()  # fmt: skip
