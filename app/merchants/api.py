"""Merchant endpoints: profile, staff and invites, joining as a clerk. (The month's
settlement is the mall's: app/mall/merchant_api.py.)"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from app.auth import (
    current_principal,
    login_required,
    merchant_owner_required,
    merchant_staff_required,
)
from app.merchants import models as _models  # noqa: F401  (registers the tables)
from app.merchants import service
from app.merchants.schemas import (
    InviteSchema,
    JoinResultSchema,
    JoinSchema,
    MerchantProfilePatchSchema,
    MerchantSchema,
    StaffSchema,
)
from app.pagination import Page, PageArgsSchema, page_schema
from app.ratelimit import guess_limit

blp = Blueprint("merchants", __name__, description="商户 Merchants (owners and clerks)")

DEFAULT_JOIN_FAILURE_LIMIT = "10 per hour"


@blp.route("/profile", methods=["GET"])
@merchant_staff_required
@blp.response(200, MerchantSchema)
@blp.alt_response(403, description="not_merchant_staff")
def get_profile():
    """The merchant I work for."""
    return service.get_my_merchant(current_principal().user_id)


@blp.route("/profile", methods=["PATCH"])
@merchant_owner_required
@blp.arguments(MerchantProfilePatchSchema)
@blp.response(200, MerchantSchema)
def update_profile(body: dict):
    """Edit my merchant's name, description, address or phone (owner)."""
    return service.update_merchant_profile(current_principal().user_id, body)


@blp.route("/staff", methods=["GET"])
@merchant_owner_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(StaffSchema))
def list_staff(args: dict):
    """My merchant's owner and clerks (owner)."""
    return Page(*service.list_staff(current_principal().user_id, args["limit"], args["cursor"]))


@blp.route("/staff/<int:user_id>", methods=["DELETE"])
@merchant_owner_required
@blp.response(204)
@blp.alt_response(404, description="staff_not_found")
@blp.alt_response(409, description="cannot_remove_owner")
def remove_staff(user_id: int):
    """Remove a clerk: their next merchant call is refused (owner)."""
    service.remove_clerk(current_principal().user_id, user_id)


@blp.route("/staff-invites", methods=["POST"])
@merchant_owner_required
@blp.response(201, InviteSchema)
@blp.alt_response(403, description="not_merchant_owner")
def create_invite():
    """A single-use invite code (24 h) for a new clerk (owner only)."""
    return service.create_staff_invite(current_principal().user_id)


@blp.route("/staff/join", methods=["POST"])
@login_required
@guess_limit(
    "staff-join",
    lambda: current_app.config.get("STAFF_JOIN_FAILURE_LIMIT", DEFAULT_JOIN_FAILURE_LIMIT),
    lambda: str(current_principal().user_id),
    "错误邀请码过多，请稍后再试",
)
@blp.arguments(JoinSchema)
@blp.response(200, JoinResultSchema)
@blp.alt_response(404, description="invite_not_found")
@blp.alt_response(409, description="invite_used, invite_expired, already_merchant_staff")
@blp.alt_response(429, description="rate_limited: too many wrong invite codes")
def join(body: dict):
    """Join a merchant as a clerk with an invite code (any logged-in user)."""
    merchant = service.join_merchant(current_principal().user_id, body["invite_code"])
    return {"merchant": merchant, "role": service.ROLE_CLERK}
