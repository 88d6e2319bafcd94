"""SQL helpers shared by every domain, for the two databases the code runs on."""

from __future__ import annotations

from sqlalchemy import Table
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
