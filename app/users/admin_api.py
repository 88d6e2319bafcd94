"""Operator endpoints for residents: search, one resident, names for ids, freeze and
unfreeze (the resident page of the console)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.pagination import Page, page_schema
from app.users import directory, service
from app.users.schemas import (
    AdminUserSchema,
    FreezeSchema,
    NoBodySchema,
    UserNameListSchema,
    UserNamesArgsSchema,
    UserSearchArgsSchema,
)

blp = Blueprint("admin_users", __name__, description="用户管理 Users (operators)")


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(UserSearchArgsSchema, location="query")
@blp.response(200, page_schema(AdminUserSchema))
@blp.alt_response(400, description="invalid_cursor")
def search_users(args: dict):
    """Residents by id, 公开编号 (the public code the resident reads out from the
    mini-program) or part of the nickname, newest first; without `q`, all residents."""
    return Page(
        *directory.search_residents(args["q"], args["limit"], args["cursor"], args["frozen"])
    )


@blp.route("/names", methods=["GET"])
@operator_required
@blp.arguments(UserNamesArgsSchema, location="query")
@blp.response(200, UserNameListSchema)
def user_names(args: dict):
    """Names for user ids (residents, console accounts), so pages show people, not #ids;
    unknown ids are left out."""
    return {"items": directory.user_names(args["ids"])}


@blp.route("/<int:user_id>", methods=["GET"])
@operator_required
@blp.response(200, AdminUserSchema)
@blp.alt_response(404, description="user_not_found")
def get_user(user_id: int):
    """One user with their roles, public code and whether their account is frozen."""
    return service.find_user(user_id)


@blp.route("/<int:user_id>/freeze", methods=["POST"])
@operator_required
@blp.arguments(FreezeSchema)
@blp.response(200, AdminUserSchema)
@blp.alt_response(404, description="user_not_found")
@blp.alt_response(409, description="account_frozen (already), not_a_resident")
def freeze_user(body: dict, user_id: int):
    """冻结: the resident's check-ins, uploads, WeRun syncs, redemptions, adoptions and
    offsets are refused (403 `account_frozen`) from the next request on; reading,
    exporting and deleting their data stay open. Audited with the reason."""
    return service.freeze_resident(current_principal().user_id, user_id, body["reason"])


@blp.route("/<int:user_id>/unfreeze", methods=["POST"])
@operator_required
@blp.arguments(NoBodySchema)
@blp.response(200, AdminUserSchema)
@blp.alt_response(404, description="user_not_found")
@blp.alt_response(409, description="account_not_frozen, not_a_resident")
def unfreeze_user(_body: dict, user_id: int):
    """Unfreeze a resident's account."""
    return service.unfreeze_resident(current_principal().user_id, user_id)
