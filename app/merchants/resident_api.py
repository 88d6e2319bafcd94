"""Resident endpoints of the alliance: where merchants are, and applying to join."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.merchants import applications, service
from app.merchants import models as _models  # noqa: F401  (registers the tables)
from app.merchants.schemas import ApplicationCreateSchema, ApplicationSchema, MerchantPlaceSchema
from app.pagination import Page, PageArgsSchema, page_schema

blp = Blueprint("alliance", __name__, description="联盟商户 Alliance merchants (residents)")


@blp.route("/merchants", methods=["GET"])
@resident_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(MerchantPlaceSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_merchants(args: dict):
    """The alliance's merchants with address, phone, hours and position (GCJ-02), newest
    first. Sorting by distance happens on the phone: the resident's position is never sent."""
    return Page(*service.list_active_merchants(args["limit"], args["cursor"]))


@blp.route("/merchants/<int:merchant_id>", methods=["GET"])
@resident_required
@blp.response(200, MerchantPlaceSchema)
@blp.alt_response(404, description="merchant_not_found")
def get_merchant(merchant_id: int):
    """One merchant of the alliance: where to use its coupons."""
    return service.get_active_merchant(merchant_id)


@blp.route("/me/merchant-applications", methods=["POST"])
@resident_required
@blp.arguments(ApplicationCreateSchema)
@blp.response(201, ApplicationSchema)
@blp.alt_response(404, description="upload_not_found: the licence photo is not mine")
@blp.alt_response(409, description="application_pending, already_merchant_staff")
def apply(body: dict):
    """Apply to join the alliance (shop name, address, phone, opening hours, position and
    a licence photo from POST /uploads). An operator approves (I become `merchant_owner`)
    or rejects with a reason; either way a WeChat notice follows."""
    return applications.submit_application(current_principal().user_id, body)


@blp.route("/me/merchant-applications", methods=["GET"])
@resident_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ApplicationSchema))
@blp.alt_response(400, description="invalid_cursor")
def my_applications(args: dict):
    """My applications, newest first, with the operator's reason when rejected."""
    return Page(
        *applications.list_my_applications(
            current_principal().user_id, args["limit"], args["cursor"]
        )
    )


@blp.route("/me/merchant-applications/<int:application_id>/withdraw", methods=["POST"])
@resident_required
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, description="application_not_found")
@blp.alt_response(409, description="application_decided")
def withdraw(application_id: int):
    """Take back my pending application."""
    return applications.withdraw_application(current_principal().user_id, application_id)
