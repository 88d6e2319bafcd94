"""Side effects after the database decides (app/after_commit.py): only the outermost
commit runs `on_commit`; a savepoint that rolls back takes what was registered inside it
along (its `on_rollback` runs, its `on_commit` never does, even when the outer
transaction commits); a released savepoint hands its callbacks to the one around it."""

from __future__ import annotations

from datetime import date

import pytest
import redis
import sqlalchemy as sa

from app import cache
from app.after_commit import after_transaction, batch_after_commit
from app.carbon import leaderboard
from app.extensions import db, redis_client


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

    def apply(pipe, items: list[int]) -> None:
        applied.append(items)

    with app.app_context():
        batch_after_commit("test", 1, apply)
        with db.session.begin_nested():
            batch_after_commit("test", 2, apply)
        with pytest.raises(ZeroDivisionError), db.session.begin_nested():
            batch_after_commit("test", 3, apply)
            raise ZeroDivisionError
        batch_after_commit("test", 4, apply)
        db.session.commit()
        batch_after_commit("test", 5, apply)  # the next transaction: its own batch
        db.session.commit()
        db.session.remove()
    assert sorted(item for batch in applied for item in batch) == [1, 2, 4, 5]
    assert [1, 4] in applied, "the outer transaction's items go together"


def _count_round_trips(monkeypatch) -> list[int]:
    """Counts what is sent to Redis, one entry per write to the socket (a pipeline is one)."""
    sent: list[int] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(1)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_a_commits_redis_side_effects_go_in_one_round_trip(app, monkeypatch):
    """A check-in's cache bump and leaderboard increments (and a redemption's gate slot)
    share one pipeline: one round trip after the commit, whatever they hold."""
    monday, next_monday = date(2026, 11, 30), date(2026, 12, 7)
    boards = leaderboard.board_keys(monday) | {"next": leaderboard.board_keys(next_monday)["week"]}
    with app.app_context():
        redis_client.delete("gen:a", "gen:b", "pipelined", *boards.values())
        log: list[str] = []
        cache.bump_after_commit("gen:a", "gen:b")
        cache.bump_after_commit("gen:a")  # named twice, bumped once
        leaderboard.queue_increment(7, monday, 1500)
        leaderboard.queue_increment(7, monday, 500)
        leaderboard.queue_increment(8, next_monday, 250)
        after_transaction(on_commit=lambda pipe: pipe.set("pipelined", "1"), pipelined=True)
        after_transaction(on_commit=lambda: log.append(redis_client.get("gen:a")))
        sent = _count_round_trips(monkeypatch)
        db.session.commit()
        assert len(sent) == 2  # the shared pipeline, then the plain callback's GET
        monkeypatch.undo()
        assert log == ["1"], "plain callbacks run after the pipeline: they see the bump"
        assert redis_client.mget("gen:a", "gen:b", "pipelined") == ["1", "1", "1"]
        assert 0 < redis_client.ttl("gen:a") <= cache.GENERATION_TTL_SECONDS
        assert redis_client.zscore(boards["week"], "7") == 2000
        assert redis_client.zscore(boards["month"], "7") == 2000
        assert redis_client.zscore(boards["all"], "7") == 2000
        assert redis_client.zscore(boards["next"], "8") == 250
        assert redis_client.zscore(boards["all"], "8") == 250
        assert 0 < redis_client.ttl(boards["week"]) <= leaderboard.TTL_SECONDS["week"]
        assert 0 < redis_client.ttl(boards["month"]) <= leaderboard.TTL_SECONDS["month"]
        assert redis_client.ttl(boards["all"]) == -1  # the all-time board never expires
        db.session.remove()


def test_a_failed_pipeline_leaves_the_other_side_effects_to_run(app, monkeypatch):
    log: list[str] = []

    def broken(pipe) -> None:
        pipe.execute_command("NO-SUCH-COMMAND")

    with app.app_context():
        after_transaction(on_commit=broken, pipelined=True)
        after_transaction(on_commit=lambda: log.append("plain"))
        db.session.commit()  # the pipeline's error is logged, never raised
        db.session.remove()
    assert log == ["plain"]


def test_a_failing_pipelined_callback_leaves_the_others_and_the_next_transaction(app, caplog):
    # A bug in one after-commit callback (not a Redis error) is logged; the others run,
    # and nothing pending is left behind for the session's next transaction.
    def bug(pipe) -> None:
        raise ZeroDivisionError

    with app.app_context():
        redis_client.delete("gen:after-bug", "gen:next")
        after_transaction(on_commit=bug, pipelined=True)
        cache.bump_after_commit("gen:after-bug")
        db.session.commit()
        assert redis_client.get("gen:after-bug") == "1"
        assert "an after-commit side effect failed to queue" in caplog.text
        cache.bump_after_commit("gen:next")
        db.session.commit()
        assert redis_client.get("gen:next") == "1"
        db.session.remove()


def test_a_failing_plain_callback_leaves_the_others_the_commit_and_the_next_transaction(
    app, caplog
):
    # Before, a bug (not a Redis error) in a plain callback escaped from commit(): the
    # request boundary answered 500 for a write the database had kept, and the session
    # stayed "committed" for its next transaction. Now it is logged like a pipelined one.
    log = _Log()

    def bug() -> None:
        raise ZeroDivisionError

    with app.app_context():
        after_transaction(on_commit=bug, on_rollback=bug)
        after_transaction(**log.pair("after-bug"))
        db.session.commit()  # does not raise
        assert log == ["after-bug:commit"]
        assert "an after-transaction side effect failed" in caplog.text
        db.session.execute(sa.select(1))  # a transaction begun, so there is one to roll back
        after_transaction(on_commit=bug, on_rollback=bug)
        after_transaction(**log.pair("rolled-back"))
        db.session.rollback()  # nor does a rollback
        after_transaction(**log.pair("next"))
        db.session.commit()
        db.session.remove()
    assert log == ["after-bug:commit", "rolled-back:rollback", "next:commit"]
