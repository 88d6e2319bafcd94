"""Partner webhook: `POST /api/v1/partner/events`, signed with the partner's secret."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request
from flask_smorest import Blueprint

from app.checkins import partners
from app.checkins.schemas import PartnerEventResultSchema, PartnerEventSchema

blp = Blueprint("partner", __name__, description="合作方数据 Partner events (server to server)")

_HEADERS = [
    ("X-Partner-Id", "the partner code given by the operators"),
    ("X-Timestamp", "Unix seconds; at most 5 minutes from our clock"),
    ("X-Nonce", "8 to 64 characters [A-Za-z0-9_-], never reused"),
    ("X-Signature", "hex HMAC-SHA256 of `timestamp\\nnonce\\nbody` with the partner secret"),
]


def partner_signed(view: Callable) -> Callable:
    """Authenticate the partner from the signature headers before the body is parsed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.partner = partners.authenticate_partner(
            request.headers.get("X-Partner-Id"),
            request.headers.get("X-Timestamp"),
            request.headers.get("X-Nonce"),
            request.headers.get("X-Signature"),
            request.get_data(cache=True),
        )
        return view(*args, **kwargs)

    parameters = [
        {"in": "header", "name": name, "required": True, "schema": {"type": "string"},
         "description": text}
        for name, text in _HEADERS
    ]  # fmt: skip
    return Blueprint.doc(parameters=parameters)(wrapper)


@blp.route("/events", methods=["POST"])
@partner_signed
@blp.arguments(PartnerEventSchema)
@blp.response(201, PartnerEventResultSchema)
@blp.alt_response(200, schema=PartnerEventResultSchema, description="event_id seen before")
@blp.alt_response(
    401,
    description="unknown_partner, invalid_timestamp, timestamp_out_of_window, invalid_nonce, "
    "invalid_signature, nonce_reused",
)
@blp.alt_response(
    403, description="scenario_not_allowed, account_frozen (the resident's account is frozen)"
)
@blp.alt_response(404, description="scenario_not_found, user_not_found")
@blp.alt_response(409, description="consent_required, daily_cap_reached, scenario_inactive")
@blp.alt_response(422, description="invalid_occurred_at, invalid_quantity")
def post_event(body: dict):
    """Credit a resident's trip or order reported by a partner (counts once per event_id)."""
    result, created = partners.record_partner_event(g.partner, **body)
    return {**result, "duplicate": not created}, 201 if created else 200
