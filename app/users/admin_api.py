"""Operator endpoints for looking up users."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import operator_required
from app.users import service
from app.users.schemas import UserSchema

blp = Blueprint("admin_users", __name__, description="用户管理 Users (operators)")


@blp.route("/<int:user_id>", methods=["GET"])
@operator_required
@blp.response(200, UserSchema)
@blp.alt_response(404, description="user_not_found")
def get_user(user_id: int):
    """One user with their roles."""
    return service.find_user(user_id)
