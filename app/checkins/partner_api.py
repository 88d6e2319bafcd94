"""Partner webhooks, signed with the partner's secret: `POST /api/v1/partner/events`,
`POST /api/v1/partner/events/batch` (up to 500 events, each answered on its own) and
`POST /api/v1/partner/binding-codes` (a one-time code a resident binds the account with).

Each call of a known partner leaves its outcome in the partner's delivery log (what the
operators see as its recent events), one line per event of an answered batch: noted when
the answer is ready, written once the request's own transaction has ended
(app/checkins/deliveries.py).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable

from flask import Response, g, request
from flask_smorest import Blueprint

from app.checkins import bindings, deliveries, partner_batches, partner_events, partners
from app.checkins.batch_schemas import PartnerEventBatchResultSchema, PartnerEventBatchSchema
from app.checkins.schemas import (
    BindingCodeRequestSchema,
    BindingCodeSchema,
    PartnerEventResultSchema,
    PartnerEventSchema,
)
from app.extensions import db

log = logging.getLogger(__name__)

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


_SIGNED_401 = (
    "unknown_partner, invalid_timestamp, timestamp_out_of_window, invalid_nonce, "
    "invalid_signature, nonce_reused"
)


@blp.route("/events", methods=["POST"])
@partner_signed
@blp.arguments(PartnerEventSchema)
@blp.response(201, PartnerEventResultSchema)
@blp.alt_response(200, schema=PartnerEventResultSchema, description="event_id seen before")
@blp.alt_response(
    202,
    schema=PartnerEventResultSchema,
    description="held: `partner_user_id` is bound to nobody yet; the event is kept and "
    "paid to the resident who binds it before `held_until` (PARTNER_HOLD_DAYS after it "
    "happened), once",
)
@blp.alt_response(401, description=_SIGNED_401)
@blp.alt_response(
    403, description="scenario_not_allowed, account_frozen (the resident's account is frozen)"
)
@blp.alt_response(404, description="scenario_not_found, user_not_found")
@blp.alt_response(409, description="consent_required, daily_cap_reached, scenario_inactive")
@blp.alt_response(422, description="invalid_occurred_at, invalid_quantity")
def post_event(body: dict):
    """Credit a resident's trip or order reported by a partner (counts once per event_id).
    The resident is named by `openid`, or by the partner's own `partner_user_id` once the
    resident has bound it (POST /partner/binding-codes, then the resident's code)."""
    result, created = partner_events.record_partner_event(g.partner, **body)
    return {**result, "duplicate": not created}, partner_events.answer_status(result, created)


@blp.route("/events/batch", methods=["POST"])
@partner_signed
@blp.arguments(PartnerEventBatchSchema)
@blp.response(200, PartnerEventBatchResultSchema)
@blp.alt_response(401, description=_SIGNED_401)
@blp.alt_response(
    422,
    description="batch_empty, batch_too_large (more than 500 events), validation_error "
    "(`events` missing or not a list, unknown fields)",
)
def post_event_batch(body: dict):
    """Report up to 500 events in one signed request, settled in one transaction. Each
    event is answered on its own, in order, as POST /partner/events would answer it
    (`code`: 201, 202, 200 for an event_id seen before, or its 4xx with `reason`); a
    refused event takes only itself back. Sending the batch again answers the events
    already recorded as repeats (200) and records the others."""
    return partner_batches.record_partner_event_batch(g.partner, body["events"])


@blp.route("/binding-codes", methods=["POST"])
@partner_signed
@blp.arguments(BindingCodeRequestSchema)
@blp.response(201, BindingCodeSchema)
@blp.alt_response(401, description=_SIGNED_401)
def issue_binding_code(body: dict):
    """A one-time code (10 minutes) for one of my users: shown in the partner's app, the
    resident types it into the mini-program, which binds `partner_user_id` to them and pays
    the events held for it."""
    return bindings.issue_binding_code(g.partner, body["partner_user_id"])


@blp.after_request
def _note_outcome(response: Response) -> Response:
    # Runs before the app's commit or rollback: only note what to log.
    partner = g.get("partner")
    partner_id = partner.id if partner is not None else None
    if partner_id is None:
        partner_id = deliveries.partner_id_for(request.headers.get("X-Partner-Id"))
    if partner_id is None:
        return response
    answer = response.get_json(silent=True) if response.is_json else None
    answer = answer if isinstance(answer, dict) else {}
    if request.endpoint == "partner.post_event_batch" and response.status_code == 200:
        rows = [_row(item.get("code", 0), item.get("event_id"), item)
                for item in answer.get("results", ())]  # fmt: skip
    else:
        rows = [_row(response.status_code, _sent_event_id(), answer)]
    g.partner_delivery = {"partner_id": partner_id, "rows": rows}
    return response


def _sent_event_id() -> object:
    try:
        sent = json.loads(request.get_data(cache=True) or b"{}")
    except Exception:  # not JSON, too large, not UTF-8: logged without an event_id
        sent = {}
    return sent.get("event_id") if isinstance(sent, dict) else None


def _row(status_code: int, event_id: object, answer: dict) -> dict:
    return {
        "status_code": status_code,
        "event_id": event_id if isinstance(event_id, str) else "",
        "reason": str(answer.get("reason") or ""),
        "message": str(answer.get("message") or ""),
        "record_id": answer.get("record_id") if status_code < 300 else None,
    }


@blp.teardown_request
def _write_outcome(_error) -> None:
    # After the request's transaction has been committed or rolled back.
    if (noted := g.pop("partner_delivery", None)) is None:
        return
    try:
        deliveries.record_deliveries(noted["partner_id"], noted["rows"])
        db.session.commit()
    except Exception:  # the partner's answer is decided; the log is best effort
        db.session.rollback()
        log.warning("partner delivery log not written", exc_info=True)
