"""Marshmallow fields for the values every API shares: instants, days, months and ids.

Each refuses, as a 422 naming the field, what the stdlib or a database driver cannot
carry further, so no endpoint has to guard its own arithmetic:
- a time is aware (or gets the field's default zone), has a UTC equivalent (year 1 at
  +08:00 has none: `astimezone` overflows) and lies in [1970, 3000): far enough from
  Python's year 1 and 9999 that adding a day, ten years of coupon validity or a time
  zone never overflows, and wide enough for any real campaign, offer or methodology;
- a day (`Date`) and a month (`Month`, `YYYY-MM`) lie in the same years;
- an id is a positive integer below 2^63 (the 64-bit columns of both backends; a larger
  one overflowed SQLite's driver and was merely not found on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from marshmallow import fields, validate

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive
MAX_ID = 2**63 - 1
_RANGE = "须在 1970 年至 2999 年之间"


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 time with a UTC equivalent inside [EARLIEST, LATEST).

    `default_timezone` applies to a time given without an offset; None refuses it.
    """

    default_error_messages = {"out_of_range": f"时间{_RANGE}（换算为 UTC 后）"}

    def __init__(self, *, default_timezone: tzinfo | None = None, **kwargs) -> None:
        metadata = {"description": f"ISO 8601, {EARLIEST.year}..{LATEST.year - 1} (UTC)"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(default_timezone=default_timezone, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = moment.astimezone(UTC)
        except OverflowError:  # year 1 ahead of UTC, or year 9999 behind it
            raise self.make_error("out_of_range") from None
        if not EARLIEST <= in_utc < LATEST:
            raise self.make_error("out_of_range")
        return moment


class Date(fields.Date):
    """An ISO 8601 day inside the years AwareDateTime accepts."""

    default_error_messages = {"out_of_range": f"日期{_RANGE}"}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST.date() <= day < LATEST.date():
            raise self.make_error("out_of_range")
        return day


class Month(fields.String):
    """`YYYY-MM`, a calendar month inside the years AwareDateTime accepts (loaded as str)."""

    def __init__(self, **kwargs) -> None:
        pattern = r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$"
        kwargs.setdefault("validate", validate.Regexp(pattern, error=f"格式应为 YYYY-MM，{_RANGE}"))
        super().__init__(**kwargs)


class Id(fields.Integer):
    """A row id in 1..2^63-1. Pass `strict=True` in JSON bodies to refuse "5" and 5.0;
    query strings are text, so the default accepts digits."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
        super().__init__(**kwargs)
