"""CSV for operators and merchants (stats tables, exports, settlements): UTF-8 with a BOM
(so Excel shows Chinese correctly) and no formula injection (a text cell starting with
= + - @ is prefixed with ')."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> object:
    if value is None:
        return ""
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
