"""Asia/Shanghai days for reporting in SQL: the "local day" of a stored UTC time.

The same day in Python is app.clock.shanghai_day / day_start_utc.

China has had no daylight saving time since 1991, so the Asia/Shanghai day of a UTC
instant is the UTC date of the instant plus eight hours, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class shanghai_day(FunctionElement):
    """`shanghai_day(utc_column)`: the Asia/Shanghai calendar day of a stored UTC time."""

    type = Date()
    inherit_cache = True
    name = "shanghai_day"


@compiles(shanghai_day, "sqlite")
def _sqlite_day(element: shanghai_day, compiler, **kw) -> str:
    # SQLite keeps UTC times as naive "YYYY-MM-DD HH:MM:SS[.ffffff]" text.
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(shanghai_day, "postgresql")
def _pg_day(element: shanghai_day, compiler, **kw) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


def day_list(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def as_date(value: date | str) -> date:
    """A day from the database: a date (PostgreSQL, SQLAlchemy Date) or ISO text (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
