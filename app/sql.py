"""SQL helpers shared by every domain, for the two databases the code runs on."""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

_BUILT: dict[tuple[str, str], object] = {}


def built_once(name: str, build):
    """`build(insert)` once per database dialect, then the same statement object: a hot
    path's statement with bind parameters, so SQLAlchemy neither rebuilds it nor computes
    its cache key again (issue 13). `insert` is the dialect's conflict-capable INSERT."""
    from app.extensions import db

    dialect = db.session.get_bind().dialect.name
    if (statement := _BUILT.get((dialect, name))) is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _BUILT[(dialect, name)] = build(insert)
    return statement


def conflict_insert(table: Table):
    """An INSERT that can say `ON CONFLICT DO NOTHING / DO UPDATE ... WHERE` (and
    RETURNING) on the current session's database, PostgreSQL or SQLite."""
    from app.extensions import db

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def transaction_lock(key: int) -> None:
    """Hold lock `key` (a signed 64-bit number) until the current transaction ends, so
    that transactions taking it run one at a time: PostgreSQL's advisory transaction lock.
    SQLite needs nothing: its writers are serialised by BEGIN IMMEDIATE already."""
    from app.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(key)))
