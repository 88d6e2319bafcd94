"""SQL helpers shared by every domain, for the two databases the code runs on."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def conflict_insert(table: Table):
    """An INSERT that can say `ON CONFLICT DO NOTHING / DO UPDATE ... WHERE` (and
    RETURNING) on the current session's database, PostgreSQL or SQLite."""
    from app.extensions import db

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
