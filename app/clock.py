"""Time for the whole app: stored times are UTC; "a day" (caps, leaderboards, expiry,
periods, reports) is the Asia/Shanghai calendar day. The one place that names the zone.
(In SQL, the same day is app/stats/days.py `shanghai_day`.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far `utcnow` is set back: zero, except inside `clock_set_to` (the demo data's history).
_CLOCK_OFFSET: ContextVar[timedelta] = ContextVar("tph_clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (all stored times are UTC)."""
    return datetime.now(UTC) + _CLOCK_OFFSET.get()


@contextmanager
def clock_set_to(moment: datetime) -> Iterator[None]:
    """Within the block, `utcnow()` starts at `moment` and runs on from there (it is not
    frozen: durations still pass). Only for `flask seed --demo`, which writes 60 days of
    history through the real services, each as of when it happened; what counts in real
    time (rate limits, QR windows, tokens, Redis TTLs) is not affected."""
    token = _CLOCK_OFFSET.set(moment - datetime.now(UTC))
    try:
        yield
    finally:
        _CLOCK_OFFSET.reset(token)


def shanghai_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def shanghai_today() -> date:
    """Today's Asia/Shanghai calendar day."""
    return shanghai_day(utcnow())


def day_start_utc(day: date) -> datetime:
    """The instant (Asia/Shanghai midnight) at which a day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def epoch_micros(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (no float rounding; the hash chains)."""
    return (moment.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
