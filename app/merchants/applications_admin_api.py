"""Operator endpoints for alliance applications: the queue, approve, reject with a reason."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.merchants import applications
from app.merchants import models as _models  # noqa: F401  (registers the tables)
from app.merchants.schemas import (
    ApplicationListArgsSchema,
    ApplicationRejectSchema,
    ApplicationSchema,
)
from app.pagination import Page, page_schema

blp = Blueprint(
    "admin_merchant_applications", __name__,
    description="入驻申请 Alliance applications (operators)",
)  # fmt: skip


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(ApplicationListArgsSchema, location="query")
@blp.response(200, page_schema(ApplicationSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_applications(args: dict):
    """Applications, newest first (`?status=pending` for the queue). The licence photo is
    at GET /admin/uploads/{licence_upload_id}."""
    return Page(*applications.list_applications(args["status"], args["limit"], args["cursor"]))


@blp.route("/<int:application_id>", methods=["GET"])
@operator_required
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, description="application_not_found")
def get_application(application_id: int):
    """One application."""
    return applications.get_application(application_id)


@blp.route("/<int:application_id>/approve", methods=["POST"])
@operator_required
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, description="application_not_found, user_not_found")
@blp.alt_response(409, description="application_decided, already_merchant_staff (it stays pending)")
def approve(application_id: int):
    """Admit the shop: the merchant is created with the application's details and the
    applicant becomes its `merchant_owner` (audited; the applicant gets a notice)."""
    return applications.approve_application(application_id, current_principal().user_id)


@blp.route("/<int:application_id>/reject", methods=["POST"])
@operator_required
@blp.arguments(ApplicationRejectSchema)
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, description="application_not_found")
@blp.alt_response(409, description="application_decided")
def reject(body: dict, application_id: int):
    """Turn the application down with a reason the applicant reads (audited; notice)."""
    return applications.reject_application(
        application_id, current_principal().user_id, body["reason"]
    )
