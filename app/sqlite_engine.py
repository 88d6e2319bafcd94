"""SQLite (the embedded default) made safe and quick for several gunicorn workers.

WAL journal, a busy timeout, foreign keys, and a write lock taken as late and released as
early as correctness allows:

- A GET (HEAD, OPTIONS) request reads in a deferred transaction: a WAL snapshot, never
  blocking and never blocked.
- Any other request also starts deferred and reads without the lock (the session, the
  scenario, the site, the offer, risk counts...). Its first write (INSERT, UPDATE, DELETE,
  REPLACE, a WITH statement or a SAVEPOINT) first ends that read transaction, queues
  (app/sqlite_queue.py) and takes the lock with `BEGIN IMMEDIATE`; the write and
  everything after it run under the lock and see the latest committed rows. A request
  that turns out read-only (a sold-out 409, a refused check-in) never queues at all.
- The queue is let go as soon as SQLite has committed or rolled back, before the
  after-commit Redis side effects run (app/after_commit.py).
- Outside a request (CLI commands, jobs, tests calling services) every transaction takes
  the lock up front, as before.

Why splitting the read snapshot from the write is safe: it gives each request what
PostgreSQL's READ COMMITTED gives it (reads before the first write may be a moment old;
the writes and later reads see the newest rows), and the product is correct under READ
COMMITTED by design: every decision that matters is a conditional UPDATE, an upsert or a
unique constraint executed under the lock, never a read taken earlier (DESIGN.md).
The read transaction is ended before any savepoint exists, so no savepoint is lost.
"""

from __future__ import annotations

import re
import sqlite3

from flask import has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.engine import Compiled
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.dml import UpdateBase

from app.files import make_private
from app.sqlite_queue import WriterQueue, release_held

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|WITH|SAVEPOINT)\b", re.IGNORECASE)
_DEFERRED = "sqlite_write_lock_deferred"  # connection.info flag: reading, lock not taken
SYNCHRONOUS_MODES = ("NORMAL", "FULL")  # OFF and EXTRA: not offered (docs/decisions/1007)
_AT_FIRST_WRITE = "sqlite_at_first_write"  # connection.info: callables run under the lock
_ESCALATE = "sqlite_escalate"  # connection.info: takes the write lock now (configure_sqlite)


def take_write_lock_now(conn) -> None:
    """Make a deferring request transaction take SQLite's write lock now, before a read
    that must see the latest committed rows and keep other writers out until the commit
    (what a row lock or an advisory lock does on PostgreSQL: app/sql.py). Nothing when the
    lock is held already or the connection is not a deferring SQLite one."""
    if conn.info.get(_DEFERRED):
        conn.info[_ESCALATE](conn)


def at_first_write(conn, write) -> bool:
    """Run `write(conn)` once this request's transaction takes the write lock, before its
    first write statement; False (nothing registered) when the lock is already held or
    the connection is not a deferring SQLite one, and the caller writes now.

    The Idempotency-Key claim uses it, so a request's reads (session, scenario, offer,
    risk counts) stay outside the writer queue while the claim still comes before every
    write of the request (app/idempotency.py). An exception from `write` propagates out
    of the statement that triggered it, and the request rolls back.
    """
    if not conn.info.get(_DEFERRED):
        return False
    conn.info.setdefault(_AT_FIRST_WRITE, []).append(write)
    return True


def cancel_first_write(conn, write) -> bool:
    """Take back a `write` registered with `at_first_write` that has not run; False when
    it has run (or was never registered)."""
    pending = conn.info.get(_AT_FIRST_WRITE, [])
    if write not in pending:
        return False
    pending.remove(write)
    return True


def configure_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str = "NORMAL") -> None:
    """Install WAL, busy timeout, `synchronous` (NORMAL or FULL: SQLITE_SYNCHRONOUS,
    docs/decisions/1007) and the late write lock on a SQLite engine.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's `begin`
    event decides how each transaction starts. Raises ValueError for another
    `synchronous` (it is written into the PRAGMA).
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, not {synchronous!r}")

    database = engine.url.database or ""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record) -> None:
        record.info[_ESCALATE] = _escalate  # Connection.info is the record's info
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()
        if database and database != ":memory:" and not database.startswith("file:"):
            # Private, whatever the umask; -wal and -shm take the database file's mode.
            for suffix in ("", "-wal", "-shm"):
                make_private(database + suffix)

    # Writers queue before asking SQLite for its lock (app/sqlite_queue.py).
    queue = None
    if database and database != ":memory:" and not database.startswith("file:"):
        queue = WriterQueue(f"{database}.writers", busy_timeout_ms / 1000)

    def take_write_lock(conn) -> None:
        if queue is not None:
            queue.acquire()
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        if not has_request_context():
            conn.info[_DEFERRED] = False
            take_write_lock(conn)
            return
        conn.info[_DEFERRED] = request.method not in READ_ONLY_METHODS
        conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_execute")
    def _before_execute(conn, clause, _multiparams, _params, _options) -> None:
        if not conn.info.get(_DEFERRED):
            return
        if isinstance(clause, Compiled):  # app/sql.py execute_built
            clause = clause.statement
        writes = (
            isinstance(clause, UpdateBase)
            or (isinstance(clause, str) and _WRITE.match(clause) is not None)
            or (hasattr(clause, "text") and _WRITE.match(str(clause.text)) is not None)
        )
        if writes:
            _escalate(conn)

    @event.listens_for(engine, "savepoint")
    def _before_savepoint(conn, _name) -> None:
        if conn.info.get(_DEFERRED):
            _escalate(conn)

    def _escalate(conn) -> None:
        conn.info[_DEFERRED] = False  # first: the statements below pass through here
        conn.exec_driver_sql("ROLLBACK")  # the read snapshot only: nothing was written
        take_write_lock(conn)
        for first_write in conn.info.pop(_AT_FIRST_WRITE, ()):
            first_write(conn)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn) -> None:
        conn.info.pop(_AT_FIRST_WRITE, None)  # registered for a transaction that is over

    @event.listens_for(engine, "commit")
    def _on_commit(conn) -> None:
        conn.info.pop(_AT_FIRST_WRITE, None)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, _record) -> None:
        release_held()  # a connection back in the pool holds no transaction


# Both listeners go first (insert=True): the after-commit and after-rollback side effects
# (app/after_commit.py: Redis caches, gate slots, the leaderboard, job queueing) run after
# the next writer has been let in, not while it waits (issue 13, step 1).
@event.listens_for(Session, "after_commit", insert=True)
def _release_writer_queue_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        release_held()  # SQLite has committed and dropped its lock: the next writer may go


@event.listens_for(Session, "after_transaction_end", insert=True)
def _release_writer_queue(_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        release_held()  # committed or rolled back: the next writer may go
