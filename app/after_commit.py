"""Run Redis side effects only once the database has decided (commit or rollback).

Redis is never the source of truth, so what we write there must follow what the database
actually kept: a flash-sale gate slot taken for a redemption is given back if the
transaction rolls back (any 4xx, a failed commit), caches are invalidated only after the
change is committed (an earlier invalidation could be refilled from the old rows), and
jobs (WeChat notices) are queued only for decisions that were kept. Only the outermost
transaction decides, but a savepoint that rolls back takes its own side effects with it:
a callback registered inside a savepoint belongs to it, passes to the enclosing
transaction when the savepoint is released, and gets its `on_rollback` (never its
`on_commit`) at once when the savepoint rolls back, whatever the outer transaction does
later. Used by every domain; a callback that fails (a Redis error, or a bug) is logged
and skipped, and the others still run: the database decided.

Pipelined callbacks (`pipelined=True`, and every `batch_after_commit`) only add commands
to one Redis pipeline that the commit's side effects share: a check-in's cache bump and
leaderboard increments, a redemption's gate slot and cache bump, go in one round trip,
sent before the other callbacks run (a job queued after a commit finds the caches bumped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from redis.client import Pipeline
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db, redis_client

log = logging.getLogger(__name__)
_KEY = "after_transaction_callbacks"
_BATCHES = "after_commit_batches"


class _Pending:
    """A registered pair and the savepoint it belongs to (None: the outermost transaction)."""

    __slots__ = ("on_commit", "on_rollback", "owner", "pipelined", "released")

    def __init__(
        self, on_commit, on_rollback, owner: SessionTransaction | None, pipelined: bool
    ) -> None:
        self.on_commit = on_commit
        self.on_rollback = on_rollback
        self.owner = owner
        self.released = False
        self.pipelined = pipelined


def after_transaction(
    on_commit: Callable[..., None] | None = None,
    on_rollback: Callable[[], None] | None = None,
    *,
    pipelined: bool = False,
) -> None:
    """Register callbacks for the current session's outermost transaction (dropped, with
    `on_rollback` run, if the savepoint they were registered in rolls back). With
    `pipelined`, `on_commit(pipe)` only adds its commands to the commit's shared pipeline
    (it sees no replies)."""
    owner = db.session().get_nested_transaction()
    entry = _Pending(on_commit, on_rollback, owner, pipelined)
    db.session.info.setdefault(_KEY, []).append(entry)


def batch_after_commit(name: str, item: object, apply: Callable[[Pipeline, list], None]) -> None:
    """Add `item` to this transaction's batch `name`: once the outermost transaction
    commits, `apply(pipe, items)` adds the commands of each batch (one for the transaction,
    one per released savepoint) to the commit's shared pipeline; items added inside a
    savepoint that rolled back are never applied."""
    owner = db.session().get_nested_transaction()
    batches = db.session.info.setdefault(_BATCHES, {})
    key = (name, owner)
    batch = batches.get(key)
    if batch is None:
        batch = batches[key] = []

        def forget() -> None:
            batches.pop(key, None)

        def run(pipe: Pipeline) -> None:
            forget()
            apply(pipe, batch)

        after_transaction(on_commit=run, on_rollback=forget, pipelined=True)
    batch.append(item)


def _run_commit(pending: list[_Pending]) -> None:
    """The pipelined callbacks' commands in one round trip, then the other callbacks."""
    pipelined = [entry for entry in pending if entry.pipelined and entry.on_commit]
    if pipelined:
        pipe = redis_client.pipeline(transaction=False)
        for entry in pipelined:
            # Each callback runs (and forgets its pending state) even if one before it
            # failed: a long-lived session (a worker, the CLI) must not keep stale state.
            # Logged, not raised: the commit is done, and an error raised from here leaves
            # the session unusable ("committed" state) for its next transaction.
            try:
                entry.on_commit(pipe)
            except Exception:
                log.exception("an after-commit side effect failed to queue")
        try:
            pipe.execute()
        except redis.RedisError as exc:  # caches expire by TTL; a rebuild restores boards
            log.warning("redis side effects after commit failed: %s", exc)
    _run([entry for entry in pending if not entry.pipelined], commit=True)


def _run(pending: list[_Pending], commit: bool) -> None:
    for entry in pending:
        callback = entry.on_commit if commit else entry.on_rollback
        if callback is None:
            continue
        try:
            callback()
        except redis.RedisError as exc:  # Redis is an optimisation; the DB already decided
            log.warning("redis side effect failed: %s", exc)
        except Exception:
            # A bug in one callback: logged, and the others still run. Raised from here it
            # would turn a committed request into a 500 and leave the session unusable
            # ("committed" state) for its next transaction, as in _run_commit.
            log.exception("an after-transaction side effect failed")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    nested = session.get_nested_transaction()
    if nested is not None:  # a savepoint released: what it registered waits for the outer one
        for entry in session.info.get(_KEY, ()):
            if entry.owner is nested:
                entry.released = True
        return
    _run_commit(session.info.pop(_KEY, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        # Released (after_commit marked it): now the enclosing transaction's. Otherwise
        # the savepoint rolled back and takes its side effects with it.
        pending = session.info.get(_KEY, [])
        kept, dropped = [], []
        for entry in pending:
            if entry.owner is not transaction:
                kept.append(entry)
            elif entry.released:
                entry.owner, entry.released = session.get_nested_transaction(), False
                kept.append(entry)
            else:
                dropped.append(entry)
        if dropped:
            session.info[_KEY] = kept
            _run(dropped, commit=False)
        return
    if transaction.parent is not None:
        return
    # Reached with callbacks still pending only when the outermost transaction ended
    # without a commit (rollback, or the session was closed).
    _run(session.info.pop(_KEY, []), commit=False)
