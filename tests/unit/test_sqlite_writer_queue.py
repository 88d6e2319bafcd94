"""The SQLite writer queue is held for the database work only (issue 13, step 1).

After-commit and after-rollback side effects (Redis: caches, gate slots, leaderboard,
job queueing) run once the database has decided; the next writer must not wait for them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import sqlite_queue
from app.after_commit import after_transaction
from app.extensions import db


def _held() -> object:
    return getattr(sqlite_queue._held, "queue", None)


@pytest.mark.parametrize("decision", ["commit", "rollback"])
def test_the_queue_is_released_before_side_effects_run(app, decision):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: the writer queue fronts SQLite's write lock")
    seen = []
    with app.test_request_context("/api/v1/checkins", method="POST"):
        db.session.execute(text("SELECT count(*) FROM users"))
        assert _held() is None  # reading: no lock yet
        db.session.execute(text("DELETE FROM users WHERE id = -1"))  # a write: the lock
        assert _held() is not None
        after_transaction(on_commit=lambda: seen.append(_held()),
                          on_rollback=lambda: seen.append(_held()))  # fmt: skip
        getattr(db.session, decision)()
        db.session.remove()
    assert seen == [None]
    assert _held() is None


def test_row_locks_in_the_code_go_through_select_for_update():
    """A `with_for_update()` written directly is a plain read on SQLite, in a request's
    deferred snapshot (docs/decisions/1002, "Correction"): locks go through app/sql.py."""
    from pathlib import Path

    import app as package

    root = Path(package.__file__).parent
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != root / "sql.py" and ".with_for_update(" in path.read_text()
    ]
    assert direct == []
