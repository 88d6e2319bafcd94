"""Operator endpoints of the mall: the offer review queue, approve, reject."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.mall import models as _models  # noqa: F401  (registers the tables)
from app.mall import offers
from app.mall.schemas import (
    EmptySchema,
    OfferListArgsSchema,
    OfferRejectSchema,
    OfferSchema,
    OfferStatusSchema,
)
from app.pagination import page_schema

blp = Blueprint("mall_admin", __name__, description="商品审核 Offer review (operators)")


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(OfferListArgsSchema, location="query")
@blp.response(200, page_schema(OfferSchema))
def list_offers(args: dict):
    """All offers, newest first (`?status=pending_review` for the review queue)."""
    items, next_cursor = offers.list_offers_for_operators(
        args["status"], args["limit"], args["cursor"]
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<int:offer_id>/approve", methods=["POST"])
@operator_required
@blp.arguments(EmptySchema)
@blp.response(200, OfferStatusSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(409, description="offer_not_pending")
def approve_offer(_body: dict, offer_id: int):
    """Put a pending offer live."""
    return offers.approve_offer(current_principal().user_id, offer_id)


@blp.route("/<int:offer_id>/reject", methods=["POST"])
@operator_required
@blp.arguments(OfferRejectSchema)
@blp.response(200, OfferSchema)
@blp.alt_response(409, description="offer_not_pending")
def reject_offer(body: dict, offer_id: int):
    """Send a pending offer back to its merchant with a reason."""
    return offers.reject_offer(current_principal().user_id, offer_id, body["reason"])
