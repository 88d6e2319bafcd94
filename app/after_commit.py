"""Run Redis side effects only once the database has decided (commit or rollback).

Redis is never the source of truth, so what we write there must follow what the database
actually kept: a flash-sale gate slot taken for a redemption is given back if the
transaction rolls back (any 4xx, a failed commit), caches are invalidated only after the
change is committed (an earlier invalidation could be refilled from the old rows), and
jobs (WeChat notices) are queued only for decisions that were kept. Nested transactions
(savepoints) do not count: only the outermost one decides. Used by every domain; a
callback that fails with a Redis error is logged and skipped (the database decided).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

log = logging.getLogger(__name__)
_KEY = "after_transaction_callbacks"


def after_transaction(
    on_commit: Callable[[], None] | None = None, on_rollback: Callable[[], None] | None = None
) -> None:
    """Register callbacks for the current session's outermost transaction."""
    db.session.info.setdefault(_KEY, []).append((on_commit, on_rollback))


def _run(callbacks: list, index: int) -> None:
    for pair in callbacks:
        callback = pair[index]
        if callback is None:
            continue
        try:
            callback()
        except redis.RedisError as exc:  # Redis is an optimisation; the DB already decided
            log.warning("redis side effect failed: %s", exc)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    _run(session.info.pop(_KEY, []), 0)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Reached with callbacks still pending only when the outermost transaction ended
    # without a commit (rollback, or the session was closed).
    if transaction.parent is not None or transaction.nested:
        return
    _run(session.info.pop(_KEY, []), 1)
