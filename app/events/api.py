"""Events for residents (record how they came, scanning the event's QR), for verification
bodies (check an accounting) and for the public (events, their accounting, certificates)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required, resident_required, verifier_required
from app.events import service
from app.events.schemas import (
    AttendanceResultSchema,
    AttendanceSchema,
    CheckSchema,
    EventListArgsSchema,
    EventSchema,
    FactorListSchema,
    PublicEventSchema,
)
from app.pagination import Page, page_schema
from app.registry import service as registry

blp = Blueprint("events", __name__, description="零碳活动 Zero-carbon events")


@blp.route("/events/attendance", methods=["POST"])
@resident_required
@blp.arguments(AttendanceSchema)
@blp.response(201, AttendanceResultSchema)
@blp.alt_response(400, description="invalid_qr")
@blp.alt_response(409, description="attendance_recorded, event_wrong_stage")
@blp.alt_response(422, description="invalid_mode, invalid_distance")
def record_attendance(body: dict):
    """Record how I came to an event (metro, bus, bike, walk; round trip in km). No
    points: the trip earns its points through its own check-ins."""
    attendance = service.record_attendance(
        current_principal().user_id, body["token"], body["mode"], body["distance_km"]
    )
    # mypy: display-only attribute for the schema.
    attendance.event_name = service.get_event(attendance.event_id).name  # type: ignore[attr-defined]
    return attendance


@blp.route("/public/events", methods=["GET"])
@blp.arguments(EventListArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def public_events(args: dict):
    """Zero-carbon events, newest first."""
    return Page(*service.list_events(None, args["limit"], args["cursor"]))


@blp.route("/public/events/<string:public_id>", methods=["GET"])
@blp.response(200, PublicEventSchema)
@blp.alt_response(404, description="event_not_found")
def public_event(public_id: str):
    """An event's accounting by source with factor versions, its offsets with serial
    ranges, whether a verifier checked it, and whether it is overdue."""
    return service.public_view(service.find_public(public_id))


@blp.route("/public/event-factors", methods=["GET"])
@blp.response(200, FactorListSchema)
def factors():
    """The emission factors events are accounted with, each with its source and version."""
    return {"items": service.list_factors()}


@blp.route("/verifier/events", methods=["GET"])
@verifier_required
@blp.arguments(EventListArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def verifier_events(args: dict):
    """Events whose accounting my body was asked to check."""
    mine = registry.verifier_of(current_principal().user_id)
    return Page(*service.list_events(None, args["limit"], args["cursor"], verifier_id=mine))


@blp.route("/verifier/events/<int:event_id>/check", methods=["POST"])
@verifier_required
@blp.arguments(CheckSchema)
@blp.response(200, PublicEventSchema)
@blp.alt_response(404, description="event_not_found (also another body's)")
@blp.alt_response(409, description="event_wrong_stage")
def check_event(body: dict, event_id: int):
    """Confirm an event's accounting (it is shown as checked, not self-declared)."""
    event = service.check_event(
        service.get_event(event_id), current_principal().user_id, body["note"]
    )
    return service.public_view(event)


@blp.route("/admin/events", methods=["GET"])
@operator_required
@blp.arguments(EventListArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def admin_events(args: dict):
    """Every organiser's events, newest first."""
    return Page(*service.list_events(None, args["limit"], args["cursor"]))
