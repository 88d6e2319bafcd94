"""Cursor (keyset) pagination: `{"items": [...], "next_cursor": ...}` with ?limit=&cursor=.

Keyset pagination on an increasing integer id stays as fast on page 1,000 as on page 1,
and a row inserted while the client pages never shifts or repeats what it sees.
"""

from __future__ import annotations

import base64
import binascii
from functools import cache
from typing import NamedTuple

from marshmallow import Schema, fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import BadRequest
from app.extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(BadRequest):
    reason, message = "invalid_cursor", "分页参数无效"


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(max=64))


def encode_cursor(last_id: int) -> str:
    """The opaque cursor of the page after the row with id `last_id`."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The last id a cursor names. Raises InvalidCursor (400 `invalid_cursor`)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        last_id = int(value)
        if prefix != "v1" or not 0 < last_id < 2**63:  # ids are positive 64-bit integers
            raise ValueError(prefix)
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


class Page(NamedTuple):
    """One page of a list: what every list endpoint answers (`page_schema` dumps it), and
    what `paginate_desc` returns (it unpacks as `(items, next_cursor)` too)."""

    items: list
    next_cursor: str | None


def paginate_desc(
    stmt: Select, id_column: InstrumentedAttribute, limit: int, cursor: str | None
) -> Page:
    """Keyset pagination, highest id first; returns Page(rows, next_cursor).

    `stmt` selects one ORM entity (rows are objects) or several columns (rows are Row
    objects that include `id_column` under its own name).
    Raises InvalidCursor (400 `invalid_cursor`).
    """
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    stmt = stmt.order_by(id_column.desc()).limit(limit + 1)
    result = db.session.execute(stmt)
    rows = list(result.scalars()) if len(result.keys()) == 1 else list(result)
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not has_more or not rows:
        return Page(rows, None)
    return Page(rows, encode_cursor(getattr(rows[-1], id_column.key)))


@cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope for `item_schema`: {items: [...], next_cursor}."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
    )
