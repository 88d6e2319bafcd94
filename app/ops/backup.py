"""Backups of the database while the app runs, and restores into a fresh database.

- SQLite: the online backup API (`sqlite3.Connection.backup`, in one step) copies a
  consistent snapshot page by page while the app goes on writing (WAL: the copy reads,
  the writers are not blocked); the result is a plain SQLite file.
- PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot, the app goes on
  writing), restored with `pg_restore --single-transaction --exit-on-error`: all or nothing.

A restore only goes into an empty database (no tables): it never merges into or
overwrites live books. Redis is not backed up: it holds nothing that cannot be rebuilt
(`flask carbon rebuild-leaderboard`; caches and the flash-sale gate rebuild themselves).
After a restore, `flask ledger verify` and `flask registry verify` say whether the copy's
books hold (tests/ops/test_backup.py runs exactly that).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(engine: Engine) -> str:
    """The URL for pg_dump / pg_restore: SQLAlchemy's without the driver name."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else Debian's newest PostgreSQL (it must be at least
    the server's version)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                        else 0)  # fmt: skip
    if not candidates:
        raise BackupError(f"{name} not found (apt-get install postgresql-client)")
    return str(candidates[-1])


def _run(argv: list[str], what: str) -> None:
    # S603: argv is pg_dump/pg_restore and options built by this module, no shell.
    result = subprocess.run(argv, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


def backup_database(engine: Engine, target: Path) -> Path:
    """Write a backup of the live database to `target` (a new file). Raises BackupError."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists: a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # all pages in one step: one consistent snapshot
        finally:
            copy.close()
            source.close()
        target.chmod(0o600)  # the books and personal data: the owner only
        return target
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", _libpq_url(engine)], "pg_dump")  # fmt: skip
    target.chmod(0o600)
    return target


def restore_database(engine: Engine, source: Path) -> None:
    """Load the backup `source` into the (empty) database of `engine`. Raises BackupError."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"the target database already has {len(tables)} tables: restore only into a "
            "new, empty database, then point the app at it"
        )
    if engine.dialect.name == "sqlite":
        engine.dispose()  # no pooled connection may hold the file while it is replaced
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            with target:
                backup.backup(target)
        finally:
            target.close()
            backup.close()
        return
    _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={_libpq_url(engine)}", str(source)],
         "pg_restore")  # fmt: skip
