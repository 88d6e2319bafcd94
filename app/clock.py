"""Time for the whole app: stored times are UTC; "a day" (caps, leaderboards, expiry,
periods, reports) is the Asia/Shanghai calendar day. The one place that names the zone.
(In SQL, the same day is app/stats/days.py `shanghai_day`.)"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


def shanghai_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def shanghai_today() -> date:
    return shanghai_day(utcnow())


def day_start_utc(day: date) -> datetime:
    """The instant (Asia/Shanghai midnight) at which a day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
