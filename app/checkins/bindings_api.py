"""Resident endpoints for partner accounts: which partners there are, binding one with
the code the partner's app shows, my bindings, unbinding."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.checkins import bindings, partners
from app.checkins import models as _models  # noqa: F401  (registers the tables)
from app.checkins.schemas import BindingListSchema, BindResultSchema, BindSchema, PartnerListSchema
from app.checkins.settings import setting
from app.ratelimit import guess_limit

blp = Blueprint("partner_accounts", __name__, description="合作方账号 Partner accounts")


@blp.route("/partners", methods=["GET"])
@resident_required
@blp.response(200, PartnerListSchema)
def list_partners():
    """Partners whose accounts can be bound, with the scenarios they report."""
    return {"items": partners.list_active_partners()}


@blp.route("/me/partner-bindings", methods=["POST"])
@resident_required
@guess_limit(
    "partner-bind",
    lambda: setting("PARTNER_BIND_FAILURE_LIMIT"),
    lambda: str(current_principal().user_id),
    "错误的绑定码过多，请稍后再试",
)
@blp.arguments(BindSchema)
@blp.response(201, BindResultSchema)
@blp.alt_response(404, description="binding_code_not_found")
@blp.alt_response(
    409,
    description="binding_code_used, binding_code_expired, partner_account_bound, "
    "partner_already_bound",
)
@blp.alt_response(429, description="rate_limited: too many wrong binding codes")
def bind(body: dict):
    """Bind my account at a partner with the one-time code its app shows. This grants the
    consents for the partner's scenarios (listed in `consented`) and pays the events the
    partner reported for the account in the last PARTNER_HOLD_DAYS days (`paid`)."""
    result = bindings.bind_partner_account(current_principal().user_id, body["code"])
    return {
        "binding": result.binding,
        "partner": result.partner,
        "consented": result.partner.scenario_codes,
        "paid": bindings.paid_summary(result.paid),
    }


@blp.route("/me/partner-bindings", methods=["GET"])
@resident_required
@blp.response(200, BindingListSchema)
def my_bindings():
    """My partner accounts."""
    items = bindings.list_bindings(current_principal().user_id)
    return {"items": [{"binding": b, "partner": p} for b, p in items]}


@blp.route("/me/partner-bindings/<string:partner_code>", methods=["DELETE"])
@resident_required
@blp.response(204)
@blp.alt_response(404, description="partner_not_found, binding_not_found")
def unbind(partner_code: str):
    """Unbind my account at a partner: its later events are no longer credited to me."""
    bindings.unbind_partner_account(current_principal().user_id, partner_code)
