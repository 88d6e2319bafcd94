"""Backup of a live database and restore into a fresh one, with the books verified on the
copy: `flask ops backup` while the app writes (SQLite's online backup API, or pg_dump on
PostgreSQL), `flask ops restore` into a new database, then `flask ledger verify` and
`flask registry verify` there. Each backend's variant runs on its own suite's run (like
tests/faults), on databases of its own (the demo's registry loop included)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.ledger.service import earn_points
from app.users.models import User
from bench.servers import flask_cli
from tests.conftest import make_app
from tests.helpers import process_env

pytestmark = pytest.mark.slow
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def fresh_databases(tmp_path):
    """Two new, empty databases of the suite's backend: (source url, restore target url)."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'copy.sqlite3'}"
        return
    admin = create_engine(os.environ["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    names = [f"backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("live", "copy")]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin.url
    yield tuple(base.set(database=n).render_as_string(hide_password=False) for n in names)
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Writer(threading.Thread):
    """The app going on with its business: one committed ledger posting after another."""

    def __init__(self, application):
        super().__init__(daemon=True)
        self.app = application
        self.done = 0
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                user = User(openid=f"writer-{uuid.uuid4().hex}", nickname="写入")
                db.session.add(user)
                db.session.commit()
                while not self.stop.is_set() and self.done < 2000:
                    earn_points(user.id, 1, code="test_grant",
                                reference=f"writer:{user.id}:{self.done}", memo="测试")  # fmt: skip
                    db.session.commit()
                    self.done += 1
                db.session.remove()
        except Exception as exc:  # reported by the test
            self.error = exc

    def wait_for(self, n: int) -> None:
        while self.done < n and self.is_alive():
            self.stop.wait(0.01)


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return count


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_live_backup_restores_into_a_fresh_database_whose_books_verify(
    backend, app_settings, fresh_databases, tmp_path
):
    if (backend == "postgresql") != ON_POSTGRES:
        pytest.skip(f"the {backend} variant runs in the {backend} run of the suite")
    live_url, copy_url = fresh_databases
    live = process_env(app_settings, tmp_path / "live", DATABASE_URL=live_url)
    copy = process_env(app_settings, tmp_path / "copy", DATABASE_URL=copy_url)
    flask_cli(live, "db", "upgrade")
    flask_cli(live, "seed", "--demo")  # users, offers, coupons, the registry loop
    backup = tmp_path / "backups" / ("live.sqlite3" if backend == "sqlite" else "live.dump")
    writer = Writer(make_app(app_settings, SQLALCHEMY_DATABASE_URI=live_url))
    writer.start()
    try:
        writer.wait_for(20)
        before = _count(live_url, "ledger_transactions")
        made = flask_cli(live, "ops", "backup", str(backup))
        writer.wait_for(writer.done + 20)  # still writing after the backup
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None and writer.done >= 40
    assert made.stdout.startswith(f"backup written: {backup}")
    assert backup.stat().st_mode & 0o077 == 0, "the owner's alone"

    restored = flask_cli(copy, "ops", "restore", str(backup))
    ledger = flask_cli(copy, "ledger", "verify", check=False)
    registry = flask_cli(copy, "registry", "verify", check=False)

    assert restored.stdout.startswith(f"restored {backup}")
    assert ledger.returncode == 0, ledger.stdout + ledger.stderr
    assert ledger.stdout.startswith("ledger ok:")
    assert registry.returncode == 0, registry.stdout + registry.stderr
    copied = _count(copy_url, "ledger_transactions")
    assert before <= copied <= _count(live_url, "ledger_transactions")
    assert _count(copy_url, "registry_retirements") >= 1, "the demo's registry loop is there"
    again = flask_cli(copy, "ops", "restore", str(backup), check=False)
    assert again.returncode != 0 and "restore only into a new, empty database" in again.stderr
