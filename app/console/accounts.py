"""Console logins for merchants: an operator opens a merchant together with its owner's
console account; an owner adds clerks who work from the web console.

Composed from the users and merchants services only: an owner account is a console user
made the merchant's owner by `create_merchant`; a clerk account joins through a
single-use invite exactly as a clerk joining from the mini-program does.
"""

from __future__ import annotations

from app.audit.service import record_audit
from app.merchants import service as merchants
from app.users import service as users
from app.users.models import User


def create_merchant_with_owner(
    operator_id: int, *, name: str, username: str, password: str, nickname: str = "",
    description: str = "", address: str = "", phone: str = "",
) -> dict:  # fmt: skip
    """Admit a merchant whose owner logs in to the console with username and password.

    Raises Conflict (`username_taken`).
    """
    owner = users.create_console_user(
        username, password, role=merchants.ROLE_OWNER, nickname=nickname or f"{name}店主"
    )
    merchant = merchants.create_merchant(
        name, owner.id, created_by=operator_id,
        description=description, address=address, phone=phone,
    )  # fmt: skip
    record_audit(
        operator_id, "console.account.create", f"user:{owner.id}", None,
        {"username": owner.username, "role": merchants.ROLE_OWNER, "merchant_id": merchant.id},
    )  # fmt: skip
    return {"merchant": merchant, "owner": owner}


def create_clerk_account(
    owner_user_id: int, *, username: str, password: str, nickname: str = ""
) -> User:
    """A console account for a new clerk of the owner's merchant.

    Raises NotMerchantStaff, NotMerchantOwner (403), Conflict (`username_taken`).
    """
    invite = merchants.create_staff_invite(owner_user_id)
    clerk = users.create_console_user(
        username, password, role=merchants.ROLE_CLERK, nickname=nickname or username
    )
    merchants.join_merchant(clerk.id, invite.invite_code)
    return clerk
