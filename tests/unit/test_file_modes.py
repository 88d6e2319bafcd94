"""What the app writes to disk is readable by its own user only, whatever the umask: the
instance folder and uploads folder 0700, the SQLite database (and its -wal, -shm) and
uploaded photos 0600, the embedded redis-server's unix socket 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app.embedded import start_redis_server
from app.extensions import db
from tests.checkins.support import photo, upload
from tests.conftest import make_app
from tests.mall.factories import new_user


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)  # the usual default: files 0644, folders 0755
    yield
    os.umask(previous)


def test_database_instance_and_uploads_are_private(app_settings, tmp_path, loose_umask):
    instance = tmp_path / "instance"
    database = instance / "private.sqlite3"
    app = make_app(app_settings, INSTANCE_PATH=str(instance),
                   SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")  # fmt: skip
    with app.app_context():
        upgrade()
        db.session.remove()
    _, token = new_user(app)  # a write: the WAL and shared-memory files exist now
    response = upload(app.test_client(), token, photo(7))
    assert response.status_code == 201, response.get_json()

    assert _mode(instance) == 0o700
    for name in ("private.sqlite3", "private.sqlite3-wal", "private.sqlite3-shm"):
        assert (instance / name).exists(), name
        assert _mode(instance / name) == 0o600, name
    uploads = instance / "uploads"
    stored = [p for p in uploads.rglob("*") if p.is_file()]
    assert stored, "the photo was not stored under instance/uploads"
    assert {_mode(p) for p in stored} == {0o600}
    assert {_mode(p) for p in [uploads, *uploads.rglob("*")] if p.is_dir()} == {0o700}
    with app.app_context():
        db.engine.dispose()


def test_embedded_redis_socket_is_private(tmp_path, loose_umask):
    socket_path = tmp_path / "run" / "redis.sock"
    process = start_redis_server(socket_path)
    try:
        assert _mode(socket_path.parent) == 0o700
        assert _mode(socket_path) == 0o700
    finally:
        process.terminate()
        process.wait(timeout=10)
