"""Declarative base, naming convention, mixins and SQLite connection settings.

SQLite (the embedded default) is made safe for several gunicorn workers: WAL journal,
a busy timeout, and `BEGIN IMMEDIATE` for every transaction that may write, so two writers
queue on the lock instead of failing with "database is locked" halfway through.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, SessionTransaction, mapped_column
from sqlalchemy.types import TypeDecorator

from app.clock import utcnow
from app.files import make_private
from app.sqlite_queue import WriterQueue, release_held

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# 64-bit ids and amounts on PostgreSQL; SQLite's INTEGER is already 64-bit and only an
# `INTEGER PRIMARY KEY` autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Install WAL, busy timeout and BEGIN IMMEDIATE on a SQLite engine.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's `begin`
    event decides how each transaction starts: reads in a GET request start a deferred
    transaction (never blocking, WAL snapshot), everything else takes the write lock up
    front with BEGIN IMMEDIATE, after queueing for it (app/sqlite_queue.py).
    """

    database = engine.url.database or ""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if database and database != ":memory:" and not database.startswith("file:"):
            # Private, whatever the umask; -wal and -shm take the database file's mode.
            for suffix in ("", "-wal", "-shm"):
                make_private(database + suffix)

    # Writers queue before asking SQLite for its lock (app/sqlite_queue.py).
    queue = None
    if database and database != ":memory:" and not database.startswith("file:"):
        queue = WriterQueue(f"{database}.writers", busy_timeout_ms / 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        read_only = has_request_context() and request.method in READ_ONLY_METHODS
        if queue is not None and not read_only:
            queue.acquire()
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, _record) -> None:
        release_held()  # a connection back in the pool holds no transaction


@event.listens_for(Session, "after_transaction_end")
def _release_writer_queue(_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        release_held()  # committed or rolled back: the next writer may go
