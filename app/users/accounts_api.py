"""Operator endpoints for console accounts (账号管理): list, create an operator, disable,
enable, reset the password, give or take the operator role (docs/decisions/0942)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.pagination import Page, page_schema
from app.users import accounts, directory
from app.users.schemas import (
    ConsoleAccountArgsSchema,
    ConsoleAccountCreateSchema,
    ConsoleAccountPasswordSchema,
    ConsoleAccountViewSchema,
    NoBodySchema,
)

blp = Blueprint("admin_accounts", __name__, description="控制台账号 Console accounts (operators)")
_NOT_FOUND = "account_not_found (also a resident's WeChat account)"


def _actor() -> int:
    return current_principal().user_id


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(ConsoleAccountArgsSchema, location="query")
@blp.response(200, page_schema(ConsoleAccountViewSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_accounts(args: dict):
    """Console accounts (operators, merchant owners and clerks, verifiers, holders),
    newest first, with roles, whether disabled, and the last login."""
    return Page(
        *directory.list_console_accounts(args["role"], args["q"], args["limit"], args["cursor"])
    )


@blp.route("", methods=["POST"])
@operator_required
@blp.arguments(ConsoleAccountCreateSchema)
@blp.response(201, ConsoleAccountPasswordSchema)
@blp.alt_response(409, description="username_taken")
def create_account(body: dict):
    """A new operator login; the answer carries its password, shown only once."""
    account, password = accounts.create_operator_account(
        _actor(), body["username"], body["nickname"]
    )
    return {"account": account, "password": password}


@blp.route("/<int:user_id>/disable", methods=["POST"])
@operator_required
@blp.arguments(NoBodySchema)
@blp.response(200, ConsoleAccountViewSchema)
@blp.alt_response(404, description=_NOT_FOUND)
@blp.alt_response(
    409, description="cannot_change_own_account, last_operator, account_disabled (already)"
)
def disable_account(_body: dict, user_id: int):
    """停用: the account cannot log in (401 `account_disabled`) and its sessions end now."""
    return accounts.disable_account(_actor(), user_id)


@blp.route("/<int:user_id>/enable", methods=["POST"])
@operator_required
@blp.arguments(NoBodySchema)
@blp.response(200, ConsoleAccountViewSchema)
@blp.alt_response(404, description=_NOT_FOUND)
@blp.alt_response(409, description="account_not_disabled")
def enable_account(_body: dict, user_id: int):
    """Let a disabled account log in again."""
    return accounts.enable_account(_actor(), user_id)


@blp.route("/<int:user_id>/reset-password", methods=["POST"])
@operator_required
@blp.arguments(NoBodySchema)
@blp.response(200, ConsoleAccountPasswordSchema)
@blp.alt_response(404, description=_NOT_FOUND)
@blp.alt_response(409, description="cannot_change_own_account")
def reset_password(_body: dict, user_id: int):
    """A new password (shown once); the account's sessions end now."""
    account, password = accounts.reset_password(_actor(), user_id)
    return {"account": account, "password": password}


@blp.route("/<int:user_id>/roles/<string:role>", methods=["PUT"])
@operator_required
@blp.response(200, ConsoleAccountViewSchema)
@blp.alt_response(404, description=_NOT_FOUND)
@blp.alt_response(409, description="cannot_change_own_account")
@blp.alt_response(422, description="role_not_grantable: only `operator` is managed here")
def grant_role(user_id: int, role: str):
    """Give a console account a role (only `operator`); applies to its live sessions at once."""
    return accounts.set_role(_actor(), user_id, role, granted=True)


@blp.route("/<int:user_id>/roles/<string:role>", methods=["DELETE"])
@operator_required
@blp.response(200, ConsoleAccountViewSchema)
@blp.alt_response(404, description=_NOT_FOUND)
@blp.alt_response(409, description="cannot_change_own_account, last_operator")
@blp.alt_response(422, description="role_not_grantable: only `operator` is managed here")
def revoke_role(user_id: int, role: str):
    """Take a role (only `operator`) away from a console account, at once."""
    return accounts.set_role(_actor(), user_id, role, granted=False)
