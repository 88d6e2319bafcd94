"""Operator endpoints of the mall: the offer review queue, approve, reject, take down (下架)
and put back; a resident's coupons (the resident page)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.mall import coupons, offer_review
from app.mall import models as _models  # noqa: F401  (registers the tables)
from app.mall.schemas import (
    AdminOfferListArgsSchema,
    EmptySchema,
    OfferRejectSchema,
    OfferSchema,
    OfferStatusSchema,
    OfferTakeDownSchema,
    ResidentCouponListArgsSchema,
    ResidentCouponSchema,
)
from app.pagination import Page, page_schema

blp = Blueprint("mall_admin", __name__, description="商品审核 Offer review (operators)")
users_blp = Blueprint(
    "mall_admin_users", __name__, description="居民的兑换券 A resident's coupons (operators)"
)


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(AdminOfferListArgsSchema, location="query")
@blp.response(200, page_schema(OfferSchema))
def list_offers(args: dict):
    """All offers, newest first (`?status=pending_review` for the review queue,
    `?merchant_id=` for one merchant's)."""
    return Page(
        *offer_review.list_offers_for_operators(
            args["status"], args["limit"], args["cursor"], args["merchant_id"]
        )
    )


@blp.route("/<int:offer_id>/approve", methods=["POST"])
@operator_required
@blp.arguments(EmptySchema)
@blp.response(200, OfferStatusSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(409, description="offer_not_pending")
def approve_offer(_body: dict, offer_id: int):
    """Put a pending offer live."""
    return offer_review.approve_offer(current_principal().user_id, offer_id)


@blp.route("/<int:offer_id>/reject", methods=["POST"])
@operator_required
@blp.arguments(OfferRejectSchema)
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(409, description="offer_not_pending")
def reject_offer(body: dict, offer_id: int):
    """Send a pending offer back to its merchant with a reason."""
    return offer_review.reject_offer(current_principal().user_id, offer_id, body["reason"])


@blp.route("/<int:offer_id>/pause", methods=["POST"])
@operator_required
@blp.arguments(OfferTakeDownSchema)
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(
    409,
    description="offer_taken_down (already), offer_not_pausable (rejected), offer_state_changed",
)
def take_down_offer(body: dict, offer_id: int):
    """下架: take an offer off sale at once (`status: taken_down`), with a reason its
    merchant sees. Only an operator puts it back; issued coupons stay valid."""
    return offer_review.take_down_offer(current_principal().user_id, offer_id, body["reason"])


@blp.route("/<int:offer_id>/resume", methods=["POST"])
@operator_required
@blp.arguments(EmptySchema)
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(409, description="offer_not_taken_down, offer_state_changed")
def relist_offer(_body: dict, offer_id: int):
    """Put a taken-down offer back: live if its terms were approved, else to review."""
    return offer_review.relist_offer(current_principal().user_id, offer_id)


@users_blp.route("/<int:user_id>/coupons", methods=["GET"])
@operator_required
@users_blp.arguments(ResidentCouponListArgsSchema, location="query")
@users_blp.response(200, page_schema(ResidentCouponSchema))
@users_blp.alt_response(400, description="invalid_cursor")
def resident_coupons(args: dict, user_id: int):
    """A resident's coupons, newest first (no codes: they are the resident's bearer secret)."""
    return Page(*coupons.list_coupons(user_id, args["status"], args["limit"], args["cursor"]))
