"""SQLITE_SYNCHRONOUS reaches every SQLite connection (docs/decisions/1007).

Each test uses its own SQLite file, so it runs the same when the suite is on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import make_app
from tests.helpers import ROOT

# What `PRAGMA synchronous` reads back: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
PRAGMA_VALUE = {"NORMAL": 1, "FULL": 2}


def _synchronous(app) -> int:
    with app.app_context():
        value = db.session.execute(text("PRAGMA synchronous")).scalar()
        db.session.remove()
        db.engine.dispose()
    return value


@pytest.mark.parametrize("mode", ["NORMAL", "FULL", "full"])
def test_the_setting_reaches_the_connection(app_settings, tmp_path, mode):
    app = make_app(app_settings, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   SQLITE_SYNCHRONOUS=mode)  # fmt: skip

    assert _synchronous(app) == PRAGMA_VALUE[mode.upper()]


def _boot(tmp_path, value: str | None) -> subprocess.CompletedProcess:
    code = ("import wsgi; from sqlalchemy import text; from app.extensions import db\n"
            "with wsgi.app.app_context(): print(db.session.execute("
            "text('PRAGMA synchronous')).scalar())")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPH_")}
    env.pop("DATABASE_URL", None)
    env.update(APP_ENV="development", INSTANCE_PATH=str(tmp_path))
    if value is not None:
        env["TPH_SQLITE_SYNCHRONOUS"] = value
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("mode", ["NORMAL", "FULL"])
def test_the_environment_variable_reaches_the_connection(tmp_path, mode):
    result = _boot(tmp_path, mode)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(PRAGMA_VALUE[mode])


def test_the_default_is_full(tmp_path):
    """Power-loss durability by default: it cost less than 15 % (docs/decisions/1007)."""
    result = _boot(tmp_path, None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(PRAGMA_VALUE["FULL"])


def test_another_mode_stops_the_boot(tmp_path):
    result = _boot(tmp_path, "OFF")

    assert result.returncode == 1
    assert "TPH_SQLITE_SYNCHRONOUS='OFF': must be one of NORMAL, FULL" in result.stderr
