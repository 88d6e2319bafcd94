"""Resident endpoints: the points history and the points that will expire."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.ledger import models as _models  # noqa: F401  (registers the tables)
from app.ledger import service
from app.ledger.schemas import ExpiringPointsSchema, LedgerEntrySchema
from app.pagination import Page, PageArgsSchema, page_schema

blp = Blueprint("ledger", __name__, description="积分明细 Points history (residents)")


@blp.route("/ledger", methods=["GET"])
@resident_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(LedgerEntrySchema))
@blp.alt_response(400, description="invalid_cursor")
def my_ledger(args: dict):
    """My points history, newest first, each row with the balance after it."""
    rows, next_cursor = service.list_ledger_entries(
        current_principal().user_id, args["limit"], args["cursor"]
    )
    return Page(rows, next_cursor)


@blp.route("/points/expiring", methods=["GET"])
@resident_required
@blp.response(200, ExpiringPointsSchema)
def my_expiring_points():
    """How many of my points expire when, earliest first."""
    return {"items": service.list_expiring_lots(current_principal().user_id)}
