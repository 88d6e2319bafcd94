"""Daily limits in the database: per scenario per resident, per site per resident.

A counter row per (resident, Asia/Shanghai day, subject) is moved only by one upsert,
`INSERT ... ON CONFLICT DO UPDATE SET used = used + :q WHERE used + :q <= :limit`. The
database serialises writers on that row (PostgreSQL row lock, re-checking the condition
after the wait; SQLite BEGIN IMMEDIATE), so N concurrent check-ins against a cap of k
make exactly k succeed. Nothing is counted first and inserted after.

Counters belong to the person, not the account: `user_id` holds `users.person_key`, so a
resident who deletes their account and signs up again continues today's counters
(docs/decisions/0701). The key is a subquery inside the same statement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, bindparam, literal_column, update

from app.checkins.models import DayCounter
from app.db import table_of
from app.errors import Conflict
from app.extensions import db
from app.sql import execute_built, insert_rows
from app.users import service as users

_counters = table_of(DayCounter)


class DailyCapReached(Conflict):
    reason, message = "daily_cap_reached", "今天该场景的打卡已达上限"


class SiteLimitReached(Conflict):
    reason, message = "site_limit_reached", "今天已在此地点打过卡"


def scenario_subject(scenario_id: int) -> str:
    """The day-counter subject of a scenario's daily cap."""
    return f"scenario:{scenario_id}"


def site_subject(site_id: int) -> str:
    """The day-counter subject of a site's once-a-day limit."""
    return f"site:{site_id}"


def try_reserve(user_id: int, day: date, subject: str, amount: int, limit: int) -> bool:
    """Take `amount` of a daily `limit`; False (and nothing taken) if it would overshoot.

    One upsert: the day's first check-in inserts the row, later ones add to it only while
    `used + amount <= limit` (on a conflict PostgreSQL locks the row and re-checks).
    """
    if amount > limit:
        return False
    values = {"user_id": user_id, "day": day, "subject": subject, "amount": amount,
              "limit": limit}  # fmt: skip
    return execute_built("caps.try_reserve", _reserve_statement, values).first() is not None


def _reserve_statement(insert):
    amount = bindparam("amount", type_=Integer)
    upsert = insert(_counters).values(
        user_id=users.person_key(bindparam("user_id", type_=Integer)), day=bindparam("day"),
        subject=bindparam("subject"), used=amount,
    )  # fmt: skip
    return upsert.on_conflict_do_update(
        index_elements=[_counters.c.user_id, _counters.c.day, _counters.c.subject],
        set_={"used": _counters.c.used + amount},
        where=_counters.c.used + amount <= bindparam("limit", type_=Integer),
    ).returning(_counters.c.used)  # RETURNING, not rowcount: psycopg has none for upserts


@dataclass(frozen=True)
class Reservation:
    """`amount` of a daily `limit` on a person's (`users.person_key`) counter."""

    person: int
    day: date
    subject: str
    amount: int
    limit: int


def try_reserve_many(reservations: list[Reservation]) -> list[bool]:
    """`try_reserve` for many counters at once (a partner batch's), each counter named
    once: one upsert per distinct limit, the same condition row by row. In order, whether
    each was taken."""
    taken = [False] * len(reservations)
    by_limit: dict[int, list[int]] = defaultdict(list)
    for index, reservation in enumerate(reservations):
        if reservation.amount <= reservation.limit:
            by_limit[reservation.limit].append(index)
    counters = {(r.person, r.day, r.subject) for r in reservations}
    if len(counters) != len(reservations):
        raise ValueError("each counter may be reserved once in a call")
    connection = db.session.connection()
    for limit, indexes in by_limit.items():
        rows = [
            {"user_id": r.person, "day": r.day, "subject": r.subject, "used": r.amount}
            for r in (reservations[i] for i in indexes)
        ]

        def upsert(insert, limit: int = limit):
            used = _counters.c.used + insert.excluded.used
            return insert.on_conflict_do_update(
                index_elements=[_counters.c.user_id, _counters.c.day, _counters.c.subject],
                set_={"used": used},
                where=used <= literal_column(str(int(limit))),
            )

        returning = (_counters.c.user_id, _counters.c.day, _counters.c.subject)
        moved = insert_rows(connection, _counters, rows, on_conflict=upsert, returning=returning)
        kept = {(int(row.user_id), row.day, row.subject) for row in moved}
        for index in indexes:
            r = reservations[index]
            taken[index] = (r.person, r.day, r.subject) in kept
    return taken


def reserve(
    user_id: int,
    day: date,
    subject: str,
    amount: int,
    limit: int,
    error: type[Conflict] = DailyCapReached,
) -> None:
    """Take `amount` of a daily limit. Raises `error` (409) when it would overshoot."""
    if not try_reserve(user_id, day, subject, amount, limit):
        raise error()


def release(user_id: int, day: date, subject: str, amount: int) -> None:
    """Give back a reservation (a rejected check-in no longer counts toward the cap)."""
    db.session.execute(
        update(DayCounter)
        .where(
            DayCounter.user_id == users.person_key(user_id),
            DayCounter.day == day,
            DayCounter.subject == subject,
            DayCounter.used >= amount,
        )
        .values(used=DayCounter.used - amount)
        .execution_options(synchronize_session=False)
    )
