"""Helpers the registry's views share: a page or the whole list as CSV, holdings."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import select

from app.csvout import csv_response, to_csv
from app.extensions import db
from app.pagination import Page, paginate_desc
from app.registry.models import Batch, UnitAccount

CSV_MAX_ROWS = 50_000

# For a list that also answers `?format=csv`: the OpenAPI document names both types.
csv_listing = Blueprint.doc(
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
)


def page_or_csv(stmt, id_column, schema: type[Schema], args: dict, filename: str, prepare=None):
    """`{"items", "next_cursor"}` for JSON, or every row (newest first) as CSV with
    `?format=csv`; nested objects are flattened to their `code`/`name`/`id`."""
    if args.get("format") == "csv":
        rows = list(db.session.scalars(stmt.order_by(id_column.desc()).limit(CSV_MAX_ROWS)))
        if prepare is not None:
            rows = prepare(rows)
        return _csv(schema, rows, filename)
    rows, next_cursor = paginate_desc(stmt, id_column, args["limit"], args["cursor"])
    if prepare is not None:
        rows = prepare(rows)
    return Page(rows, next_cursor)


def list_or_csv(items: list, schema: type[Schema], args: dict, filename: str):
    """`{"items"}` for an unpaged list (holdings), or the same rows as CSV with `?format=csv`."""
    if args.get("format") == "csv":
        return _csv(schema, items, filename)
    return {"items": items}


def _csv(schema: type[Schema], rows: list, filename: str):
    # The schema names the columns, so an empty list still has its header row.
    columns = [field.data_key or name for name, field in schema().dump_fields.items()]
    dumped = [_flat(item) for item in schema(many=True).dump(rows)]
    return csv_response(to_csv(dumped, columns), filename)


def _flat(item: dict) -> dict:
    flat = {}
    for key, value in item.items():
        if isinstance(value, dict):
            flat[key] = value.get("code") or value.get("name") or value.get("id")
        elif isinstance(value, list):
            flat[key] = " ".join(str(v) for v in value)
        else:
            flat[key] = value
    return flat


def holdings(holder_id: int | None = None, kind: str = "held") -> list[dict]:
    """Units per batch in a holder's account (or in the buffer with kind="buffer")."""
    stmt = (
        select(UnitAccount, Batch)
        .join(Batch, Batch.id == UnitAccount.batch_id)
        .where(UnitAccount.kind == kind, UnitAccount.balance > 0)
        .order_by(Batch.id)
    )
    if holder_id is not None:
        stmt = stmt.where(UnitAccount.holder_id == holder_id)
    return [
        {
            "batch_id": batch.id,
            "serial": batch.serial,
            "programme": batch.programme.name,
            "period_start": batch.period_start,
            "period_end": batch.period_end,
            "quantity": account.balance,
            "holder_id": account.holder_id,
        }
        for account, batch in db.session.execute(stmt)
    ]
