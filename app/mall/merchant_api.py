"""Merchant endpoints of the mall: offers (owner), coupon verification (all staff) and the
month's settlement (owner)."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from app.auth import current_principal, merchant_owner_required, merchant_staff_required
from app.csvout import csv_response
from app.idempotency import idempotent
from app.mall import models as _models  # noqa: F401  (registers the tables)
from app.mall import offers, settlement, verification
from app.mall.schemas import (
    CodeSchema,
    CouponListArgsSchema,
    EmptySchema,
    MerchantCouponSchema,
    OfferCreateSchema,
    OfferListArgsSchema,
    OfferPatchSchema,
    OfferSchema,
    OfferStatusSchema,
    SettlementArgsSchema,
    SettlementSchema,
    VerifyResultSchema,
)
from app.pagination import Page, page_schema
from app.ratelimit import guess_limit

blp = Blueprint("mall_merchant", __name__, description="商户商品与核销 Offers and verification")

DEFAULT_CODE_FAILURE_LIMIT = "10 per 10 minutes"


def _clerk_key() -> str:
    return str(current_principal().user_id)


# Wrong codes (404) count against the clerk on verify and lookup alike; once over the
# limit every code is refused with 429 until the window passes (no brute-forcing). Counted
# before the code is looked up, so a parallel burst checks no more than the limit.
wrong_code_limit = guess_limit(
    "coupon-code",
    lambda: current_app.config.get("COUPON_CODE_FAILURE_LIMIT", DEFAULT_CODE_FAILURE_LIMIT),
    _clerk_key,
    "错误券码过多，请稍后再试",
)


@blp.route("/offers", methods=["GET"])
@merchant_staff_required
@blp.arguments(OfferListArgsSchema, location="query")
@blp.response(200, page_schema(OfferSchema))
def list_offers(args: dict):
    """My merchant's offers, newest first (any status)."""
    return Page(
        *offers.list_merchant_offers(
            current_principal().user_id, args["status"], args["limit"], args["cursor"]
        )
    )


@blp.route("/offers", methods=["POST"])
@merchant_owner_required
@blp.arguments(OfferCreateSchema)
@blp.response(201, OfferStatusSchema)
@blp.alt_response(403, description="not_merchant_owner")
def create_offer(body: dict):
    """Publish an offer; it waits for an operator's review (`pending_review`)."""
    return offers.create_offer(current_principal().user_id, body)


@blp.route("/offers/<int:offer_id>", methods=["GET"])
@merchant_staff_required
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found (also another merchant's offer)")
def get_offer(offer_id: int):
    """One of my merchant's offers."""
    return offers.get_merchant_offer(current_principal().user_id, offer_id)


@blp.route("/offers/<int:offer_id>", methods=["PATCH"])
@merchant_owner_required
@blp.arguments(OfferPatchSchema)
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(
    409, description="offer_live (pause first), offer_taken_down (terms locked), stock_below_issued"
)
def update_offer(body: dict, offer_id: int):
    """Edit an offer. New terms go back to review; `stock` may change at any time."""
    return offers.update_offer(current_principal().user_id, offer_id, body)


@blp.route("/offers/<int:offer_id>/pause", methods=["POST"])
@merchant_owner_required
@blp.arguments(EmptySchema)
@blp.response(200, OfferSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(409, description="offer_taken_down, offer_not_pausable")
def pause_offer(_body: dict, offer_id: int):
    """Stop redemptions of an offer."""
    return offers.pause_offer(current_principal().user_id, offer_id)


@blp.route("/offers/<int:offer_id>/resume", methods=["POST"])
@merchant_owner_required
@blp.arguments(EmptySchema)
@blp.response(200, OfferSchema)
@blp.alt_response(409, description="offer_not_paused, offer_taken_down (an operator took it down)")
def resume_offer(_body: dict, offer_id: int):
    """Resume a paused offer (live again if approved, else back to review)."""
    return offers.resume_offer(current_principal().user_id, offer_id)


@blp.route("/coupons", methods=["GET"])
@merchant_staff_required
@blp.arguments(CouponListArgsSchema, location="query")
@blp.response(200, page_schema(MerchantCouponSchema))
def list_coupons(args: dict):
    """My merchant's coupons, newest first (`?status=used` for verified ones)."""
    return Page(
        *verification.list_merchant_coupons(
            current_principal().user_id, args["status"], args["limit"], args["cursor"]
        )
    )


@blp.route("/coupons/lookup", methods=["POST"])
@merchant_staff_required
@wrong_code_limit
@blp.arguments(CodeSchema)
@blp.response(200, MerchantCouponSchema)
@blp.alt_response(404, description="coupon_not_found (also another merchant's coupon)")
@blp.alt_response(429, description="rate_limited: too many wrong codes")
def lookup_coupon(body: dict):
    """See a coupon before verifying it (full or short code; changes nothing)."""
    return verification.lookup_coupon(current_principal().user_id, body["code"])


@blp.route("/coupons/verify", methods=["POST"])
@merchant_staff_required
@idempotent
@wrong_code_limit
@blp.arguments(CodeSchema)
@blp.response(200, VerifyResultSchema)
@blp.alt_response(404, description="coupon_not_found (also another merchant's coupon)")
@blp.alt_response(
    409,
    description="coupon_already_used, coupon_expired, coupon_cancelled, coupon_not_yet_valid, "
    "merchant_frozen (an operator froze the merchant: nothing is verified meanwhile)",
)
@blp.alt_response(429, description="rate_limited: too many wrong codes")
def verify_coupon(body: dict):
    """Verify (核销) a coupon: issued -> used, once."""
    return {"coupon": verification.verify_coupon(current_principal().user_id, body["code"])}


def _wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return (
        best == "text/csv"
        and request.accept_mimetypes["text/csv"] > (request.accept_mimetypes["application/json"])
    )


@blp.route("/settlement", methods=["GET"])
@merchant_owner_required
@blp.arguments(SettlementArgsSchema, location="query")
@blp.response(
    200, SettlementSchema, description="JSON; CSV (one row per coupon) with `Accept: text/csv`"
)
def get_settlement(args: dict):
    """Coupons verified in a month and the amounts owed (JSON, or CSV by Accept)."""
    month = args["month"] or settlement.current_month()
    statement = settlement.monthly_settlement(current_principal().user_id, month)
    if not _wants_csv():
        return statement
    filename = f"settlement-{statement.merchant_id}-{month}.csv"
    return csv_response(settlement.settlement_csv(statement), filename)
