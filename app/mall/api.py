"""Resident endpoints: live offers, redemption, my coupons (QR, cancel)."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from app.auth import (
    current_principal,
    peek_session_read,
    read_with_session,
    resident_required,
    take_session_read,
)
from app.idempotency import current_idempotency, idempotent
from app.mall import catalog, coupons, redemption, sold_out
from app.mall import models as _models  # noqa: F401  (registers the tables)
from app.mall.schemas import (
    CancellationResultSchema,
    CouponListArgsSchema,
    CouponSchema,
    EmptySchema,
    LiveOfferArgsSchema,
    LiveOfferDetailSchema,
    LiveOfferSchema,
    RedemptionResultSchema,
)
from app.pagination import Page, page_schema
from app.view_cache import cached_answer

blp = Blueprint("mall", __name__, description="积分商城 Points mall (residents)")


@blp.route("/offers", methods=["GET"])
@resident_required
@cached_answer(catalog.GEN_KEY, catalog.LIST_TTL_SECONDS, per_user=False)
@blp.arguments(LiveOfferArgsSchema, location="query")
@blp.response(200, page_schema(LiveOfferSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_offers(args: dict):
    """Live offers, newest first (cached; committed changes, stock and the merchants'
    places too, show at once); `?merchant_id=` for one merchant's. Each names its merchant
    with address, phone, hours and position: where to use the coupon."""
    return catalog.list_live_offers(args["limit"], args["cursor"], args["merchant_id"])


@blp.route("/offers/<int:offer_id>", methods=["GET"])
@resident_required
@blp.response(200, LiveOfferDetailSchema)
@blp.alt_response(404, description="offer_not_found (unknown or not live)")
def get_offer(offer_id: int):
    """One live offer, with how many of it the caller holds."""
    return catalog.get_live_offer(offer_id, current_principal().user_id)


def _sold_out_keys() -> tuple[str, str]:
    return sold_out.keys(request.view_args["offer_id"])  # type: ignore[index]  # routed here


def _refuse_known_sold_out() -> None:
    """Before the Idempotency-Key's claim: the crowd after the last unit writes nothing."""
    if (marker := peek_session_read()) is not None:
        redemption.refuse_if_sold_out(marker)


@blp.route("/offers/<int:offer_id>/redeem", methods=["POST"])
@resident_required
@read_with_session(_sold_out_keys)
@idempotent(refuse_first=_refuse_known_sold_out)
@blp.arguments(EmptySchema)
@blp.response(201, RedemptionResultSchema)
@blp.alt_response(404, description="offer_not_found")
@blp.alt_response(
    409, description="out_of_stock, insufficient_points, limit_reached, offer_not_live"
)
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def redeem(_body: dict, offer_id: int):
    """Spend points on one coupon of the offer (one transaction: stock, limit, points)."""
    key, request_hash = current_idempotency()
    return redemption.redeem_offer(
        current_principal().user_id, offer_id, idempotency_key=key, request_hash=request_hash,
        sold_out_marker=take_session_read(),
    )  # fmt: skip


@blp.route("/me/coupons", methods=["GET"])
@resident_required
@blp.arguments(CouponListArgsSchema, location="query")
@blp.response(200, page_schema(CouponSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_my_coupons(args: dict):
    """My coupons, newest first (`?status=issued` for the ones I can still use)."""
    return Page(
        *coupons.list_coupons(
            current_principal().user_id, args["status"], args["limit"], args["cursor"]
        )
    )


@blp.route("/me/coupons/<int:coupon_id>", methods=["GET"])
@resident_required
@blp.response(200, CouponSchema)
@blp.alt_response(404, description="coupon_not_found (also someone else's coupon)")
def get_my_coupon(coupon_id: int):
    """One of my coupons."""
    return coupons.get_own_coupon(current_principal().user_id, coupon_id)


@blp.route("/me/coupons/<int:coupon_id>/qr", methods=["GET"])
@resident_required
@blp.doc(
    responses={
        "200": {
            "description": "PNG of the QR code to show",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
@blp.alt_response(404, description="coupon_not_found")
def get_my_coupon_qr(coupon_id: int):
    """The QR code (PNG) a clerk scans at the counter."""
    png = coupons.coupon_qr_png(current_principal().user_id, coupon_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@blp.route("/me/coupons/<int:coupon_id>/cancel", methods=["POST"])
@resident_required
@idempotent
@blp.arguments(EmptySchema)
@blp.response(200, CancellationResultSchema)
@blp.alt_response(404, description="coupon_not_found (also someone else's coupon)")
@blp.alt_response(409, description="coupon_not_cancellable")
def cancel_my_coupon(_body: dict, coupon_id: int):
    """Cancel an unused coupon: its points come back (ledger reversal)."""
    return coupons.cancel_coupon(current_principal().user_id, coupon_id)
