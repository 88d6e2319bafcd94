"""CSV for operators and merchants (stats tables, exports, settlements, registry lists):
UTF-8 with a BOM (so Excel shows Chinese correctly), no formula injection (a text cell
starting with = + - @ is prefixed with '), and every time in Asia/Shanghai with its
offset (`2026-12-01T20:06:07+08:00`): what an operator in China reads in a spreadsheet,
still one exact instant. A cell becomes a Beijing time when it is a datetime or an ISO
8601 time with an offset (as schemas and `isoformat()` write the UTC times we store), so
no list can forget it; dates (`2026-12-01`) stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from flask import Response

from app.clock import SHANGHAI

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:\d{2}|Z)$"
)


def beijing_time(moment: datetime) -> str:
    """An aware time as Asia/Shanghai ISO 8601 with the offset, to the second."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return beijing_time(value)
    if isinstance(value, str) and _ISO_TIME.match(value):
        return beijing_time(datetime.fromisoformat(value))
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(columns: Sequence[str], rows: Iterable[dict], header: bool = True) -> Iterable[str]:
    """The CSV text of `rows` (dicts) with `columns`, one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
        yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(row.get(column)) for column in columns])
        yield buffer.getvalue()


def to_csv(rows: list[dict], columns: Sequence[str] | None = None) -> str:
    """A whole CSV document (BOM + header + rows); columns default to the first row's keys."""
    columns = list(columns or (rows[0].keys() if rows else []))
    return BOM + "".join(csv_lines(columns, rows))


def csv_response(text: str | bytes, filename: str) -> Response:
    """A CSV download named `filename` (text is sent as UTF-8)."""
    return Response(
        text.encode("utf-8") if isinstance(text, str) else text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def wants_csv(request_args: dict, accept_header: str) -> bool:
    """`?format=csv` or an Accept header that prefers text/csv."""
    return request_args.get("format") == "csv" or "text/csv" in (accept_header or "")
