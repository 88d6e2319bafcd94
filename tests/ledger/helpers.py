"""Test helpers: switching the append-only guard off to play the attacker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db


@contextmanager
def append_only_guard_off(table: str) -> Iterator[None]:
    """Let raw SQL change `table` inside this block, as someone with database access
    could; the caller commits. PostgreSQL: replica mode skips ordinary triggers for this
    transaction only. SQLite: the UPDATE trigger is dropped and put back."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    db.session.execute(text(f"DROP TRIGGER {table}_append_only"))
    try:
        yield
    finally:
        db.session.execute(
            text(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
            )
        )
