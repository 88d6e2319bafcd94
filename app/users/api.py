"""Auth endpoints: WeChat login, console login, logout, and who am I."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from app.auth import current_principal, login_required
from app.users import service
from app.users.login_limits import login_limited
from app.users.schemas import LoginResultSchema, OperatorLoginSchema, UserSchema, WxLoginSchema

blp = Blueprint("auth", __name__, description="登录与会话 Login and sessions")


@blp.route("/wx-login", methods=["POST"])
@blp.arguments(WxLoginSchema)
@blp.response(200, LoginResultSchema)
@blp.alt_response(401, description="wechat_login_failed: the code is unknown or was used")
def wx_login(body: dict):
    """Log in with a wx.login code (code2session happens on the server)."""
    return service.login_with_wechat(body["code"], current_app.config["AUTH_TOKEN_TTL_SECONDS"])


@blp.route("/operator-login", methods=["POST"])
@login_limited(service.InvalidCredentials)
@blp.arguments(OperatorLoginSchema)
@blp.response(200, LoginResultSchema)
@blp.alt_response(401, description="invalid_credentials")
@blp.alt_response(
    429,
    description="rate_limited: too many failures from this address, or for "
    "this username from an address that failed on it",
)
def operator_login(body: dict):
    """Log in to the web console with a username and password (failures are limited per
    client address and per username)."""
    return service.login_operator(
        body["username"], body["password"], current_app.config["OPERATOR_TOKEN_TTL_SECONDS"]
    )


@blp.route("/logout", methods=["POST"])
@login_required
@blp.response(204)
def logout():
    """End this session; the token is refused from then on."""
    service.logout(current_principal())


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, UserSchema)
def me():
    """The logged-in user with their roles."""
    return service.get_user(current_principal().user_id)
