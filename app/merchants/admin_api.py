"""Operator endpoints: admit merchants to the alliance, look them up, freeze and unfreeze."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.merchants import models as _models  # noqa: F401  (registers the tables)
from app.merchants import service
from app.merchants.schemas import (
    MerchantCreateSchema,
    MerchantFreezeSchema,
    MerchantListArgsSchema,
    MerchantSchema,
    UnfreezeSchema,
)
from app.pagination import Page, page_schema

blp = Blueprint("admin_merchants", __name__, description="商户管理 Merchants (operators)")


@blp.route("", methods=["POST"])
@operator_required
@blp.arguments(MerchantCreateSchema)
@blp.response(201, MerchantSchema)
@blp.alt_response(404, description="user_not_found")
@blp.alt_response(409, description="already_merchant_staff")
def create_merchant(body: dict):
    """Admit a merchant; the owner gets the role `merchant_owner`."""
    return service.create_merchant(created_by=current_principal().user_id, **body)


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(MerchantListArgsSchema, location="query")
@blp.response(200, page_schema(MerchantSchema))
def list_merchants(args: dict):
    """All merchants, newest first (`?status=frozen` for the frozen ones)."""
    return Page(*service.list_merchants(args["limit"], args["cursor"], args["status"]))


@blp.route("/<int:merchant_id>", methods=["GET"])
@operator_required
@blp.response(200, MerchantSchema)
@blp.alt_response(404, description="merchant_not_found")
def get_merchant(merchant_id: int):
    """One merchant."""
    return service.get_merchant(merchant_id)


@blp.route("/<int:merchant_id>/freeze", methods=["POST"])
@operator_required
@blp.arguments(MerchantFreezeSchema)
@blp.response(200, MerchantSchema)
@blp.alt_response(404, description="merchant_not_found")
@blp.alt_response(409, description="merchant_frozen (already)")
def freeze_merchant(body: dict, merchant_id: int):
    """冻结: its offers stop selling and its coupons cannot be verified until unfrozen;
    residents may cancel its unused coupons for a refund (docs/decisions/0940)."""
    return service.freeze_merchant(current_principal().user_id, merchant_id, body["reason"])


@blp.route("/<int:merchant_id>/unfreeze", methods=["POST"])
@operator_required
@blp.arguments(UnfreezeSchema)
@blp.response(200, MerchantSchema)
@blp.alt_response(404, description="merchant_not_found")
@blp.alt_response(409, description="merchant_not_frozen")
def unfreeze_merchant(_body: dict, merchant_id: int):
    """Let a frozen merchant sell and verify again."""
    return service.unfreeze_merchant(current_principal().user_id, merchant_id)
