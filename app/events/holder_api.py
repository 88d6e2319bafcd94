"""Organiser endpoints (a registry holder's console login): register an event, account
its emissions per source, mark it held, freeze the accounting, offset it with units."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from app.auth import current_principal, holder_required
from app.events import models as _models  # noqa: F401  (registers the tables)
from app.events import service
from app.events.schemas import (
    EventAccountSchema,
    EventCreateSchema,
    EventListArgsSchema,
    EventPatchSchema,
    EventQrSchema,
    EventSchema,
    LineCreateSchema,
    LineListSchema,
    LineSchema,
    LinesFileSchema,
    OffsetResultSchema,
    OffsetSchema,
    PublicEventSchema,
)
from app.idempotency import current_idempotency, idempotent
from app.pagination import page_schema
from app.qrimage import qr_png
from app.registry import service as registry

blp = Blueprint("holder_events", __name__, description="零碳活动 Zero-carbon events (organisers)")


def _holder() -> int:
    return registry.holder_of(current_principal().user_id)


def _mine(event_id: int):
    return service.organisers_event(_holder(), event_id)


@blp.route("", methods=["POST"])
@holder_required
@blp.arguments(EventCreateSchema)
@blp.response(201, EventSchema)
@blp.alt_response(404, description="factor_not_found (default_mode_factor)")
@blp.alt_response(422, description="invalid_dates, invalid_event_kind")
def create_event(body: dict):
    """Register an event (会议/论坛/赛事/展览/演出) with its plan."""
    return service.create_event(_holder(), body, current_principal().user_id)


@blp.route("", methods=["GET"])
@holder_required
@blp.arguments(EventListArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def list_events(args: dict):
    """My events, newest first."""
    items, next_cursor = service.list_events(_holder(), args["limit"], args["cursor"])
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<int:event_id>", methods=["GET"])
@holder_required
@blp.response(200, PublicEventSchema)
@blp.alt_response(404, description="event_not_found")
def get_event(event_id: int):
    """One of my events with its lines, totals and offsets."""
    return service.public_view(_mine(event_id))


@blp.route("/<int:event_id>", methods=["PATCH"])
@holder_required
@blp.arguments(EventPatchSchema)
@blp.response(200, EventSchema)
@blp.alt_response(404, description="event_not_found")
@blp.alt_response(409, description="event_wrong_stage")
def update_event(body: dict, event_id: int):
    """Change a planned event's details."""
    return service.update_plan(_mine(event_id), body)


@blp.route("/<int:event_id>/qr", methods=["GET"])
@holder_required
@blp.response(200, EventQrSchema)
@blp.alt_response(404, description="event_not_found")
def event_qr(event_id: int):
    """What the attendees' QR encodes (`/qr.png` for the image)."""
    return {"payload": service.event_qr(_mine(event_id))}


@blp.route("/<int:event_id>/qr.png", methods=["GET"])
@holder_required
@blp.response(200, content_type="image/png", description="the attendees' QR")
@blp.alt_response(404, description="event_not_found")
def event_qr_png(event_id: int):
    """The attendees' QR image to print or show at the venue."""
    return Response(qr_png(service.event_qr(_mine(event_id))), mimetype="image/png")


@blp.route("/<int:event_id>/lines", methods=["POST"])
@holder_required
@blp.arguments(LineCreateSchema)
@blp.response(201, LineSchema)
@blp.alt_response(404, description="event_not_found, factor_not_found")
@blp.alt_response(409, description="event_wrong_stage")
@blp.alt_response(422, description="invalid_category, invalid_quantity")
def add_line(body: dict, event_id: int):
    """Add a source: activity data in the factor's unit (kWh, m3, kg, passenger-km...)."""
    return service.add_line(
        _mine(event_id), body["category"], body["factor"], body["quantity"], body["note"]
    )


@blp.route("/<int:event_id>/lines/import", methods=["POST"])
@holder_required
@blp.arguments(LinesFileSchema, location="files")
@blp.response(201, LineListSchema)
@blp.alt_response(404, description="event_not_found, factor_not_found")
@blp.alt_response(409, description="event_wrong_stage")
@blp.alt_response(422, description="invalid_csv, invalid_category, invalid_quantity")
def import_lines(files: dict, event_id: int):
    """Add lines from a CSV file (`category,factor,quantity,note`; all or none)."""
    text = files["file"].read().decode("utf-8", errors="replace")
    return {"items": service.import_lines(_mine(event_id), text)}


@blp.route("/<int:event_id>/lines/<int:line_id>", methods=["DELETE"])
@holder_required
@blp.response(204)
@blp.alt_response(404, description="event_not_found, line_not_found")
@blp.alt_response(409, description="event_wrong_stage")
def remove_line(event_id: int, line_id: int):
    """Remove one of my lines before the accounting is frozen."""
    service.remove_line(_mine(event_id), line_id)


@blp.route("/<int:event_id>/held", methods=["POST"])
@holder_required
@blp.response(200, EventSchema)
@blp.alt_response(404, description="event_not_found")
@blp.alt_response(409, description="event_wrong_stage, event_not_over")
def mark_held(event_id: int):
    """The event took place (from its last day on)."""
    return service.mark_held(_mine(event_id))


@blp.route("/<int:event_id>/account", methods=["POST"])
@holder_required
@blp.arguments(EventAccountSchema)
@blp.response(200, PublicEventSchema)
@blp.alt_response(404, description="event_not_found, verifier_not_found")
@blp.alt_response(409, description="event_wrong_stage")
def account_event(body: dict, event_id: int):
    """Freeze the accounting: the attendees' trips become travel lines; optionally ask a
    verification body to check it."""
    event = service.account_event(_mine(event_id), current_principal().user_id, body["verifier_id"])
    return service.public_view(event)


@blp.route("/<int:event_id>/offsets", methods=["POST"])
@holder_required
@idempotent
@blp.arguments(OffsetSchema)
@blp.response(201, OffsetResultSchema)
@blp.alt_response(404, description="event_not_found, batch_not_found")
@blp.alt_response(409, description="event_wrong_stage, insufficient_units, batch_not_issued")
def offset_event(body: dict, event_id: int):
    """Retire my units for the event (the event as beneficiary); once they cover the
    total (rounded up to whole kg) the event is offset."""
    key, request_hash = current_idempotency()
    req = registry.Request(current_principal().user_id, key, request_hash)
    return service.offset_event(_holder(), _mine(event_id), body["batch_id"], body["quantity"], req)
