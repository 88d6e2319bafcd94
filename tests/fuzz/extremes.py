"""Hypothesis strategies for extreme values, each drawing (value, must_be_refused):
datetimes at the calendar's edges and beyond UTC's reach, days, months, integers past 64
bits, numbers past what JSON or a float holds, and cursors carrying such ids."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

SHANGHAI = ZoneInfo("Asia/Shanghai")  # what a time without an offset means, if anything

YEARS = st.one_of(
    st.sampled_from([1, 2, 1899, 1969, 1970, 2000, 2099, 2999, 3000, 9998, 9999]),
    st.integers(1, 9999),
)
OFFSET_MINUTES = st.one_of(
    st.sampled_from([0, 480, -480, 840, -720, 1439, -1439]), st.integers(-1439, 1439)
)


def _offset(minutes: int | None) -> str:
    if minutes is None:
        return ""  # naive: the field's default zone, or refused
    if minutes == 0:
        return "Z"
    sign = "+" if minutes > 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# The calendar's very edges, ahead of and behind UTC (year 1 at +08:00 has no UTC time).
EDGE_TIMES = ["0001-01-01T00:00:00+08:00", "0001-01-01T07:59:59+08:00", "9999-12-31T23:59:59-08:00",
              "9999-12-31T20:00:00-05:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
              "0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00+23:59",
              "1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "2999-12-31T23:59:59Z"]  # fmt: skip


def _unconvertible(text: str) -> bool:
    moment = datetime.fromisoformat(text)
    try:
        (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    except OverflowError:
        return True
    return False


@st.composite
def datetimes(draw) -> tuple[str, bool]:
    """An ISO 8601 string, and whether it has no UTC equivalent (must be refused)."""
    if draw(st.booleans()):
        text = draw(st.sampled_from(EDGE_TIMES))
        return text, _unconvertible(text)
    year, month, day = draw(YEARS), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour = draw(st.sampled_from([0, 23]) | st.integers(0, 23))
    minute, second = draw(st.integers(0, 59)), draw(st.integers(0, 59))
    minutes = draw(st.none() | OFFSET_MINUTES)
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    text += draw(st.sampled_from(["", ".999999"])) + _offset(minutes)
    return text, _unconvertible(text)


@st.composite
def dates(draw) -> tuple[str, bool]:
    year, month, day = draw(YEARS), draw(st.integers(1, 12)), draw(st.integers(1, 31))
    return f"{year:04d}-{month:02d}-{day:02d}", False


EDGE_MONTHS = ["9999-12", "0001-01", "0000-01", "1969-12", "1970-01", "2999-12", "3000-01"]


@st.composite
def months(draw) -> tuple[str, bool]:
    if draw(st.booleans()):
        return draw(st.sampled_from(EDGE_MONTHS)), False
    year = draw(st.sampled_from([0, 1, 1970, 2999, 3000, 9999]) | st.integers(0, 9999))
    return f"{year:04d}-{draw(st.integers(0, 13)):02d}", False


BIG = [0, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63), -(2**63) - 1, 10**30]
INTEGERS = st.sampled_from(BIG) | st.integers()


class RawNumber(str):
    """Number text beyond what JSON or Python reads as a plain number, sent verbatim."""


RAW = ["1e400", "-1e400", "1" + "0" * 400, "1" + "0" * 5000, "1e-400", "-0"]


@st.composite
def numbers(draw, integer: bool) -> tuple[object, bool]:
    value = draw(
        INTEGERS
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from([RawNumber(r) for r in RAW])
    )
    too_big = isinstance(value, int) and not -(2**63) <= value < 2**63
    return value, integer and too_big


@st.composite
def cursors(draw) -> tuple[str, bool]:
    last_id = draw(INTEGERS)
    raw = f"v1:{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("="), False


STRATEGIES = {
    "datetime": datetimes(),
    "date": dates(),
    "month": months(),
    "integer": numbers(integer=True),
    "number": numbers(integer=False),
    "cursor": cursors(),
}


def dumps(body: dict) -> str:
    raws = {}
    for name, value in body.items():
        if isinstance(value, RawNumber):
            raws[f'"@@{name}@@"'] = str(value)
            body = {**body, name: f"@@{name}@@"}
    text = json.dumps(body)
    for marker, raw in raws.items():
        text = text.replace(marker, raw)
    return text
