"""Side effects after the database decides (app/after_commit.py): only the outermost
commit runs `on_commit`; a savepoint that rolls back takes what was registered inside it
along (its `on_rollback` runs, its `on_commit` never does, even when the outer
transaction commits); a released savepoint hands its callbacks to the one around it."""

from __future__ import annotations

import pytest

from app.after_commit import after_transaction, batch_after_commit
from app.extensions import db


class _Log(list):
    def pair(self, name: str) -> dict:
        return {"on_commit": lambda: self.append(f"{name}:commit"),
                "on_rollback": lambda: self.append(f"{name}:rollback")}  # fmt: skip


def test_a_savepoint_that_rolls_back_takes_its_side_effects_along(app):
    log = _Log()
    with app.app_context():
        after_transaction(**log.pair("outer"))
        with pytest.raises(ZeroDivisionError), db.session.begin_nested():
            after_transaction(**log.pair("inner"))
            raise ZeroDivisionError  # e.g. a refused redemption, caught by the caller
        assert log == ["inner:rollback"]  # at once: the gate slot goes back now
        db.session.commit()
        db.session.remove()
    assert log == ["inner:rollback", "outer:commit"]


def test_a_released_savepoint_waits_for_the_outer_transaction(app):
    log = _Log()
    with app.app_context():
        with db.session.begin_nested():
            with db.session.begin_nested():
                after_transaction(**log.pair("deep"))
            after_transaction(**log.pair("inner"))
        assert log == []  # released savepoints decide nothing
        db.session.rollback()
        db.session.remove()
    assert log == ["deep:rollback", "inner:rollback"]


def test_released_into_a_savepoint_that_then_rolls_back(app):
    log = _Log()
    with app.app_context():
        with pytest.raises(ZeroDivisionError), db.session.begin_nested():
            with db.session.begin_nested():
                after_transaction(**log.pair("deep"))
            raise ZeroDivisionError
        db.session.commit()
        db.session.remove()
    assert log == ["deep:rollback"]


def test_batches_leave_out_what_a_rolled_back_savepoint_added(app):
    applied: list[list[int]] = []
    with app.app_context():
        batch_after_commit("test", 1, applied.append)
        with db.session.begin_nested():
            batch_after_commit("test", 2, applied.append)
        with pytest.raises(ZeroDivisionError), db.session.begin_nested():
            batch_after_commit("test", 3, applied.append)
            raise ZeroDivisionError
        batch_after_commit("test", 4, applied.append)
        db.session.commit()
        batch_after_commit("test", 5, applied.append)  # the next transaction: its own batch
        db.session.commit()
        db.session.remove()
    assert sorted(item for batch in applied for item in batch) == [1, 2, 4, 5]
    assert [1, 4] in applied, "the outer transaction's items go together"
