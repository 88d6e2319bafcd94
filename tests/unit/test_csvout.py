"""CSV cells: times in Asia/Shanghai with their offset, formulas neutralised (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.csvout import to_csv


def test_times_are_written_in_beijing_time_with_the_offset():
    text = to_csv(
        [{
            "at": datetime(2026, 1, 31, 16, 30, tzinfo=UTC),
            "iso": "2026-01-31T16:30:00.123456+00:00",
            "zulu": "2026-01-31T16:30:00Z",
            "day": date(2026, 1, 31),
            "day_text": "2026-01-31",
            "memo": "=HYPERLINK()",
            "n": 5,
        }]
    )  # fmt: skip
    line = text.splitlines()[1]
    assert line == (
        "2026-02-01T00:30:00+08:00,2026-02-01T00:30:00+08:00,2026-02-01T00:30:00+08:00,"
        "2026-01-31,2026-01-31,'=HYPERLINK(),5"
    )
    assert text.startswith("\ufeffat,iso,zulu,day,day_text,memo,n")
