"""Console endpoint for merchant owners: console logins for their clerks."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, merchant_owner_required
from app.console import accounts
from app.console.schemas import ClerkAccountCreateSchema, ConsoleAccountSchema

blp = Blueprint("merchant_console", __name__, description="店员控制台账号 Clerk console accounts")


@blp.route("/console-clerks", methods=["POST"])
@merchant_owner_required
@blp.arguments(ClerkAccountCreateSchema)
@blp.response(201, ConsoleAccountSchema)
@blp.alt_response(403, description="not_merchant_owner")
@blp.alt_response(409, description="username_taken")
def create_clerk(body: dict):
    """Create a console login for a new clerk of my merchant (they can verify coupons)."""
    return accounts.create_clerk_account(current_principal().user_id, **body)
